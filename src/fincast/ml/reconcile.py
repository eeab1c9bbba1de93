"""Coherent forecasts: categories add up to the total, savings = income - expenses."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from fincast.frames import DS, UID


def _interval_cols(frame: pd.DataFrame, model: str) -> list[str]:
    return [
        c for c in frame.columns if c.startswith(f"{model}-lo-") or c.startswith(f"{model}-hi-")
    ]


def reconcile_to_total(
    forecasts: pd.DataFrame,
    total_id: str,
    member_ids: Sequence[str],
    *,
    model: str = "fincast",
    nonnegative: bool = True,
) -> pd.DataFrame:
    """Adjust member and total forecasts so members sum exactly to the total, per month.

    The OLS projection for a one-level hierarchy spreads the gap ``total - sum(members)``
    equally over the ``k + 1`` series; when that would make a non-negative member negative
    the members are scaled proportionally instead. Intervals move with their point forecast.

    Args:
        forecasts: Long forecast frame holding ``total_id`` and every id in ``member_ids``.
        total_id: The aggregate series (e.g. ``total_expense``).
        member_ids: The series that add up to it (e.g. the categories).
        model: Forecast column to reconcile.
        nonnegative: Keep members at or above zero.

    Returns:
        A copy of ``forecasts`` with coherent ``model`` columns for those series.
    """
    out = forecasts.copy()
    members = list(member_ids)
    k = len(members)
    if k == 0:
        return out
    icols = _interval_cols(out, model)
    is_member = out[UID].isin(members)
    is_total = out[UID] == total_id
    for ds, idx in out[is_member | is_total].groupby(DS).groups.items():
        block = out.loc[idx]
        mem = block[block[UID].isin(members)]
        tot = block[block[UID] == total_id]
        if tot.empty or mem.empty:
            continue
        total = float(tot[model].iloc[0])
        msum = float(mem[model].sum())
        adj = (total - msum) / (k + 1)
        new = mem[model].to_numpy(dtype=float) + adj
        if nonnegative and np.any(new < 0):
            target = max(msum + k * adj, 0.0)
            ratio = target / msum if msum > 0 else 0.0
            new = mem[model].to_numpy(dtype=float) * ratio
            if msum <= 0:
                new = np.full(len(mem), target / len(mem))
        delta = new - mem[model].to_numpy(dtype=float)
        out.loc[mem.index, model] = new
        for c in icols:
            vals = mem[c].to_numpy(dtype=float) + delta
            out.loc[mem.index, c] = np.maximum(vals, 0.0) if nonnegative else vals
        new_total = float(new.sum())
        shift = new_total - total
        out.loc[tot.index, model] = new_total
        for c in icols:
            out.loc[tot.index, c] = tot[c].to_numpy(dtype=float) + shift
        del ds
    return out


def savings_from(income: np.ndarray, expense: np.ndarray) -> np.ndarray:
    """Point savings forecast implied by income and expense forecasts."""
    return np.asarray(income, dtype=float) - np.asarray(expense, dtype=float)
