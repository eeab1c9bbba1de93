"""Bank files into the ledger: one file into its accounts, from the CLI, the API or a script.

:func:`import_file` is the one import of a bank file, which the CLI, the API upload and the
benchmark share; :func:`preview_file` runs the same reading, routing and checks and writes
nothing. The whole file is parsed, checked and categorised before the write transaction
opens (the rows wait in a temporary spool), so no lock is held while a file or a rule is
slow; everything the file adds is then written in that one transaction: a bad row anywhere
means nothing from the file is kept, and a failed import batch is recorded (in its own
transaction) instead. Re-importing a file, or a statement overlapping an earlier one, adds
nothing twice: each row's fingerprint is the bank's id where the bank gives one, else its
content plus an occurrence index, and rows whose fingerprint exists are skipped.

Accounts and currencies: a row naming an account (a Mint export's account column, one
statement of a multi-statement OFX) goes into the user's account with that bank id or name;
rows in a currency other than their account's are never stored there (a file wholly in
another currency is refused, naming file and currency). A gap of ``GAP_MONTHS`` or more
between the file and the account's history is reported in ``ImportResult.warnings``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Connection, Engine, Table, delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from fincast.config import get_settings
from fincast.db.dialect import refresh_statistics
from fincast.db.engine import session_scope
from fincast.errors import ConflictError, EmptyImportError, FincastError, InputError
from fincast.ingest.builder import RowBuilder
from fincast.ingest.categorize import Categorizer
from fincast.ingest.detect import detect_stream_format
from fincast.ingest.formats import canonical_format, parse_stream
from fincast.ingest.mapping import CsvMapping, load_mapping, mapping_from_dict, mapping_to_dict
from fincast.ingest.rows import (
    TRANSACTION_COLUMNS,
    ParsedTransaction,
    ParseReport,
    TransactionRow,
)
from fincast.ingest.spool import Spooled, spool
from fincast.ingest.transfers import TRANSFER_SLUGS
from fincast.ledger import batches, categorization
from fincast.ledger import service as ledger
from fincast.ledger.models import (
    Account,
    AccountType,
    Category,
    CategorySource,
    Transaction,
    User,
    utcnow,
)
from fincast.ledger.writer import TransactionStage
from fincast.panel.build import GAP_MONTHS
from fincast.services import categorization as learned
from fincast.services._owned import get_owned
from fincast.services.forecasting import invalidate
from fincast.services.heap import collect_young, collector_paused

log = logging.getLogger(__name__)


@dataclass
class ImportResult:
    """What one import did; ``to_dict()`` is the CLI's ``--json`` shape.

    ``warnings`` are things the user should know although nothing was refused (a gap of
    months between this file and the account's history); ``accounts`` counts the file's
    rows per account they went into (several for a multi-account file), ``created_accounts``
    names the accounts the import created on confirmation.
    """

    file: str
    format: str
    imported: int
    duplicates: int
    skipped: int
    errors: list[str] = field(default_factory=list)
    batch_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    accounts: dict[str, int] = field(default_factory=dict)
    created_accounts: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data."""
        return asdict(self)


#: Rows of a file the preview shows as they would be stored.
PREVIEW_ROWS = 20


@dataclass
class _Target:
    """One account rows of the file go into, with the builder of its rows."""

    id: int
    name: str
    currency: str
    builder: RowBuilder
    bank_ref: str | None = None
    created: bool = False
    first: dt.date | None = None
    last: dt.date | None = None
    rows: int = 0


@dataclass
class _Foreign:
    rows: int = 0
    line: int | None = None


class _Reroute(Exception):
    """The file's first unmatched account went into the chosen one, which the file names too."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _Router:
    """Sends each parsed row to its account: the file's account id or name picks one.

    A row naming no account goes to the account the user chose; so does the first account of
    the file that matches none of the user's (the usual one-account file; the chosen account
    then remembers that id), unless the file also names the chosen account itself (then that
    first account is unmatched too: :class:`_Reroute`). Another unmatched account is created
    when the user confirmed that (``create``), else the import is refused naming every
    unmatched account.
    """

    def __init__(
        self,
        engine: Engine,
        user_id: int,
        chosen: Account,
        accounts: list[Account],
        *,
        create: bool,
        dry_run: bool,
        make_builder: Callable[[int, str], RowBuilder],
        not_chosen: frozenset[str] = frozenset(),
    ) -> None:
        self.engine = engine
        self.not_chosen = not_chosen
        self.provisional: str | None = None
        self.provisional_rows = 0
        self.clash = False
        self.user_id = user_id
        self.create = create
        self.dry_run = dry_run
        self.make_builder = make_builder
        self.chosen = self._target(chosen)
        self.targets: dict[int, _Target] = {chosen.id: self.chosen}
        self.by_key: dict[str, _Target] = {}
        self.accounts = [a for a in accounts if not a.archived or a.id == chosen.id]
        self.chosen_taken = False
        self.unmatched: dict[str, int] = {}
        self.new_account_ids: list[int] = []
        self.siblings: dict[tuple[int, str], _Target | None] = {}

    def _target(self, account: Account) -> _Target:
        builder = self.make_builder(account.id, account.currency)
        return _Target(account.id, account.name, account.currency, builder, account.bank_ref)

    def route(self, key: str | None) -> _Target | None:
        """The account of a row whose file names account ``key`` (None: no account named)."""
        if key is None:
            return self.chosen
        target = self.by_key.get(key)
        if target is not None:
            if key == self.provisional:
                self.provisional_rows += 1
            return target
        if key in self.unmatched:
            self.unmatched[key] += 1
            return None
        lowered = key.strip().lower()
        match = next((a for a in self.accounts if a.bank_ref and a.bank_ref == key), None)
        if match is None:
            match = next((a for a in self.accounts if a.name.lower() == lowered), None)
        if match is not None:
            target = self.targets.get(match.id) or self._target(match)
            if target is self.chosen and self.provisional is not None:
                self.clash = True  # the file names the chosen account and another one
        elif (
            not self.chosen_taken
            and key not in self.not_chosen
            and self.chosen.bank_ref in (None, key)
        ):
            target = self.chosen
            target.bank_ref = key
            self.provisional, self.provisional_rows = key, 1
        elif self.create:
            target = self._create(key)
        else:
            self.unmatched[key] = 1
            return None
        if target is self.chosen:
            self.chosen_taken = True
        self.targets[target.id] = target
        self.by_key[key] = target
        return target

    def in_currency(self, target: _Target, currency: str) -> _Target | None:
        """The account for rows of ``target`` that are in another ``currency``.

        A wallet's export holds rows in each currency of its balances: those in another
        currency than the account's go into the user's account named "<account>
        (<currency>)" in that currency, created so when the user confirmed creating accounts
        (``create``). None when there is none and creating was not confirmed, or when an
        account of that name is in yet another currency: the rows are then not stored
        (:meth:`_Job._rows` says why), never summed into another currency.
        """
        key = (target.id, currency)
        if key in self.siblings:
            return self.siblings[key]
        name = f"{target.name} ({currency})"[:100]
        named = [a for a in self.accounts if a.name.lower() == name.lower()]
        match = next((a for a in named if a.currency.upper() == currency), None)
        sibling: _Target | None = None
        if match is not None:
            sibling = self.targets.get(match.id) or self._target(match)
        elif self.create and not named:
            sibling = self._create(name, currency=currency, named=False)
        if sibling is not None:
            self.targets[sibling.id] = sibling
        self.siblings[key] = sibling
        return sibling

    def _create(self, key: str, *, currency: str | None = None, named: bool = True) -> _Target:
        """A target for a new account named ``key``, created unless this is a dry run.

        In ``currency`` (default: the chosen account's); its bank id is ``key`` when the
        file named the account so (``named``), else it has none.
        """
        kind = AccountType.CREDIT_CARD if "card" in key.lower() else AccountType.CHECKING
        currency = currency or self.chosen.currency
        name = key.strip()[:100]
        ref = key if named else None
        if self.dry_run:
            fake = -1 - len(self.targets)
            return _Target(fake, name, currency, self.make_builder(fake, currency), ref, True)
        # Confirmed by the user; created before the write transaction, so the rows can be
        # built (their fingerprints hold the account id) with no lock held. An import that
        # fails afterwards removes the accounts it created (:meth:`_Import.run`).
        with session_scope(self.engine) as session:
            existing = ledger.find_account(session, self.user_id, name)
            acc = existing or ledger.get_or_create_account(
                session, self.user_id, name, type=kind, currency=currency
            )
            if ref is not None:
                acc.bank_ref = ref[:100]
            session.flush()
            account_id, currency = acc.id, acc.currency
            if existing is None:
                self.new_account_ids.append(account_id)
        return _Target(
            account_id, name, currency, self.make_builder(account_id, currency), ref, True
        )


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _history(conn: Connection, account_ids: list[int]) -> dict[int, tuple[dt.date, dt.date]]:
    """First and last posted date of each account's existing transactions."""
    if not account_ids:
        return {}
    stmt = (
        select(
            Transaction.account_id,
            func.min(Transaction.posted_date),
            func.max(Transaction.posted_date),
        )
        .where(Transaction.account_id.in_(account_ids))
        .group_by(Transaction.account_id)
    )
    return {row[0]: (row[1], row[2]) for row in conn.execute(stmt) if row[1] is not None}


def _gap_warnings(
    filename: str, targets: Iterable[_Target], history: Mapping[int, tuple[dt.date, dt.date]]
) -> list[str]:
    """A warning per account whose existing data is GAP_MONTHS or more from this file's."""
    out: list[str] = []
    for t in targets:
        if t.first is None or t.last is None or t.id not in history:
            continue
        first, last = history[t.id]
        if _months_between(t.last, first) >= GAP_MONTHS:
            gap = _months_between(t.last, first)
            where = f"end {gap} months before the first transaction ({first})"
        elif _months_between(last, t.first) >= GAP_MONTHS:
            gap = _months_between(last, t.first)
            where = f"start {gap} months after the last transaction ({last})"
        else:
            continue
        out.append(
            f"{filename}: its transactions ({t.first} to {t.last}) {where} of account "
            f"{t.name!r}; the months between are not counted as zeros, and panels and "
            "forecasts start after the gap"
        )
    return out


def import_file(
    engine: Engine,
    *,
    user_id: int,
    account_id: int,
    data: bytes | IO[bytes] | Path,
    filename: str,
    format: str = "auto",
    mapping: str | Path | Mapping[str, Any] | None = None,
    max_bytes: int | None = None,
    create_accounts: bool = False,
    save_mapping: bool = False,
) -> ImportResult:
    """Import one bank file into ``account_id`` of ``user_id``, all or nothing.

    Args:
        engine: Database to write to (migrated).
        user_id: Owner of the account; another user's account is reported as not found.
        account_id: Account the transactions belong to (a multi-account file's rows go to
            the accounts they name; see :class:`_Router`).
        data: File contents, an open binary stream (an upload), or a path.
        filename: Name used in messages and recorded on the import batch.
        format: ``auto`` (by content) or one of csv, ofx, qfx, qif, camt, mt940.
        mapping: CSV preset name, mapping file (JSON/TOML) or dict; None uses the account's
            saved mapping when it fits the file, else recognises the layout.
        max_bytes: Size limit; None means ``Settings.max_upload_bytes``.
        create_accounts: Create the accounts of a multi-account file that match none of the
            user's (else such a file is refused, naming them).
        save_mapping: Keep ``mapping`` as the account's mapping for its next CSV files.

    Returns:
        Counts of imported, duplicate and skipped transactions, notes, warnings, the batch.

    Raises:
        NotFoundError: The account does not exist or belongs to another user.
        FileTooLargeError: The file is over ``max_bytes``.
        ParseError: A row or record cannot be read (names file, line, field, value).
        InputError: The file's transactions are all in another currency than the account.
        ConflictError: The file holds accounts the user has not, and creating them was not
            confirmed.
        EmptyImportError: The file holds no bank transactions.
    """
    out = _run(
        engine,
        user_id=user_id,
        account_id=account_id,
        data=data,
        filename=filename,
        format=format,
        mapping=mapping,
        max_bytes=max_bytes,
        create_accounts=create_accounts,
        save_mapping=save_mapping,
        preview=False,
    )
    assert isinstance(out, ImportResult)
    return out


def preview_file(
    engine: Engine,
    *,
    user_id: int,
    account_id: int,
    data: bytes | IO[bytes] | Path,
    filename: str,
    format: str = "auto",
    mapping: str | Path | Mapping[str, Any] | None = None,
    max_bytes: int | None = None,
    create_accounts: bool = False,
) -> dict[str, Any]:
    """What importing the file would do, with nothing written.

    Returns the detected format, the CSV layout (headers, the proposed mapping, its
    confidence per role, notes and ambiguities), the first rows as they would be stored,
    the count of rows and of skipped rows with the reasons, warnings, the accounts rows
    would go into (and which would be created), and ``error``: the message the import would
    fail with (the layout is then still there, so the mapping can be fixed).
    """
    out = _run(
        engine,
        user_id=user_id,
        account_id=account_id,
        data=data,
        filename=filename,
        format=format,
        mapping=mapping,
        max_bytes=max_bytes,
        create_accounts=create_accounts,
        save_mapping=False,
        preview=True,
    )
    assert isinstance(out, dict)
    return out


def _run(
    engine: Engine,
    *,
    user_id: int,
    account_id: int,
    data: bytes | IO[bytes] | Path,
    filename: str,
    format: str,
    mapping: str | Path | Mapping[str, Any] | None,
    max_bytes: int | None,
    create_accounts: bool,
    save_mapping: bool,
    preview: bool,
) -> ImportResult | dict[str, Any]:
    limit = max_bytes if max_bytes is not None else get_settings().max_upload_bytes
    requested = canonical_format(format)
    csv_mapping = load_mapping(dict(mapping) if isinstance(mapping, Mapping) else mapping)
    with session_scope(engine) as session:
        account = ledger.get_account(session, user_id, account_id)
        owned = list(session.scalars(select(Account).where(Account.user_id == user_id)))
        session.expunge_all()
    optional = False
    if csv_mapping is None and account.import_mapping:
        csv_mapping = mapping_from_dict(dict(account.import_mapping), name="saved")
        optional = True
    filename = Path(filename).name or "upload"
    with spool(data, filename, limit) as source:
        file = batches.BatchFile(user_id, account_id, filename, requested, source.sha256)
        job = _Job(
            engine,
            source,
            file,
            account=account,
            accounts=owned,
            mapping=csv_mapping,
            mapping_optional=optional,
            create=create_accounts,
            save=mapping_to_dict(csv_mapping) if save_mapping and csv_mapping else None,
        )
        try:
            if file.format == "auto":
                file = replace(file, format=detect_stream_format(source.stream, filename))
                job.file = file
            return job.preview() if preview else job.run()
        except FincastError as exc:
            if preview:
                return job.preview_of_error(exc)
            # Recorded in a transaction of its own; the caller must see the import's error.
            with contextlib.suppress(Exception), engine.begin() as conn:
                batches.record_failed_batch(conn, file, exc)
            raise


class _Job:
    """One file being imported (or previewed) into one user's accounts."""

    def __init__(
        self,
        engine: Engine,
        source: Spooled,
        file: batches.BatchFile,
        *,
        account: Account,
        accounts: list[Account],
        mapping: CsvMapping | None,
        mapping_optional: bool,
        create: bool,
        save: dict[str, Any] | None,
    ) -> None:
        self.engine = engine
        self.source = source
        self.file = file
        self.account = account
        self.accounts = accounts
        self.mapping = mapping
        self.mapping_optional = mapping_optional
        self.create = create
        self.save = save
        self.report = ParseReport()
        self.categorizer = Categorizer([], {})
        self.shown: list[dict[str, Any]] = []
        self.routers: list[_Router] = []

    def _router(self, *, dry_run: bool, not_chosen: frozenset[str] = frozenset()) -> _Router:
        # The user's rules are read in a short transaction of their own; parsing, checking
        # and categorising the whole file then happen with no connection held, so a slow
        # file or rule never keeps another user's writes waiting.
        with self.engine.connect() as conn:
            self.categorizer = categorization.load_categorizer(conn, self.file.user_id)
        created_at = utcnow()

        def make_builder(account_id: int, currency: str) -> RowBuilder:
            return RowBuilder(
                user_id=self.file.user_id,
                account_id=account_id,
                batch_id=None,
                currency=currency,
                categorizer=self.categorizer,
                filename=self.file.filename,
                created_at=created_at,
                bounded=True,
            )

        router = _Router(
            self.engine,
            self.file.user_id,
            self.account,
            self.accounts,
            create=self.create,
            dry_run=dry_run,
            make_builder=make_builder,
            not_chosen=not_chosen,
        )
        self.routers.append(router)
        return router

    def _rows(self, router: _Router, keep: int = 0) -> Iterator[TransactionRow]:
        """Every row of the file as stored, routed and checked; refusals raise at the end."""
        default = self.account.currency.upper()
        parsed = parse_stream(
            self.file.format,
            self.source.stream,
            filename=self.file.filename,
            mapping=self.mapping,
            default_currency=default,
            report=self.report,
            mapping_optional=self.mapping_optional,
        )
        foreign: dict[tuple[int, str], _Foreign] = {}
        chosen = router.chosen
        try:
            yield from self._routed(parsed, router, chosen, default, foreign, keep)
        finally:
            for target in router.targets.values():
                target.builder.close()
        if router.clash and router.provisional is not None:
            if self.create:
                raise _Reroute(router.provisional)
            router.unmatched = {router.provisional: router.provisional_rows, **router.unmatched}
        if router.unmatched:
            names = ", ".join(f"{k!r} ({n} rows)" for k, n in router.unmatched.items())
            raise ConflictError(
                f"{self.file.filename} holds transactions of accounts that match none of "
                f"yours by the file's account id or name: {names}; name your accounts so, "
                "or confirm creating them (create_accounts, --create-accounts)"
            )
        stored = sum(t.rows for t in router.targets.values())
        for (target_id, currency), f in foreign.items():
            target = router.targets[target_id]
            message = (
                f"{self.file.filename}: {f.rows} transactions are in {currency} (first at "
                f"line {f.line}), but account {target.name!r} is in {target.currency}; "
                f"import them into a {currency} account (amounts are never summed across "
                f"currencies), or name one {target.name} ({currency}) or confirm creating it "
                "(create_accounts, --create-accounts) and they go there"
            )
            if stored == 0:
                raise InputError(message + "; nothing was imported")
            self.report.skipped += f.rows
            self.report.notes.append(message + "; they were not imported")

    def _routed(
        self,
        parsed: Iterable[ParsedTransaction],
        router: _Router,
        chosen: _Target,
        default: str,
        foreign: dict[tuple[int, str], _Foreign],
        keep: int,
    ) -> Iterator[TransactionRow]:
        """The stored row of each parsed one, routed to its account (foreign ones counted)."""
        for p in parsed:
            target = router.route(p.account) if p.account is not None else chosen
            if target is None:
                continue
            currency = (p.currency or default).upper()
            # A row in the chosen account's currency that went elsewhere may just not state
            # one (parsers fill it in): it takes its own account's currency.
            if currency != target.currency.upper() and not (
                currency == default and target is not chosen
            ):
                sibling = router.in_currency(target, currency)
                if sibling is None:
                    f = foreign.setdefault((target.id, currency), _Foreign())
                    f.rows += 1
                    f.line = f.line or p.line
                    continue
                target = sibling
            row = target.builder.build(p)
            target.rows += 1
            if target.first is None or p.date < target.first:
                target.first = p.date
            if target.last is None or p.date > target.last:
                target.last = p.date
            if len(self.shown) < keep:
                self.shown.append(_shown(row, p, target, self.categorizer))
            yield row

    def run(self) -> ImportResult:
        try:
            try:
                return self._run_once(frozenset())
            except _Reroute as again:
                self.report = ParseReport()
                return self._run_once(frozenset({again.key}))
        except BaseException:
            # All or nothing: accounts this import created for the file's other accounts
            # go too (only while they are still empty).
            _drop_empty_accounts(self.engine, [i for r in self.routers for i in r.new_account_ids])
            raise

    def _run_once(self, not_chosen: frozenset[str]) -> ImportResult:
        try:
            # An import that may create accounts writes before its transaction: its own
            # write would read as a change.
            return self._run(not_chosen, trusted=not self.create)
        except _Changed:
            # The ledger changed between what was read before the write and the write: the
            # file again, relying on nothing read before (rare: a write racing the import).
            self.report = ParseReport()
            return self._run(not_chosen, trusted=False)

    def _run(self, not_chosen: frozenset[str], *, trusted: bool) -> ImportResult:
        """Read, check, categorise and encode the file, then write it in one transaction.

        ``trusted``: what was read before the write transaction is relied on while the
        user's data revision shows no change since (else :class:`_Changed` is raised in the
        transaction, which then writes nothing): rows the ledger held already are not sent
        again, and, when no transfer pair could change a row, each row is encoded with the
        category it ends with. Untrusted, every row goes to the insert-or-ignore, and
        pairing and the suggestions' rule run after the insert.
        """
        router = self._router(dry_run=False, not_chosen=not_chosen)
        file = self.file
        # Learned categories (services/categorization.py): the user's model is prepared and
        # run outside the write transaction, a chunk of parsed rows at a time (so memory
        # stays flat); its answers travel with the rows into the stage, the rows already in
        # the driver's form (ledger.writer.TransactionStage). No connection is held while
        # the file is read.
        with contextlib.ExitStack() as scope:
            # Millions of short-lived objects: the cycle collector waits (services/heap.py).
            scope.enter_context(collector_paused())
            with self.engine.connect() as conn:
                # Read first: a write committed after this changes it (ledger/revisions.py).
                revision = _revision(conn, file.user_id)
                suggester = learned.user_suggester(conn, file.user_id)
                names = learned.account_names(conn, file.user_id)
                stage = scope.enter_context(TransactionStage(conn, _ENCODED_COLUMNS, (_BATCH,)))
            ids = self.categorizer.category_ids
            known = frozenset(ids.values())
            transfer_ids = frozenset(cid for slug, cid in ids.items() if slug in TRANSFER_SLUGS)
            offered = kept = 0
            settled: bool | None = None
            empty: dict[int, bool] = {}
            for chunk in _chunks(self._rows(router), SUGGEST_CHUNK):
                offered += len(chunk)
                with self.engine.connect() as conn:
                    if settled is None:
                        # From the accounts the first chunk went into (all of them for a
                        # file of one chunk); one more later is seen in the transaction.
                        settled = trusted and not _pairing_possible(
                            conn, file.user_id, [t.id for t in router.targets.values() if t.rows]
                        )
                    stored = _stored_fingerprints(conn, chunk, empty)
                # Rows the ledger has already (a re-import) are skipped by the insert: the
                # model is not asked about them (one deleted before the write goes in again
                # without a suggestion, as a row the model had no answer for), and while
                # trusted they are not sent at all.
                new = [row for row in chunk if (row[1], row[12]) not in stored] if stored else chunk
                suggested = learned.suggest_new_rows(suggester, new, names)
                if not trusted and stored:
                    answers = iter(suggested)
                    new = chunk
                    suggested = [
                        None if (row[1], row[12]) in stored else next(answers) for row in chunk
                    ]
                stage.add(
                    _encoded(new, suggested, stage.encode_columns, known, transfer_ids, settled)
                )
                kept += len(chunk) - len(new)
                collect_young()
            if offered == 0:
                raise EmptyImportError(
                    f"{file.filename}: no transactions in this {file.format.upper()} file"
                )
            targets = [t for t in router.targets.values() if t.rows]
            with self.engine.connect() as conn:
                history = _history(conn, [t.id for t in targets])
            warnings = _gap_warnings(file.filename, targets, history)
            conn = scope.enter_context(self.engine.connect())
            scope.enter_context(stage.attached(conn))
            with conn.begin():
                batch_id = batches.start_batch(conn, file)
                # Asked after the batch row took SQLite's write lock.
                pairing = _pairing_possible(conn, file.user_id, [t.id for t in targets])
                changed = _revision(conn, file.user_id) != revision
                if trusted and (kept or settled) and (changed or (settled and pairing)):
                    raise _Changed
                n_rows = stage.write(conn, {_BATCH: batch_id}, [file.user_id])
                if trusted:
                    n_rows += kept  # stored already, and still (the revision is unchanged)
                imported = batches.count_batch_transactions(conn, batch_id)
                if imported and not settled:
                    if pairing:
                        categorization.mark_transfers(conn, file.user_id, batch_id)
                    learned.apply_stored_suggestions(conn, file.user_id, batch_id)
                for t in targets:
                    if t.bank_ref and not t.created:
                        conn.execute(
                            update(Account)
                            .where(Account.id == t.id, Account.bank_ref.is_(None))
                            .values(bank_ref=t.bank_ref[:100])
                        )
                if self.save is not None:
                    conn.execute(
                        update(Account)
                        .where(Account.id == file.account_id)
                        .values(import_mapping=self.save)
                    )
                result = ImportResult(
                    file=file.filename,
                    format=file.format,
                    imported=imported,
                    duplicates=n_rows - imported,
                    skipped=self.report.skipped,
                    errors=self.report.notes + self.categorizer.notes,
                    batch_id=batch_id,
                    warnings=warnings,
                    accounts={t.name: t.rows for t in targets},
                    created_accounts=[t.name for t in targets if t.created],
                )
                batches.finish_batch(
                    conn,
                    batch_id,
                    n_rows=n_rows + result.skipped,
                    n_imported=imported,
                    n_duplicates=result.duplicates,
                    n_skipped=result.skipped,
                    notes=result.errors + result.warnings,
                )
        if imported >= ANALYZE_ROWS:
            # After the commit, in a transaction of its own: the import stands either way.
            try:
                with self.engine.begin() as conn:
                    refresh_statistics(conn, cast(Table, Transaction.__table__))
            except SQLAlchemyError as exc:
                log.warning("import: statistics not renewed after %d rows: %s", imported, exc)
        return result

    def _base(self) -> dict[str, Any]:
        return {
            "file": self.file.filename,
            "format": self.file.format,
            "account_id": self.file.account_id,
            "layout": self.report.layout,
            "rows": self.shown,
            "total": 0,
            "skipped": self.report.skipped,
            "skipped_reasons": list(self.report.notes),
            "warnings": [],
            "accounts": {},
            "new_accounts": [],
            "error": None,
        }

    def preview(self) -> dict[str, Any]:
        try:
            return self._preview(frozenset())
        except _Reroute as again:
            self.report, self.shown = ParseReport(), []
            return self._preview(frozenset({again.key}))

    def _preview(self, not_chosen: frozenset[str]) -> dict[str, Any]:
        router = self._router(dry_run=True, not_chosen=not_chosen)
        total = sum(1 for _ in self._rows(router, keep=PREVIEW_ROWS))
        targets = [t for t in router.targets.values() if t.rows]
        with self.engine.connect() as conn:
            history = _history(conn, [t.id for t in targets if t.id > 0])
        out = self._base()
        out.update(
            total=total,
            warnings=_gap_warnings(self.file.filename, targets, history),
            accounts={t.name: t.rows for t in targets},
            new_accounts=[t.name for t in targets if t.created],
        )
        if total == 0:
            out["error"] = f"{self.file.filename}: no transactions in this file"
        return out

    def preview_of_error(self, exc: FincastError) -> dict[str, Any]:
        out = self._base()
        out["rows"] = []
        out["error"] = str(exc)
        return out


def _shown(
    row: TransactionRow, p: ParsedTransaction, target: _Target, categorizer: Categorizer
) -> dict[str, Any]:
    """One row of the preview: what the ledger would store, with its file line."""
    slug = next((k for k, v in categorizer.category_ids.items() if v == row[9]), None)
    return {
        "line": p.line,
        "account": target.name,
        "date": row[2].isoformat(),
        "amount": f"{row[3]:.2f}",
        "currency": row[4],
        "payee": row[5],
        "description": row[8],
        "category": slug if row[9] is not None else None,
        "kind": p.kind,
    }


_BATCH = "import_batch_id"
_BATCH_COLUMN = TRANSACTION_COLUMNS.index(_BATCH)
_CATEGORY = TRANSACTION_COLUMNS.index("category_id")
#: Rows an import adds from which the database's planner statistics are renewed after it.
ANALYZE_ROWS = 10_000
#: Parsed rows the model reads at a time (memory per import stays at this many rows).
SUGGEST_CHUNK = 20_000
#: Fingerprints looked up per query (below every driver's limit of bound parameters).
_LOOKUP = 5_000
#: The columns an import encodes per row: the row's but its batch (one value for every row,
#: given to the write), then the model's suggestion and confidence.
_ENCODED_COLUMNS = (
    *TRANSACTION_COLUMNS[:_BATCH_COLUMN],
    *TRANSACTION_COLUMNS[_BATCH_COLUMN + 1 :],
    "suggested_category_id",
    "category_confidence",
)
_MODEL = CategorySource.MODEL.value


class _Changed(Exception):
    """The ledger changed between the reads before an import's write and the write."""


def _revision(conn: Connection, user_id: int) -> int | None:
    """The user's data-revision token (renewed by every committed write to their ledger)."""
    return conn.execute(select(User.data_revision).where(User.id == user_id)).scalar()


def _chunks(rows: Iterable[TransactionRow], size: int) -> Iterator[list[TransactionRow]]:
    chunk: list[TransactionRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _stored_fingerprints(
    conn: Connection, rows: Iterable[TransactionRow], empty: dict[int, bool]
) -> set[tuple[int, str]]:
    """The (account id, fingerprint) pairs of ``rows`` the ledger holds already.

    ``empty`` remembers, per account, whether it held no transaction when first asked (an
    import's rows are written only later): such an account's rows are not looked up.
    """
    wanted: dict[int, list[str]] = {}
    for row in rows:
        wanted.setdefault(row[1], []).append(row[12])
    found: set[tuple[int, str]] = set()
    for account_id, fingerprints in wanted.items():
        if account_id not in empty:
            any_row = select(Transaction.id).where(Transaction.account_id == account_id).limit(1)
            empty[account_id] = conn.execute(any_row).first() is None
        if empty[account_id]:
            continue
        for start in range(0, len(fingerprints), _LOOKUP):
            part = fingerprints[start : start + _LOOKUP]
            found.update(
                (account_id, fp)
                for fp in conn.scalars(
                    select(Transaction.fingerprint).where(
                        Transaction.account_id == account_id, Transaction.fingerprint.in_(part)
                    )
                )
            )
    return found


def _encoded(
    rows: Sequence[TransactionRow],
    suggested: Sequence[tuple[int, float] | None],
    encode_columns: Callable[[Sequence[Sequence[Any]]], list[Any]],
    known: frozenset[int],
    transfer_ids: frozenset[int],
    settled: bool = False,
) -> list[Any]:
    """The values of :data:`_ENCODED_COLUMNS` of each row, with the model's answer for it.

    A suggested category deleted since the model learned is none. ``settled``: no transfer
    pair can change a row, so a suggestion that replaces the category
    (:func:`learned.suggestion_replaces`) is the category already (else
    :func:`learned.apply_stored_suggestions` decides after pairing, by the same rule).
    (``row[9]``, ``row[10]``: category id and source, by :data:`TRANSACTION_COLUMNS`.)
    The rows are handled as columns (one transpose, no tuple per row until the driver's).
    """
    if not rows:
        return []
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    del columns[_BATCH_COLUMN]
    cids = [None if f is None or f[0] not in known else f[0] for f in suggested]
    confs = [None if cid is None else f[1] for cid, f in zip(cids, suggested, strict=True)]  # type: ignore[index]
    if settled:
        replaces = learned.suggestion_replaces
        category, source = list(columns[_CATEGORY]), list(columns[_CATEGORY + 1])
        for i, cid in enumerate(cids):
            if cid is not None and replaces(category[i], source[i], cid, transfer_ids):
                category[i], source[i] = cid, _MODEL
        columns[_CATEGORY], columns[_CATEGORY + 1] = category, source
    return encode_columns([*columns, cids, confs])


def _pairing_possible(conn: Connection, user_id: int, target_ids: list[int]) -> bool:
    """Whether transfer pairing could change a row of this import.

    The early outs of :func:`categorization.mark_transfers`: no ``transfers`` category, or
    fewer than two accounts with rows once this import's are in. Asked inside the write
    transaction, after the batch row took SQLite's write lock.
    """
    has_transfers = conn.execute(
        select(Category.id).where(Category.user_id == user_id, Category.slug == "transfers")
    ).first()
    if has_transfers is None:
        return False
    if len(set(target_ids)) >= 2:
        return True
    others = conn.scalars(
        select(Account.id).where(Account.user_id == user_id, Account.id.not_in(target_ids))
    ).all()
    return any(
        conn.execute(select(Transaction.id).where(Transaction.account_id == a).limit(1)).first()
        for a in others
    )


def _drop_empty_accounts(engine: Engine, account_ids: list[int]) -> None:
    """Delete the accounts ``account_ids`` that hold no transaction (a failed import's own)."""
    if not account_ids:
        return
    with engine.begin() as conn:
        holding = select(Transaction.account_id).where(Transaction.account_id.in_(account_ids))
        conn.execute(delete(Account).where(Account.id.in_(account_ids), Account.id.not_in(holding)))


def _open_account(session: Session, user_id: int, account_id: int) -> None:
    account = get_owned(session, Account, user_id, account_id, "account")
    if account.archived:
        raise ConflictError(
            f"account {account_id} ({account.name!r}) is archived: unarchive it to import into it"
        )
    session.close()  # the importer uses its own connection; do not hold a SQLite lock here


def import_upload(
    engine: Engine,
    session: Session,
    *,
    user_id: int,
    account_id: int,
    stream: IO[bytes],
    filename: str,
    format: str = "auto",
    max_bytes: int,
    mapping: Mapping[str, Any] | str | None = None,
    save_mapping: bool = False,
    create_accounts: bool = False,
) -> dict[str, Any]:
    """Import an uploaded file into ``user_id``'s account; returns the import result dict."""
    _open_account(session, user_id, account_id)
    result = import_file(
        engine,
        user_id=user_id,
        account_id=account_id,
        data=stream,
        filename=filename[:255],
        format=format,
        max_bytes=max_bytes,
        mapping=mapping,
        save_mapping=save_mapping,
        create_accounts=create_accounts,
    )
    invalidate(user_id)
    return result.to_dict()


def preview_upload(
    engine: Engine,
    session: Session,
    *,
    user_id: int,
    account_id: int,
    stream: IO[bytes],
    filename: str,
    format: str = "auto",
    max_bytes: int,
    mapping: Mapping[str, Any] | str | None = None,
    create_accounts: bool = False,
) -> dict[str, Any]:
    """The preview of an uploaded file for ``user_id``'s account; nothing is written."""
    _open_account(session, user_id, account_id)
    return preview_file(
        engine,
        user_id=user_id,
        account_id=account_id,
        data=stream,
        filename=filename[:255],
        format=format,
        max_bytes=max_bytes,
        mapping=mapping,
        create_accounts=create_accounts,
    )


def import_into_account(
    engine: Engine,
    path: Path,
    *,
    email: str,
    account: str,
    account_type: str = "checking",
    currency: str = "USD",
    format: str = "auto",
    mapping: str | Path | None = None,
    create_user: bool = True,
    create_accounts: bool = False,
    save_mapping: bool = False,
) -> ImportResult:
    """Import the bank file at ``path`` into the account named ``account`` of user ``email``.

    The account is created when missing, with ``account_type`` and ``currency``; the user
    too when ``create_user`` (an email the caller named explicitly), else it must exist.

    Raises:
        NotFoundError: No user has ``email`` and ``create_user`` is false.
    """
    with session_scope(engine) as session:
        if create_user:
            owner = ledger.get_or_create_user(session, email)
        else:
            owner = ledger.get_user_by_email(session, email)
        acc = ledger.get_or_create_account(
            session, owner.id, account, type=account_type, currency=currency.upper()
        )
        user_id, account_id = owner.id, acc.id
    return import_file(
        engine,
        user_id=user_id,
        account_id=account_id,
        data=path,
        filename=path.name,
        format=format,
        mapping=mapping,
        create_accounts=create_accounts,
        save_mapping=save_mapping,
    )


def apply_rules(engine: Engine, user_id: int) -> int:
    """Re-categorise ``user_id``'s transactions after their rules changed; returns changes."""
    with engine.begin() as conn:
        return categorization.apply_rules(conn, user_id)
