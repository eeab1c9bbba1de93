"""Read the panel from files: long CSV, the monthly table, raw transactions.

The monthly table is the layout of the compatible API (docs/compatibility.md).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fincast.errors import InputError
from fincast.frames import DS, UID, Y, month_start, validate_long_frame
from fincast.panel.build import (
    CATEGORY_PREFIX,
    SAVINGS,
    TOTAL_EXPENSE,
    TOTAL_INCOME,
    series_uid,
)

_SEED_NON_CATEGORY = {"year_month", "month", "date", TOTAL_INCOME, TOTAL_EXPENSE, SAVINGS}


def read_csv_file(path: str | Path) -> pd.DataFrame:
    """Read a CSV file as a frame; InputError naming the file when it is missing or unreadable."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        return pd.read_csv(p)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: not a readable CSV ({exc})") from exc


def read_long_csv(path: str | Path, *, history: int | None = None) -> pd.DataFrame:
    """Read a long CSV (``unique_id,ds,y``); ``history`` keeps the last N points per series."""
    df = validate_long_frame(read_csv_file(path), name=str(path))
    if history is not None:
        if history < 1:
            raise InputError(f"history must be at least 1, got {history}")
        df = df.groupby(UID, sort=False).tail(history).reset_index(drop=True)
    return df


def read_monthly_csv(source: str | Path | pd.DataFrame, *, user: str = "0") -> pd.DataFrame:
    """Read the monthly table (``year_month,total_income,<cats>,...``) as a panel."""
    df = source if isinstance(source, pd.DataFrame) else read_csv_file(source)
    name = "monthly data" if isinstance(source, pd.DataFrame) else str(source)
    month_col = next((c for c in ("year_month", "month", "date") if c in df.columns), None)
    if month_col is None:
        raise InputError(f"{name}: the following columns are missing: ['year_month']")
    for col in (TOTAL_INCOME, TOTAL_EXPENSE):
        if col not in df.columns:
            raise InputError(f"{name}: the following columns are missing: [{col!r}]")
    try:
        ds = month_start(df[month_col])
    except (ValueError, TypeError) as exc:
        raise InputError(f"{name}: column {month_col!r} holds values that are not months") from exc
    cats = [c for c in df.columns if c not in _SEED_NON_CATEGORY]
    frames = []
    for col in [TOTAL_INCOME, *cats, TOTAL_EXPENSE]:
        series = col if col in (TOTAL_INCOME, TOTAL_EXPENSE) else CATEGORY_PREFIX + str(col)
        frames.append(pd.DataFrame({UID: series_uid(user, series), DS: ds, Y: df[col]}))
    savings = df[SAVINGS] if SAVINGS in df.columns else df[TOTAL_INCOME] - df[TOTAL_EXPENSE]
    frames.append(pd.DataFrame({UID: series_uid(user, SAVINGS), DS: ds, Y: savings}))
    return validate_long_frame(pd.concat(frames, ignore_index=True), name=name)


def transactions_to_panel(
    tx: pd.DataFrame, kinds: dict[str, str], *, user_col: str = "user_id"
) -> pd.DataFrame:
    """The panel computed directly in pandas from a transactions frame (a cross-check).

    ``tx`` has ``user_col, date, amount, category``; ``kinds`` maps category -> kind.
    Follows the same definitions as :func:`fincast.panel.build_panel`.
    """
    from fincast.panel.build import _aggregate_to_panel

    df = tx.copy()
    ds = month_start(df["date"])
    df["yr"], df["mo"] = ds.dt.year.to_numpy(), ds.dt.month.to_numpy()
    df["kind"] = df["category"].map(kinds)
    df["outflow"] = (df["amount"].astype(float) < 0).astype(int)
    keys = [user_col, "yr", "mo", "kind", "category", "outflow"]
    agg = df.groupby(keys, dropna=False)["amount"].sum().reset_index()
    agg.columns = ["user_id", "yr", "mo", "kind", "slug", "outflow", "total"]
    agg["kind"] = agg["kind"].astype(object).where(agg["kind"].notna(), None)
    return _aggregate_to_panel(agg, as_of=None, include_partial=True)
