"""The frame contract every model consumes: a long frame ``unique_id, ds, y``.

``ds`` is the first day of a calendar month (``datetime64[ns]``), ``y`` a float. Forecast
frames add ``<model>``, ``<model>-lo-<level>``, ``<model>-hi-<level>``. Keeping
statsforecast's names lets its models and ``utilsforecast.evaluation`` work on our frames
as they are. (The engine's backtest frame, ``FincastForecaster.backtest_``, is internal: it
identifies a cutoff by ``window`` and ``cutoff_index`` and the horizon by ``step``.)
"""

from __future__ import annotations

import pandas as pd

from fincast.errors import InputError

UID = "unique_id"
DS = "ds"
Y = "y"
LONG_COLUMNS = (UID, DS, Y)


def month_start(values: pd.Series | pd.DatetimeIndex) -> pd.Series:
    """Return the first day of the calendar month of each date."""
    s = pd.to_datetime(pd.Series(values))
    return s.dt.to_period("M").dt.to_timestamp()


def validate_long_frame(df: pd.DataFrame, *, name: str = "frame") -> pd.DataFrame:
    """Check and normalise a long frame; raise InputError naming what is wrong.

    Returns a copy sorted by ``unique_id, ds`` with ``ds`` at month start and ``y`` float.
    """
    missing = [c for c in LONG_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"{name}: the following columns are missing: {missing}")
    out = df.loc[:, list(LONG_COLUMNS)].copy()
    out[UID] = out[UID].astype(str)
    try:
        out[DS] = month_start(out[DS]).to_numpy()
    except (ValueError, TypeError) as exc:
        raise InputError(f"{name}: column 'ds' holds values that are not dates ({exc})") from exc
    y = pd.to_numeric(out[Y], errors="coerce")
    bad = y.isna() & out[Y].notna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(f"{name}: column 'y' row {row + 1} is not a number: {out[Y].iloc[row]!r}")
    if y.isna().any():
        row = int(y.isna().to_numpy().nonzero()[0][0])
        raise InputError(f"{name}: column 'y' row {row + 1} is empty")
    out[Y] = y.astype(float)
    dup = out.duplicated([UID, DS])
    if dup.any():
        r = out[dup].iloc[0]
        raise InputError(f"{name}: duplicate month {r[DS]:%Y-%m} for series {r[UID]!r}")
    return out.sort_values([UID, DS], kind="stable").reset_index(drop=True)
