"""Learned categories for users: suggestions on import, learning from corrections, rule offers.

The model is the pure library :mod:`fincast.ml.categorizer`; this module feeds it the user's
ledger and writes its answers back:

* :func:`suggest_rows` runs on every import (from :mod:`fincast.services.imports`, on the
  parsed rows before the write transaction opens; :func:`store_suggestions` writes its
  answers in that transaction): each new transaction gets the model's suggestion and
  confidence; where nothing better set a category (no hand-set category, no rule, no
  transfer pairing; the default keyword map counts as weaker) it becomes the category with
  ``category_source = 'model'``. Below the confidence threshold nothing is suggested.
* What the model knows of a user is read from the ledger at each import: the payee memory
  (the latest category the user gave each payee) at once, the user's own model retrained
  lazily when their labeled transactions changed (keyed by a digest of them). So a
  correction (``PATCH /api/transactions/{id}``) is used by the very next import.
* :func:`rule_suggestions` offers "always categorize X as Y" after repeated corrections of
  one payee to one category; :func:`accept_rule_suggestion` creates that rule through the
  rules resource and re-applies the rules.
* The global model (synthetic households plus the merchant descriptors of
  ``../shared/data``, mapped to the taxonomy) is a signed model file, trained by
  :func:`train_global_model` (``fincast categorize train``), or on first use from
  synthetic households alone.
* :func:`evaluate_csv` is ``fincast categorize evaluate``: the time-split protocol of
  :mod:`fincast.ml.categorizer_eval` on a labeled CSV.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Float, String, Table, and_, func, or_, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from fincast.config import get_settings
from fincast.db.engine import session_scope
from fincast.errors import InputError, ModelFileError, NotFoundError
from fincast.ingest.fingerprint import normalize_payee
from fincast.ingest.payee import extract_payee
from fincast.ingest.rows import TRANSACTION_COLUMNS
from fincast.ingest.transfers import TRANSFER_SLUGS
from fincast.ledger import categorization as ledger_categorization
from fincast.ledger import service as ledger
from fincast.ledger.models import (
    Account,
    CategorizationRule,
    Category,
    CategorySource,
    Transaction,
)
from fincast.services import resources
from fincast.services.forecasting.modelfiles import load_model_file, read_metadata, save_model_file
from fincast.services.forecasting.versions import invalidate
from fincast.services.users import find_user

if TYPE_CHECKING:
    from fincast.ml.categorizer import CategorySuggester, TextCategorizer

KIND = "fincast-categorizer"
GLOBAL_MODEL = "categorizer-global"
USER_MODEL = "categorizer-user"
#: Generator seed of the global model's synthetic households (no test or benchmark uses it).
GLOBAL_SEED = 20261212
GLOBAL_USERS = 12
GLOBAL_MONTHS = 24
#: Where the merchant descriptors sit under ``../shared/data``.
MERCHANT_FILE = Path("personal-finance") / "merchant_descriptor_categories.csv"
#: Fewer labeled transactions than this: memory and the global model only.
MIN_USER_ROWS = 10
#: The user's latest labeled transactions the user model learns from.
MAX_USER_ROWS = 20_000
#: Corrections of one payee to one category after which a rule is offered.
RULE_MIN_CORRECTIONS = 3
_SOURCE_WEIGHT = {CategorySource.RULE.value: 2.0, CategorySource.IMPORT.value: 1.0}
_TX = cast(Table, Transaction.__table__)
log = logging.getLogger(__name__)

# The merchant descriptors' (category, sub-category) in fincast's taxonomy; a category alone
# is the fallback for its sub-categories not listed.
MERCHANT_TAXONOMY: dict[tuple[str, str | None], str] = {
    ("Food", "Groceries"): "groceries",
    ("Food", "FastFood_Restaurants"): "dining",
    ("Auto", "Gas"): "transport",
    ("Auto", "Insurance"): "insurance",
    ("Auto", None): "transport",
    ("Clothes", None): "shopping",
    ("Debt", None): "debt_payments",
    ("Electronics", None): "shopping",
    ("Entertainment", None): "entertainment",
    ("Home", None): "shopping",
    ("Medical", None): "healthcare",
    ("Personal_Care", None): "shopping",
    ("Pets", None): "other",
    ("Savings", None): "transfers",
    ("Subscriptions_Memberships", None): "subscriptions",
    ("Utilities", None): "utilities",
}


def _models_dir(models_dir: Path | None) -> Path:
    return Path(models_dir or get_settings().resolved_models_dir) / "categorization"


# -- the global model ---------------------------------------------------------------------


def merchant_frame(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """The merchant descriptors file as categorizer rows and taxonomy slugs."""
    raw = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    missing = {"Description", "Category"} - set(raw.columns)
    if missing:
        raise InputError(f"{path}: the following columns are missing: {sorted(missing)}")
    slugs = [
        MERCHANT_TAXONOMY.get((c, s)) or MERCHANT_TAXONOMY.get((c, None))
        for c, s in zip(raw["Category"], raw.get("Sub_Category", [None] * len(raw)), strict=True)
    ]
    keep = [i for i, s in enumerate(slugs) if s is not None]
    frame = pd.DataFrame(
        {
            "payee": raw["Description"].iloc[keep].str.replace("&amp;", "&").to_numpy(),
            "amount": -25.0,  # a typical card purchase: the descriptors carry no amounts
        }
    )
    return frame, [cast(str, slugs[i]) for i in keep]


def synthetic_frame(
    n_users: int = GLOBAL_USERS, n_months: int = GLOBAL_MONTHS, seed: int = GLOBAL_SEED
) -> tuple[pd.DataFrame, list[str]]:
    """Transactions of synthetic households as categorizer rows and taxonomy slugs."""
    from fincast.synth import generate_households

    tx = generate_households(n_users, n_months, seed).transactions
    frame = pd.DataFrame(
        {
            "payee": tx["payee"].astype(str).to_numpy(),
            "description": tx["description"].astype(object).to_numpy(),
            "amount": tx["amount"].astype(float).to_numpy(),
            "date": pd.to_datetime(tx["date"]).to_numpy(),
            "account": tx["account"].astype(str).to_numpy(),
        }
    )
    return frame, [str(c) for c in tx["category"]]


def train_global_model(
    models_dir: Path | None = None, *, merchants: Path | None = None
) -> dict[str, Any]:
    """Fit the global model on synthetic households (and merchant descriptors) and save it."""
    from fincast.ml.categorizer import TextCategorizer

    frame, labels = synthetic_frame()
    sources = [f"synthetic households (seed {GLOBAL_SEED}, {GLOBAL_USERS} x {GLOBAL_MONTHS})"]
    if merchants is not None:
        m_frame, m_labels = merchant_frame(merchants)
        frame = pd.concat([frame, m_frame], ignore_index=True)
        labels = labels + m_labels
        sources.append(f"{merchants.name} ({len(m_labels)} descriptors)")
    model = TextCategorizer().fit(frame, labels)
    meta = {"rows": len(labels), "classes": list(model.classes_), "sources": sources}
    out = save_model_file(_models_dir(models_dir), GLOBAL_MODEL, KIND, model.to_arrays(), meta)
    _global_cache.clear()
    return out


_global_cache: dict[tuple[str, str], TextCategorizer] = {}
_global_lock = threading.Lock()


def global_model(models_dir: Path | None = None) -> TextCategorizer:
    """The saved global model (trained from synthetic households first if there is none)."""
    from fincast.ml.categorizer import TextCategorizer

    directory = _models_dir(models_dir)
    with _global_lock:
        try:
            meta = read_metadata(directory, GLOBAL_MODEL)
        except ModelFileError:
            if (directory / f"{GLOBAL_MODEL}.meta.json").exists():
                raise  # a damaged or foreign file is reported, not silently replaced
            meta = train_global_model(models_dir)
        key = (str(directory), str(meta["payload_sha256"]))
        model = _global_cache.get(key)
        if model is None:
            _, arrays = load_model_file(directory, GLOBAL_MODEL, kind=KIND)
            model = TextCategorizer.from_arrays(arrays)
            _global_cache.clear()
            _global_cache[key] = model
        return model


# -- what a user taught -------------------------------------------------------------------


def account_names(conn: Connection, user_id: int) -> dict[int, str]:
    """Names of ``user_id``'s accounts by id (the model reads the account name)."""
    rows = conn.execute(select(Account.id, Account.name).where(Account.user_id == user_id))
    return {int(i): str(n) for i, n in rows}


def _frame(rows: Sequence[Any], accounts: dict[int, str]) -> pd.DataFrame:
    """Categorizer rows from (id, account_id, posted_date, amount, payee_raw, description_raw)."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * 6
    return pd.DataFrame(
        {
            "payee": columns[4],
            "description": columns[5],
            "amount": np.asarray(columns[3], dtype=float),
            "date": pd.to_datetime(pd.Series(columns[2]).astype(str), errors="coerce"),
            "account": [accounts.get(int(a), "") for a in columns[1]],
        }
    )


@dataclass(frozen=True)
class _Taught:
    """A user's labeled transactions: the rows, labels (category ids), weights, digest."""

    frame: pd.DataFrame
    labels: list[str]
    weights: np.ndarray
    order: list[int]
    digest: str


def _taught(conn: Connection, user_id: int) -> _Taught:
    t = _TX
    rows = conn.execute(
        select(
            t.c.id,
            t.c.account_id,
            t.c.posted_date,
            t.c.amount,
            t.c.payee_raw,
            t.c.description_raw,
            t.c.category_id,
            t.c.category_source,
        )
        .where(
            t.c.user_id == user_id,
            t.c.category_id.is_not(None),
            # The model's own guesses are not evidence.
            func.coalesce(t.c.category_source, "") != CategorySource.MODEL.value,
        )
        .order_by(t.c.id.desc())
        .limit(MAX_USER_ROWS)
    ).all()
    rows = rows[::-1]
    from fincast.ml.categorizer import CORRECTION_WEIGHT

    weights = np.array(
        [
            CORRECTION_WEIGHT
            if r[7] == CategorySource.USER.value
            else _SOURCE_WEIGHT.get(r[7] or "", 1.0)
            for r in rows
        ]
    )
    digest = hashlib.sha256(
        repr([(r[0], r[6], r[7], r[4], r[5]) for r in rows]).encode()
    ).hexdigest()[:20]
    return _Taught(
        frame=_frame(rows, account_names(conn, user_id)),
        labels=[str(r[6]) for r in rows],
        weights=weights,
        order=[int(r[0]) for r in rows],
        digest=digest,
    )


def _user_dir(models_dir: Path | None, user_id: int) -> Path:
    return _models_dir(models_dir) / "users" / str(int(user_id))


_user_cache: OrderedDict[tuple[str, int], tuple[str, TextCategorizer | None]] = OrderedDict()
_USER_CACHE_SIZE = 64
_user_lock = threading.Lock()


def _user_model(taught: _Taught, user_id: int, models_dir: Path | None) -> TextCategorizer | None:
    """The user's own model for exactly these labeled rows: cached, saved, else fitted."""
    from fincast.ml.categorizer import TextCategorizer

    directory = _user_dir(models_dir, user_id)
    cache_key = (str(directory), user_id)
    hit = _user_cache.get(cache_key)
    if hit is not None and hit[0] == taught.digest:
        return hit[1]
    model: TextCategorizer | None = None
    if len(taught.labels) >= MIN_USER_ROWS and len(set(taught.labels)) >= 2:
        try:
            meta, arrays = load_model_file(directory, USER_MODEL, kind=KIND)
            if meta.get("data_digest") != taught.digest:
                raise ModelFileError("trained on other data")
            model = TextCategorizer.from_arrays(arrays)
        except ModelFileError:
            model = TextCategorizer().fit(taught.frame, taught.labels, sample_weight=taught.weights)
            save_model_file(
                directory,
                USER_MODEL,
                KIND,
                model.to_arrays(),
                {"user_id": user_id, "rows": len(taught.labels), "data_digest": taught.digest},
            )
    with _user_lock:
        _user_cache[cache_key] = (taught.digest, model)
        _user_cache.move_to_end(cache_key)
        while len(_user_cache) > _USER_CACHE_SIZE:
            _user_cache.popitem(last=False)
    return model


def user_suggester(
    conn: Connection, user_id: int, *, models_dir: Path | None = None
) -> CategorySuggester:
    """Everything the categorizer knows of ``user_id`` now: memory, own model, global model."""
    from fincast.ml.categorizer import CategorySuggester, GlobalBridge, PayeeMemory, payee_keys

    taught = _taught(conn, user_id)
    memory = PayeeMemory.from_history(
        payee_keys(taught.frame), taught.labels, list(taught.weights), taught.order
    )
    with Session(bind=conn) as session:
        identity = {slug: str(cid) for slug, cid in ledger.category_ids(session, user_id).items()}
    recent = slice(max(0, len(taught.labels) - 2000), None)
    bridge = None
    if identity or taught.labels:
        try:
            model = global_model(models_dir)
        except ModelFileError as exc:
            # A damaged global model must not stop imports; the user's own layers still work.
            log.warning("categorization: global model unusable, left out: %s", exc)
        else:
            bridge = GlobalBridge.fit(
                model,
                taught.frame.iloc[recent] if taught.labels else None,
                taught.labels[recent],
                identity,
            )
    return CategorySuggester(
        memory=memory, user_model=_user_model(taught, user_id, models_dir), bridge=bridge
    )


# -- on import ----------------------------------------------------------------------------


#: Precomputed suggestions of an import: row key (the fingerprint) -> (category id, confidence).
Suggested = dict[str, tuple[int, float]]


def suggest_rows(
    suggester: CategorySuggester, rows: Sequence[Any], accounts: dict[int, str]
) -> Suggested:
    """The model's suggestions for rows not yet written, keyed by the rows' first value.

    ``rows`` hold (key, account_id, posted_date as ISO text, amount as float, payee_raw,
    description_raw); the import passes its parsed rows with the fingerprint as key, before
    the write transaction opens, so the model never runs while the write lock is held.
    Rows below the confidence threshold get no entry.
    """
    if not rows:
        return {}
    result = suggester.suggest(_frame(rows, accounts))
    return {
        str(row[0]): (int(label), round(float(conf), 3))
        for row, label, conf in zip(rows, result.labels, result.confidence, strict=True)
        if label is not None
    }


def suggest_new_rows(
    suggester: CategorySuggester, rows: Sequence[Sequence[Any]], accounts: dict[int, str]
) -> list[tuple[int, float] | None]:
    """The model's suggestion for each ledger row not yet written, in the rows' order.

    ``rows`` hold the values of :data:`~fincast.ingest.rows.TRANSACTION_COLUMNS` (what an
    import built, before its write transaction); the answers are those of
    :func:`suggest_rows` for the same rows (None below the confidence threshold). A file
    repeats its dates, amounts and accounts: each distinct one is converted once.
    """
    if not rows:
        return []
    # Only the five columns the model reads (transposing all 15 showed as 5% of a
    # 1,000,000-row import's samples under py-spy).
    columns = {
        name: list(map(itemgetter(TRANSACTION_COLUMNS.index(name)), rows))
        for name in ("posted_date", "amount", "account_id", "payee_raw", "description_raw")
    }
    dates, amounts = columns["posted_date"], columns["amount"]
    account_ids = columns["account_id"]
    d_codes, d_uniques = pd.factorize(pd.Series(dates, dtype=object))
    iso = pd.Series([d.isoformat() for d in d_uniques], dtype=object)
    a_codes, a_uniques = pd.factorize(pd.Series(amounts, dtype=object))
    n_codes, n_uniques = pd.factorize(pd.Series(account_ids, dtype=object))
    frame = pd.DataFrame(
        {
            "payee": columns["payee_raw"],
            "description": columns["description_raw"],
            "amount": np.asarray([float(a) for a in a_uniques], dtype=float)[a_codes],
            "date": pd.to_datetime(iso, errors="coerce").to_numpy()[d_codes],
            "account": np.asarray([accounts.get(int(a), "") for a in n_uniques], dtype=object)[
                n_codes
            ],
        }
    )
    result = suggester.suggest(frame)
    # Rows share a few hundred answers: each is made once (and its tuple shared).
    answers: dict[tuple[str, float], tuple[int, float]] = {}
    out: list[tuple[int, float] | None] = []
    add = out.append
    for label, conf in zip(result.labels, result.confidence.tolist(), strict=True):
        if label is None:
            add(None)
            continue
        answer = answers.get((label, conf))
        if answer is None:
            answer = answers[(label, conf)] = (int(label), round(conf, 3))
        add(answer)
    return out


def suggestion_replaces(
    current: int | None, source: str | None, suggested: int, transfer_ids: Collection[int]
) -> bool:
    """Whether a suggestion becomes the category of a row with ``current`` from ``source``.

    Only an empty category or one from the default keyword map gives way (the keyword map is
    weaker than the model; an agreeing keyword stays put); never a hand-set category, a rule
    or a transfer pair.
    """
    return source is None or (
        source == CategorySource.IMPORT.value
        and current not in transfer_ids
        and current != suggested
    )


def apply_stored_suggestions(conn: Connection, user_id: int, batch_id: int) -> int:
    """Make the suggestions stored on import ``batch_id``'s rows their category where due.

    The rule of :func:`suggestion_replaces`, as one statement over rows written with their
    suggestion already in ``suggested_category_id`` (after transfer pairing); returns how
    many rows changed.
    """
    t = _TX
    slugs = dict(
        conn.execute(select(Category.id, Category.slug).where(Category.user_id == user_id)).all()
    )
    transfer_ids = [cid for cid, slug in slugs.items() if slug in TRANSFER_SLUGS]
    source = sql_cast(t.c.category_source, String(20))
    result = conn.execute(
        update(t)
        .where(
            t.c.user_id == user_id,
            t.c.import_batch_id == batch_id,
            t.c.suggested_category_id.is_not(None),
            or_(
                t.c.category_source.is_(None),
                and_(
                    source == CategorySource.IMPORT.value,
                    or_(
                        t.c.category_id.is_(None),
                        and_(
                            t.c.category_id.not_in(transfer_ids),
                            t.c.category_id != t.c.suggested_category_id,
                        ),
                    ),
                ),
            ),
        )
        .values(category_id=t.c.suggested_category_id, category_source=CategorySource.MODEL.value)
    )
    return int(result.rowcount or 0)


def store_suggestions(conn: Connection, user_id: int, batch_id: int, suggested: Suggested) -> int:
    """Write precomputed suggestions onto the rows of import ``batch_id``; returns how many.

    A suggestion is stored on every row it exists for (``suggested_category_id``,
    ``category_confidence``); it becomes the category (source ``model``) only where the
    category is empty or came from the default keyword map, never over a hand-set category,
    a rule or a transfer pair (pairing runs first, in the same transaction). Only plain
    updates run here: the model ran before the transaction (:func:`suggest_rows`).
    """
    t = _TX
    if not suggested:
        return 0
    rows = conn.execute(
        select(
            t.c.id, t.c.fingerprint, t.c.category_id, sql_cast(t.c.category_source, String(20))
        ).where(t.c.user_id == user_id, t.c.import_batch_id == batch_id)
    ).all()
    slugs = dict(
        conn.execute(select(Category.id, Category.slug).where(Category.user_id == user_id)).all()
    )
    transfer_ids = {cid for cid, slug in slugs.items() if slug in TRANSFER_SLUGS}
    groups: dict[tuple[int, float, bool], list[int]] = {}
    for tid, fingerprint, current, source in rows:
        found = suggested.get(str(fingerprint))
        # A category deleted since the model learned it is no suggestion.
        if found is None or found[0] not in slugs:
            continue
        cid, conf = found
        replace = suggestion_replaces(current, source, cid, transfer_ids)
        groups.setdefault((cid, conf, replace), []).append(int(tid))
    n = 0
    for (cid, conf, replace), ids in groups.items():
        values: dict[str, Any] = {"suggested_category_id": cid, "category_confidence": conf}
        if replace:
            values |= {"category_id": cid, "category_source": CategorySource.MODEL.value}
        for start in range(0, len(ids), 2000):
            chunk = ids[start : start + 2000]
            conn.execute(update(t).where(t.c.id.in_(chunk)).values(**values))
            n += len(chunk)
    return n


def suggest_for_batch(
    conn: Connection,
    user_id: int,
    batch_id: int,
    suggester: CategorySuggester | None = None,
    *,
    models_dir: Path | None = None,
) -> int:
    """Suggest categories for the stored transactions of import ``batch_id``; returns how many.

    The model runs on ``conn``: for rows already written (a re-run). The import itself uses
    :func:`suggest_rows` before its write transaction and :func:`store_suggestions` in it.
    """
    t = _TX
    # Plain values (float amount, text date): an import can hold a million rows, and
    # converting each to Decimal and date would cost more than the model.
    rows = conn.execute(
        select(
            t.c.fingerprint,
            t.c.account_id,
            sql_cast(t.c.posted_date, String(10)),
            sql_cast(t.c.amount, Float),
            t.c.payee_raw,
            t.c.description_raw,
        ).where(t.c.user_id == user_id, t.c.import_batch_id == batch_id)
    ).all()
    if not rows:
        return 0
    if suggester is None:
        suggester = user_suggester(conn, user_id, models_dir=models_dir)
    suggested = suggest_rows(suggester, rows, account_names(conn, user_id))
    return store_suggestions(conn, user_id, batch_id, suggested)


# -- rule suggestions ---------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSuggestion:
    """'Always categorize payees containing ``payee_contains`` as ``category_id``'."""

    payee_contains: str
    category_id: int
    corrections: int
    example: str

    def to_dict(self) -> dict[str, Any]:
        """The suggestion as plain JSON-ready data."""
        return asdict(self)


def rule_suggestions(
    session: Session, user_id: int, *, min_corrections: int = RULE_MIN_CORRECTIONS
) -> list[RuleSuggestion]:
    """Payees the user put into one category by hand at least ``min_corrections`` times.

    A payee is offered when its latest hand-set category is the one of those corrections,
    no active rule already says so, and its extracted name appears in every corrected
    transaction's normalised text (so the rule matches them all).
    """
    t = Transaction
    rows = session.execute(
        select(t.id, t.payee_raw, t.description_raw, t.category_id)
        .where(
            t.user_id == user_id,
            t.category_source == CategorySource.USER,
            t.category_id.is_not(None),
        )
        .order_by(t.id)
    ).all()
    existing = {
        (r.payee_contains.strip().lower(), r.category_id)
        for r in session.scalars(
            select(CategorizationRule).where(
                CategorizationRule.user_id == user_id,
                CategorizationRule.is_active.is_(True),
                CategorizationRule.payee_contains.is_not(None),
            )
        )
        if r.payee_contains
    }
    by_payee: dict[str, list[tuple[int, str]]] = {}
    for _, payee_raw, desc_raw, cid in rows:
        key = extract_payee(payee_raw, desc_raw)
        if key and cid is not None:
            by_payee.setdefault(key, []).append((int(cid), payee_raw or desc_raw or ""))
    out = []
    for key, seen in by_payee.items():
        latest = seen[-1][0]
        same = [text for cid, text in seen if cid == latest]
        if len(same) < min_corrections or (key, latest) in existing:
            continue
        if not all(key in normalize_payee(text) for text in same):
            continue
        out.append(RuleSuggestion(key, latest, len(same), same[-1]))
    out.sort(key=lambda s: (-s.corrections, s.payee_contains))
    return out


def rule_suggestions_for_cli(engine: Engine, email: str) -> list[dict[str, Any]]:
    """The rule suggestions of the user with ``email``, for ``fincast categorize rules``."""
    user_id = find_user(engine, email).id
    with session_scope(engine) as session:
        return [s.to_dict() for s in rule_suggestions(session, user_id)]


def accept_rule_suggestion(
    session: Session, user_id: int, *, payee_contains: str, category_id: int
) -> CategorizationRule:
    """Create the rule a suggestion offers (it must still be offered) and re-apply rules."""
    key = payee_contains.strip().lower()
    offered = {(s.payee_contains, s.category_id) for s in rule_suggestions(session, user_id)}
    if (key, category_id) not in offered:
        raise NotFoundError(f"no rule suggestion for {payee_contains!r} -> category {category_id}")
    rule = resources.rules.create(
        session, user_id, {"category_id": category_id, "payee_contains": key}
    )
    ledger_categorization.apply_rules(session.connection(), user_id)
    session.commit()
    invalidate(user_id)
    return rule


# -- evaluation ---------------------------------------------------------------------------


def evaluate_csv(
    path: Path,
    *,
    text_col: str,
    label_col: str,
    amount_col: str | None = None,
    date_col: str | None = None,
    description_col: str | None = None,
    account_col: str | None = None,
    merchants: Path | None = None,
) -> dict[str, Any]:
    """``fincast categorize evaluate``: the time-split scores of a labeled CSV.

    With ``merchants`` (the merchant descriptors file) a global model trained on synthetic
    households and those descriptors takes part, bridged to the file's labels through its
    training rows; it is left out when ``path`` is that file itself.
    """
    from fincast.ml.categorizer_eval import evaluate_categorizer

    try:
        raw = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from exc
    wanted = {
        "payee": text_col,
        "label": label_col,
        "amount": amount_col,
        "date": date_col,
        "description": description_col,
        "account": account_col,
    }
    missing = [c for c in wanted.values() if c is not None and c not in raw.columns]
    if missing:
        raise InputError(f"{path.name}: the following columns are missing: {missing}")
    raw = raw[raw[label_col].str.strip() != ""]
    frame = pd.DataFrame({"payee": raw[text_col].to_numpy()})
    if amount_col is not None:
        frame["amount"] = pd.to_numeric(
            raw[amount_col].str.replace(",", "", regex=False), errors="coerce"
        ).to_numpy()
    if date_col is not None:
        frame["date"] = pd.to_datetime(raw[date_col], errors="coerce").to_numpy()
    if description_col is not None:
        frame["description"] = raw[description_col].to_numpy()
    if account_col is not None:
        frame["account"] = raw[account_col].to_numpy()
    model = None
    if merchants is not None:
        same = merchants.exists() and merchants.resolve() == path.resolve()
        if not same:
            model = _evaluation_global_model(merchants)
    result = evaluate_categorizer(frame, list(raw[label_col].str.strip()), global_model=model)
    result["file"] = path.name
    return result


def _evaluation_global_model(merchants: Path) -> TextCategorizer:
    from fincast.ml.categorizer import TextCategorizer

    frame, labels = synthetic_frame()
    m_frame, m_labels = merchant_frame(merchants)
    return TextCategorizer().fit(pd.concat([frame, m_frame], ignore_index=True), labels + m_labels)
