"""How honest the savings-goal probabilities are: Brier scores and reliability, out of sample.

Protocol (docs/evaluation.md, "Probabilities"): fresh synthetic households (the served-
forecast benchmark's seed, used by no model) cut at 6, 12 and 24 months of history, at
``per_length`` cutoffs spread over each household's months. At each cutoff a goal is set
the way a person would, from the history alone: save ``m`` times what the last six months
saved on average (``m`` in :data:`MULTIPLES`), over ``k`` months (:data:`MONTHS_AHEAD`;
18 and 24 are beyond the 12-month forecast, where the answer is the extended one), starting
from nothing. A household whose recent savings are not positive gets a goal of ``m`` times
10 % of its average income instead. The served path's probability
(:func:`fincast.insights.goals.goal_forecast` on the household model's 12-month forecast)
is scored against whether the household's actual savings over those ``k`` months reached
the target, beside the base rate.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fincast.benchmarks.overspending import reliability, to_markdown
from fincast.benchmarks.served import SERVED_SEED, real_table
from fincast.insights.goals import goal_forecast
from fincast.services.forecasting.household import population_model, synthetic_tables

__all__ = ["reliability", "run", "summarize", "to_markdown"]

LENGTHS = (6, 12, 24)
MONTHS_AHEAD = (3, 6, 12, 18, 24)
MULTIPLES = (0.5, 0.8, 1.0, 1.2, 1.5)
_TOTALS = ("year_month", "total_income", "total_expense", "savings")


def run(
    households: int = 20,
    months: int = 51,
    seed: int = SERVED_SEED,
    *,
    per_length: int = 4,
    lengths: Sequence[int] = LENGTHS,
    models_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Score the goal probabilities on fresh synthetic households; rows, summary, reliability."""
    with tempfile.TemporaryDirectory() as tmp:
        model = population_model(models_dir or Path(tmp))
        tables = synthetic_tables(households, months, seed)
        records: list[tuple[str, int, int, float, float]] = []
        for done, table in enumerate(tables, 1):
            for length, end in _cuts(len(table), lengths, per_length):
                records += _score(model, table, length, end)
            if progress is not None:
                progress(done, len(tables))
    rows = pd.DataFrame(records, columns=["question", "history", "months", "p", "outcome"])
    return {
        "households": households,
        "seed": seed,
        "rows": rows,
        "summary": summarize(rows),
        "reliability": reliability(rows),
    }


def real_household(path: Path, *, models_dir: Path | None = None, first: int = 6) -> dict[str, Any]:
    """The same goals on one real household's export: every cutoff from ``first`` months on.

    The export (Mint layout) is read as an import would read it and turned into the monthly
    table with the panel's definitions (as ``fincast benchmark served --real`` does); each
    cutoff's history is every month before it, grouped as 6-11, 12-23 and 24+ months.
    """
    table = real_table(path)
    with tempfile.TemporaryDirectory() as tmp:
        model = population_model(models_dir or Path(tmp))
        records: list[tuple[str, Any, int, float, float]] = []
        for end in range(first, len(table) - min(MONTHS_AHEAD) + 1):
            bucket = "6-11" if end < 12 else "12-23" if end < 24 else "24+"
            records += [(q, bucket, k, p, o) for q, _, k, p, o in _score(model, table, end, end)]
    rows = pd.DataFrame(records, columns=["question", "history", "months", "p", "outcome"])
    return {
        "months": len(table),
        "first": table["year_month"].iloc[0],
        "rows": rows,
        "summary": summarize(rows),
        "reliability": reliability(rows),
    }


def _cuts(n: int, lengths: Sequence[int], per_length: int) -> list[tuple[int, int]]:
    """``(length, end)``: history ``[end - length, end)``, with the shortest goal ahead of it."""
    out = []
    for length in lengths:
        last = n - min(MONTHS_AHEAD)
        if last < length:
            continue
        ends = np.unique(np.linspace(length, last, per_length).round().astype(int))
        out += [(length, int(e)) for e in ends]
    return out


def _history(table: pd.DataFrame, length: int, end: int) -> pd.DataFrame:
    """The served path's input: unused categories dropped, the total rebuilt, no savings."""
    cats = [c for c in table.columns if c not in _TOTALS]
    hist = table.iloc[end - length : end].reset_index(drop=True)
    used = [c for c in cats if hist[c].abs().sum() > 0]
    hist = hist[["year_month", "total_income", *used]].copy()
    hist["total_expense"] = hist[used].sum(axis=1)
    return hist


def _score(
    model: Any, table: pd.DataFrame, length: int, end: int
) -> list[tuple[str, int, int, float, float]]:
    hist = _history(table, length, end)
    fc = model.forecast(hist, 12)
    savings = (hist["total_income"] - hist["total_expense"]).tail(6).mean()
    base = savings if savings > 0 else 0.1 * hist["total_income"].mean()
    if base <= 0:
        return []
    actual = (table["total_income"] - table["total_expense"]).to_numpy(dtype=float)
    first = fc.months[0]
    out = []
    for k in MONTHS_AHEAD:
        if end + k > len(table):
            continue
        saved = float(actual[end : end + k].sum())
        due = (first + (k - 1)).start_time.date()
        for m in MULTIPLES:
            target = float(m * k * base)
            g = goal_forecast(fc, target_amount=target, saved=0.0, target_date=due)
            question = "goal beyond 12 months" if k > 12 else "goal within 12 months"
            out.append((question, length, k, float(g.probability or 0.0), float(saved >= target)))
    return out


def summarize(rows: pd.DataFrame) -> pd.DataFrame:
    """Brier scores per question and history, and per months ahead, beside the base rate."""

    def one(g: pd.DataFrame) -> pd.Series:
        base = g.outcome.mean()
        return pd.Series(
            {
                "n": len(g),
                "rate": base,
                "mean_p": g.p.mean(),
                "brier": ((g.p - g.outcome) ** 2).mean(),
                "base_rate_brier": ((base - g.outcome) ** 2).mean(),
            }
        )

    by_history = rows.groupby(["question", "history"]).apply(one, include_groups=False)
    overall = (
        rows.assign(history="all").groupby(["question", "history"]).apply(one, include_groups=False)
    )
    by_months = (
        rows.assign(history=rows["months"].map(lambda k: f"{k} months ahead"))
        .groupby(["question", "history"])
        .apply(one, include_groups=False)
    )
    out = pd.concat([by_history, by_months, overall])
    out["n"] = out["n"].astype(int)
    return out
