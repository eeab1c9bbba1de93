"""Build the monthly panel from the ledger with one aggregation in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Float, Integer, String, case, cast, func, select, type_coerce

from fincast.db.fetch import read_numeric_frame
from fincast.errors import InputError
from fincast.frames import DS, UID, Y
from fincast.ledger.models import Account, Category, Transaction

TOTAL_INCOME = "total_income"
TOTAL_EXPENSE = "total_expense"
SAVINGS = "savings"
CATEGORY_PREFIX = "cat:"
UNCATEGORIZED = "uncategorized"
#: A run of this many months without a single transaction (in any account) is missing data,
#: not months of zero spending: a user's history starts again after it, so an old file next
#: to this year's does not pad the panel with years of zeros or drag forecasts back in time.
GAP_MONTHS = 6


def series_uid(user: int | str, series: str) -> str:
    """The ``unique_id`` of one user's series, e.g. ``"7/total_expense"``."""
    return f"{user}/{series}"


def split_uid(uid: str) -> tuple[str, str]:
    """Split a ``unique_id`` into (user, series)."""
    user, _, series = uid.partition("/")
    return user, series


def category_series(slug: str) -> str:
    """The series name of one expense category."""
    return f"{CATEGORY_PREFIX}{slug}"


def build_panel(
    engine: Engine,
    user_ids: Iterable[int] | None = None,
    *,
    currency: str | None = None,
    as_of: dt.date | None = None,
    include_partial: bool = False,
) -> pd.DataFrame:
    """Monthly long frame per user: total expense, total income, savings, one series per category.

    Every user's series are in one currency, never a sum across currencies: ``currency``
    (only the user's accounts in it count; a user without one has no rows), or by default
    the user's primary currency (:func:`primary_currency`). ``attrs["currency"]`` names, per
    user, the currency of their panel and ``attrs["other_currencies"]`` the currencies of
    their other accounts (a single-currency user's panel is all their transactions).

    Expense of a category is minus the sum of its transactions (refunds reduce it); income is
    the sum of income-kind transactions; transfer-kind transactions (own-account transfers,
    card payments) count nowhere. Uncategorised outflows form the ``uncategorized`` expense
    series and uncategorised inflows count as income. Months with nothing are 0, within a
    user's history: it starts after the last run of :data:`GAP_MONTHS` or more months with
    no transaction at all (``attrs["history_gaps"]`` names, per user, the months left out).
    The month of ``as_of`` (default: today) is incomplete and left out unless
    ``include_partial``; the frame's ``attrs["partial_month"]`` names the month left out
    (None when nothing was).
    """
    t, c, a = Transaction.__table__, Category.__table__, Account.__table__
    wanted = None if currency is None else normalize_currency(currency)
    if engine.dialect.name == "sqlite":
        # Dates are stored as ISO text; slicing beats two strftime calls per row.
        month_key = func.substr(t.c.posted_date, 1, 7).label("ym")
    elif engine.dialect.name == "postgresql":
        # A number (yyyymm), so that the rows can leave the server as CSV (db.fetch).
        month_key = (
            cast(func.date_part("year", t.c.posted_date), Integer) * 100
            + cast(func.date_part("month", t.c.posted_date), Integer)
        ).label("ym")
    else:
        month_key = (
            func.extract("year", t.c.posted_date) * 100 + func.extract("month", t.c.posted_date)
        ).label("ym")
    outflow = case((t.c.amount < 0, 1), else_=0).label("outflow")
    cats = select(c.c.id, type_coerce(c.c.kind, String).label("kind"), c.c.slug)
    accs = select(a.c.id, a.c.user_id, a.c.currency)
    ids = None if user_ids is None else sorted(set(user_ids))
    if ids is not None:
        cats = cats.where(c.c.user_id.in_(ids))
        accs = accs.where(a.c.user_id.in_(ids))
    with engine.connect() as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            # Keep the hash aggregate in memory instead of spilling to disk (4 MB default).
            conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        accounts = pd.DataFrame(conn.execute(accs).all(), columns=["account_id", "user_id", "cur"])
        accounts, firsts, several = _account_currencies(accounts)
        mixed = [] if wanted is not None else _ids_of(accounts, several)
        # One aggregation over the transactions, grouped by category id (no join on the big
        # table); the few category rows are joined in pandas. Only the accounts of users
        # with several currencies are told apart (their primary one is chosen in pandas);
        # a given currency keeps the transactions of its accounts only.
        keys = [t.c.user_id, month_key, t.c.category_id, outflow]
        split = case((t.c.account_id.in_(mixed), t.c.account_id), else_=None).label("account")
        if len(mixed) > _MAX_SPLIT_ACCOUNTS:
            split = t.c.account_id.label("account")
        extra = [split, func.count().label("n")] if mixed else []
        stmt = select(*keys, cast(func.sum(t.c.amount), Float).label("total"), *extra).group_by(
            *keys, *extra[:1]
        )
        if ids is not None:
            stmt = stmt.where(t.c.user_id.in_(ids))
        if wanted is not None:
            held = select(a.c.id).where(a.c.currency == wanted)
            stmt = stmt.where(
                t.c.account_id.in_(held if ids is None else held.where(a.c.user_id.in_(ids)))
            )
        names = ["user_id", "ym", "category_id", "outflow", "total"]
        sums = read_numeric_frame(
            conn,
            stmt,
            names + (["account", "n"] if mixed else []),
            {"category_id": "Int64", "account": "Int64"} if mixed else {"category_id": "Int64"},
        )
        categories = pd.DataFrame(conn.execute(cats).all(), columns=["category_id", "kind", "slug"])
    first = sums["ym"].iloc[0] if len(sums) else 0
    if isinstance(first, str | dt.date):
        months = pd.to_datetime(sums["ym"], format="%Y-%m" if isinstance(first, str) else None)
        sums["yr"], sums["mo"] = months.dt.year, months.dt.month
    else:
        ym = sums["ym"].astype(float).astype(int)
        sums["yr"], sums["mo"] = ym // 100, ym % 100
    sums, chosen, others = _one_currency(sums, accounts, firsts, several, wanted)
    # All-NULL category ids (an uncategorised-only ledger) come back as object: align keys.
    sums["category_id"] = pd.to_numeric(sums["category_id"]).astype("Int64")
    categories["category_id"] = pd.to_numeric(categories["category_id"]).astype("Int64")
    agg = sums.merge(categories, on="category_id", how="left")
    agg["kind"] = agg["kind"].astype(object).where(agg["kind"].notna(), None)
    panel = _aggregate_to_panel(
        agg[["user_id", "yr", "mo", "kind", "slug", "outflow", "total"]],
        as_of=as_of,
        include_partial=include_partial,
    )
    panel.attrs["currency"] = chosen
    panel.attrs["other_currencies"] = others
    return panel


def normalize_currency(code: str) -> str:
    """``code`` as a 3-letter upper-case ISO code; anything else is refused."""
    cleaned = code.strip().upper()
    if len(cleaned) != 3 or not cleaned.isalpha():
        raise InputError(f"currency {code!r} is not a 3-letter ISO code")
    return cleaned


def primary_currency(tx_per_currency: dict[str, int], first_account_currency: str) -> str:
    """The currency whose accounts hold most of a user's transactions.

    Ties (and a user without transactions) go to the currency of the user's first account
    (lowest id), then to the alphabetically first code.
    """
    if not tx_per_currency:
        return first_account_currency
    return min(
        tx_per_currency,
        key=lambda cur: (-tx_per_currency[cur], cur != first_account_currency, cur),
    )


def user_currencies(engine: Engine, user_id: int) -> tuple[str | None, list[str]]:
    """The user's primary currency and every currency of their accounts (sorted).

    ``(None, [])`` for a user without accounts. The same rule as :func:`build_panel`'s
    default, in one small query (the user's transactions counted per account, by index).
    """
    t, a = Transaction.__table__, Account.__table__
    stmt = (
        select(a.c.currency, func.count(t.c.id))
        .select_from(a.outerjoin(t, t.c.account_id == a.c.id))
        .where(a.c.user_id == user_id)
        .group_by(a.c.id, a.c.currency)
        .order_by(a.c.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    if not rows:
        return None, []
    counts: dict[str, int] = {}
    for cur, n in rows:
        counts[str(cur).upper()] = counts.get(str(cur).upper(), 0) + int(n)
    first = str(rows[0][0]).upper()
    primary = primary_currency({k: v for k, v in counts.items() if v}, first)
    return primary, sorted(counts)


#: Beyond this many accounts of multi-currency users, every account is told apart instead
#: (a shorter statement than a list of their ids).
_MAX_SPLIT_ACCOUNTS = 5000


def _account_currencies(
    accounts: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.Series, dict[int, list[str]]]:
    """Accounts oldest first; each user's first account's currency; users with several."""
    accounts = accounts.assign(cur=accounts["cur"].astype(str).str.upper()).sort_values(
        "account_id", kind="stable"
    )
    per_user = accounts.groupby("user_id", sort=True)["cur"]
    firsts = per_user.first()
    n = per_user.nunique()
    mixed = accounts[accounts["user_id"].isin(n.index[n > 1])]
    several = {int(u): sorted(set(c)) for u, c in mixed.groupby("user_id")["cur"]}
    return accounts, firsts, several


def _ids_of(accounts: pd.DataFrame, users: dict[int, list[str]]) -> list[int]:
    """The ids of the accounts of ``users``."""
    mine = accounts["user_id"].astype(int).isin(list(users))
    return sorted(int(i) for i in accounts.loc[mine, "account_id"])


def _one_currency(
    sums: pd.DataFrame,
    accounts: pd.DataFrame,
    firsts: pd.Series,
    several: dict[int, list[str]],
    wanted: str | None,
) -> tuple[pd.DataFrame, dict[str, str], dict[str, list[str]]]:
    """Keep each user's sums in one currency; name it and the user's other currencies.

    ``sums`` holds an ``account`` column (and counts ``n``) where users have several
    currencies and none was ``wanted``; otherwise the query kept one currency already.
    """
    users = firsts.index.astype(int).astype(str)
    if wanted is None:
        chosen = dict(zip(users, firsts.astype(str), strict=True))
    else:
        chosen = dict.fromkeys(users, wanted)
    others: dict[str, list[str]] = {u: [] for u in users}
    if wanted is not None:
        for user, cur in zip(users, firsts.astype(str), strict=True):
            others[user] = [c for c in several.get(int(user), [cur]) if c != wanted]
        return sums, chosen, others
    counts: dict[int, dict[str, int]] = {}
    if "account" in sums:
        cur_of = dict(zip(accounts["account_id"].astype(int), accounts["cur"], strict=True))
        split = sums["account"].notna()
        sums["cur"] = None
        sums.loc[split, "cur"] = sums.loc[split, "account"].astype(int).map(cur_of)
        for (user, cur), n in sums[split].groupby(["user_id", "cur"])["n"].sum().items():
            counts.setdefault(int(user), {})[str(cur)] = int(n)
    for user, curs in several.items():
        pick = primary_currency(counts.get(user, {}), chosen[str(user)])
        chosen[str(user)] = pick
        others[str(user)] = [c for c in curs if c != pick]
    if "account" in sums:
        pick_of = sums["user_id"].astype(int).map({int(u): c for u, c in chosen.items()})
        sums = sums[~split | (sums["cur"] == pick_of)].drop(columns=["account", "n", "cur"])
    return sums, chosen, others


def _aggregate_to_panel(
    agg: pd.DataFrame, *, as_of: dt.date | None, include_partial: bool
) -> pd.DataFrame:
    """Turn per-(user, month, category, sign) sums into the zero-filled long panel."""
    empty = pd.DataFrame(
        {
            UID: pd.Series(dtype=str),
            DS: pd.Series(dtype="datetime64[ns]"),
            Y: pd.Series(dtype=float),
        }
    )
    if agg.empty:
        empty.attrs["partial_month"] = None
        return empty
    agg = agg.copy()
    agg["total"] = agg["total"].astype(float)
    agg[DS] = pd.to_datetime(
        {"year": agg["yr"].astype(int), "month": agg["mo"].astype(int), "day": 1}
    )
    kind = agg["kind"].astype(object)
    is_expense = (kind == "expense") | (kind.isna() & (agg["outflow"] == 1))
    is_income = (kind == "income") | (kind.isna() & (agg["outflow"] == 0))
    expense = agg[is_expense].assign(
        series=np.where(
            agg.loc[is_expense, "kind"].isna(),
            UNCATEGORIZED,
            agg.loc[is_expense, "slug"].astype(object),
        ),
        y=-agg.loc[is_expense, "total"],
    )
    expense["series"] = CATEGORY_PREFIX + expense["series"].astype(str)
    income = agg[is_income].assign(series=TOTAL_INCOME, y=agg.loc[is_income, "total"])

    cur = pd.Timestamp(as_of or dt.date.today()).to_period("M").to_timestamp()
    # Month span per user: first to last month with any transaction (transfers included).
    span = agg.groupby("user_id")[DS].agg(["min", "max"])
    has_current = bool((span["max"] >= cur).any())
    partial = cur.strftime("%Y-%m") if has_current and not include_partial else None
    first, gaps = _history_starts(agg)
    first = first.reindex(span.index)
    last = span["max"].dt.to_period("M").astype("int64")
    if not include_partial:
        last = np.minimum(last, cur.to_period("M").ordinal - 1)
    n = (last - first + 1).clip(lower=0).to_numpy()
    grid = pd.DataFrame(
        {
            "user_id": np.repeat(span.index.to_numpy(), n),
            "period": np.repeat(first.to_numpy(), n)
            + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)),
        }
    )
    if grid.empty:
        empty.attrs["partial_month"] = partial
        empty.attrs["history_gaps"] = gaps
        return empty
    grid[DS] = pd.PeriodIndex.from_ordinals(grid["period"].to_numpy(), freq="M").to_timestamp()
    grid = grid.drop(columns="period")

    cat_long = expense.groupby(["user_id", "series", DS], as_index=False)["y"].sum()
    cat_long = cat_long.merge(grid, on=["user_id", DS], how="inner")
    used = cat_long.loc[cat_long["y"] != 0, ["user_id", "series"]].drop_duplicates()
    cat_grid = used.merge(grid, on="user_id", how="inner")
    cat_grid = cat_grid.merge(cat_long, on=["user_id", "series", DS], how="left")
    cat_grid["y"] = cat_grid["y"].fillna(0.0)

    tot_exp = cat_grid.groupby(["user_id", DS], as_index=False)["y"].sum()
    inc = income.groupby(["user_id", DS], as_index=False)["y"].sum()
    totals = grid.merge(tot_exp, on=["user_id", DS], how="left").rename(columns={"y": "exp"})
    totals = totals.merge(inc, on=["user_id", DS], how="left").rename(columns={"y": "inc"})
    totals[["exp", "inc"]] = totals[["exp", "inc"]].fillna(0.0)
    parts = [
        cat_grid[["user_id", "series", DS, "y"]],
        totals.assign(series=TOTAL_EXPENSE, y=totals["exp"])[["user_id", "series", DS, "y"]],
        totals.assign(series=TOTAL_INCOME, y=totals["inc"])[["user_id", "series", DS, "y"]],
        totals.assign(series=SAVINGS, y=totals["inc"] - totals["exp"])[
            ["user_id", "series", DS, "y"]
        ],
    ]
    out = pd.concat(parts, ignore_index=True)
    out[UID] = out["user_id"].astype(str) + "/" + out["series"].astype(str)
    out = out[[UID, DS, Y]]
    out[Y] = out[Y].astype(float).round(2) + 0.0
    out = out.sort_values([UID, DS], kind="stable").reset_index(drop=True)
    out.attrs["partial_month"] = partial
    out.attrs["history_gaps"] = gaps
    return out


def _history_starts(agg: pd.DataFrame) -> tuple[pd.Series, dict[str, dict[str, object]]]:
    """Per user, the month (ordinal) their history starts, and what an old gap left out."""
    months = (
        pd.DataFrame({"user_id": agg["user_id"], "p": agg[DS].dt.to_period("M").astype("int64")})
        .drop_duplicates()
        .sort_values(["user_id", "p"])
    )
    months["empty"] = months.groupby("user_id")["p"].diff().fillna(0) - 1
    months["starts"] = months["empty"] >= GAP_MONTHS
    first = months.groupby("user_id")["p"].min()
    gaps: dict[str, dict[str, object]] = {}
    restarts = months[months["starts"]].groupby("user_id").last()
    for user, row in restarts.iterrows():
        before = months[(months["user_id"] == user) & (months["p"] < row["p"])]
        first[user] = row["p"]
        gaps[str(user)] = {
            "history_from": _month(int(row["p"])),
            "left_out": f"{_month(int(before['p'].min()))} to {_month(int(before['p'].max()))}",
            "empty_months": int(row["empty"]),
        }
    return first, gaps


def _month(ordinal: int) -> str:
    return pd.Period(ordinal=ordinal, freq="M").strftime("%Y-%m")


def panel_to_monthly_wide(panel: pd.DataFrame, user: int | str) -> pd.DataFrame:
    """One user's panel as the monthly table (docs/compatibility.md).

    Columns: ``year_month, total_income, <categories>, total_expense, savings``.
    """
    prefix = f"{user}/"
    mine = panel[panel[UID].str.startswith(prefix)]
    if mine.empty:
        return pd.DataFrame(columns=["year_month", TOTAL_INCOME, TOTAL_EXPENSE, SAVINGS])
    wide = (
        mine.assign(series=mine[UID].str.slice(len(prefix)))
        .pivot_table(index=DS, columns="series", values=Y, aggfunc="sum")
        .fillna(0.0)
    )
    cats = sorted(c for c in wide.columns if c.startswith(CATEGORY_PREFIX))
    out = pd.DataFrame({"year_month": wide.index.strftime("%Y-%m")})
    out[TOTAL_INCOME] = wide[TOTAL_INCOME].to_numpy()
    for cat in cats:
        out[cat.removeprefix(CATEGORY_PREFIX)] = wide[cat].to_numpy()
    out[TOTAL_EXPENSE] = wide[TOTAL_EXPENSE].to_numpy()
    out[SAVINGS] = wide[SAVINGS].to_numpy()
    return out
