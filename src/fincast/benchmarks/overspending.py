"""How honest the overspending probabilities are: Brier scores and reliability, out of sample.

Protocol (docs/evaluation.md, "Probabilities"): fresh synthetic households (the served-
forecast benchmark's seed, used by no model) cut at 6, 12, 24 and 36 months of history, 12
consecutive cutoffs per length; at each cutoff the served household forecast gives, per
category, the probability that next month's spending goes over the rule's line (``1.2 x``
the trailing six-month average) and, for the household, that spending goes over income.
Each is scored against what happened, beside the source's yes/no rule and the base rate.
Synthetic households set no budgets, so the rule's line stands in for one: the probability
of going over any amount is read off the same distribution.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fincast.benchmarks.served import SERVED_SEED, history_cases, real_table
from fincast.insights.overspending import (
    THRESHOLD,
    calibrate_rule_line,
    overspending,
    trailing_averages,
)
from fincast.services.forecasting.household import population_model, synthetic_tables

LENGTHS = (6, 12, 24, 36)
#: One scored question: ``p`` as served (recalibrated where it is), ``p_raw`` before.
COLUMNS = ("question", "history", "p", "rule", "outcome", "p_raw")
_TOTALS = ("year_month", "total_income", "total_expense", "savings")


def run(
    households: int = 40,
    months: int = 51,
    seed: int = SERVED_SEED,
    *,
    per_length: int = 12,
    lengths: Sequence[int] = LENGTHS,
    models_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Score the probabilities on fresh synthetic households; rows, summary, reliability."""
    with tempfile.TemporaryDirectory() as tmp:
        model = population_model(models_dir or Path(tmp))
        tables = synthetic_tables(households, months, seed)
        records: list[tuple[str, int, float, float, float, float]] = []
        for done, table in enumerate(tables, 1):
            for length, hist, future in history_cases(table, lengths, per_length):
                records += _score(model, length, hist, future)
            if progress is not None:
                progress(done, len(tables))
    rows = pd.DataFrame(records, columns=list(COLUMNS))
    return {
        "households": households,
        "seed": seed,
        "threshold": THRESHOLD,
        "rows": rows,
        "summary": summarize(rows),
        "reliability": reliability(rows),
        "reliability_raw": reliability(rows, "p_raw"),
    }


def _score(
    model: Any, length: int, hist: pd.DataFrame, future: pd.DataFrame
) -> list[tuple[str, int, float, float, float, float]]:
    fc = model.forecast(hist, 1)
    # raw probabilities, recalibrated here: the rows keep both (p served, p_raw before)
    result = overspending(fc, trailing_averages(hist), calibrate=False)
    out: list[tuple[str, int, float, float, float, float]] = []
    nxt = future.iloc[0]
    for risk in result.categories:
        if risk.trailing_average <= 0:
            continue
        happened = float(nxt[risk.category]) > THRESHOLD * risk.trailing_average
        out.append(
            (
                "category over 1.2x its average",
                length,
                calibrate_rule_line(risk.probability_over_rule_line),
                float(risk.rule_flag),
                float(happened),
                risk.probability_over_rule_line,
            )
        )
    over_income = float(nxt["total_expense"]) > float(nxt["total_income"])
    rule = float(result.expected_expense > result.expected_income)
    out.append(
        (
            "spending over income",
            length,
            result.probability_expense_over_income,
            rule,
            float(over_income),
            result.probability_expense_over_income,
        )
    )
    return out


def summarize(rows: pd.DataFrame) -> pd.DataFrame:
    """Brier scores per question and history: the probabilities, the rule, the base rate."""

    def one(g: pd.DataFrame) -> pd.Series:
        base = g.outcome.mean()
        return pd.Series(
            {
                "n": len(g),
                "rate": base,
                "mean_p": g.p.mean(),
                "brier": ((g.p - g.outcome) ** 2).mean(),
                "raw_brier": ((g.p_raw - g.outcome) ** 2).mean(),
                "rule_brier": ((g.rule - g.outcome) ** 2).mean(),
                "base_rate_brier": ((base - g.outcome) ** 2).mean(),
            }
        )

    parts = [
        rows.groupby(["question", "history"]).apply(one, include_groups=False),
        rows.assign(history="all")
        .groupby(["question", "history"])
        .apply(one, include_groups=False),
    ]
    return pd.concat(parts).sort_index()


def reliability(rows: pd.DataFrame, column: str = "p") -> pd.DataFrame:
    """Outcomes grouped by predicted probability (``column``) in tenths, per question."""
    bins = np.clip((rows[column] * 10).astype(int), 0, 9)
    table = (
        rows.assign(bin=bins)
        .groupby(["question", "bin"])
        .agg(n=(column, "size"), mean_p=(column, "mean"), observed=("outcome", "mean"))
        .reset_index()
    )
    table["bin"] = table["bin"].map(lambda b: f"{b / 10:.1f}-{(b + 1) / 10:.1f}")
    return table


def to_markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    """A frame as a markdown table."""
    frame = frame.reset_index() if frame.index.names[0] is not None else frame
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    sep = "|" + "---|" * len(frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = [
            f"{v:,.{digits}f}"
            if isinstance(v, float)
            else f"{v:,}"
            if isinstance(v, int)
            else str(v)
            for v in row
        ]
        body.append("| " + " | ".join(cells) + " |")
    return "\n".join([head, sep, *body])


#: History lengths (months) the real household's cutoffs are grouped into.
REAL_BUCKETS = ((6, 11, "6-11"), (12, 23, "12-23"), (24, 10_000, "24+"))


def _bucket(months: int) -> str:
    return next(label for lo, hi, label in REAL_BUCKETS if lo <= months <= hi)


def real_household(path: Path, *, models_dir: Path | None = None, first: int = 6) -> dict[str, Any]:
    """The same questions on one real household's export, at every cutoff from ``first`` on.

    The export (Mint layout) becomes the monthly table exactly as in the served-forecast
    benchmark (:func:`fincast.benchmarks.served.real_household`); each cutoff's history is
    every month before it, and the month after it is scored. The household model never saw
    this household. Rows carry the history length in buckets (:data:`REAL_BUCKETS`).
    """
    table = real_table(path)
    records: list[tuple[str, int, float, float, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        model = population_model(models_dir or Path(tmp))
        for end in range(first, len(table)):
            hist = table.iloc[:end].reset_index(drop=True)
            cats = [c for c in hist.columns if c not in _TOTALS]
            unused = [c for c in cats if hist[c].abs().sum() == 0]
            hist = hist.drop(columns=[*unused, "savings"])
            future = table.iloc[end : end + 1].reset_index(drop=True)
            records += _score(model, end, hist, future)
    rows = pd.DataFrame(records, columns=list(COLUMNS))
    rows["history"] = rows["history"].map(_bucket)
    return {
        "months": len(table),
        "first": str(table["year_month"].iloc[0]),
        "last": str(table["year_month"].iloc[-1]),
        "cutoffs": len(table) - first,
        "rows": rows,
        "summary": summarize(rows),
        "reliability": reliability(rows),
        "reliability_raw": reliability(rows, "p_raw"),
    }


def fit_calibration(
    households: int = 80, seed: int = 31_415_926, *, models_dir: Path | None = None
) -> tuple[tuple[float, float], ...]:
    """Refit :data:`fincast.insights.overspending.RULE_LINE_CALIBRATION` on fresh households.

    An isotonic regression of the outcome on the raw probability of going over the rule's
    line, on households of ``seed`` (never the scored seed), read at every 0.05 up to 0.95.
    """
    from sklearn.isotonic import IsotonicRegression

    rows = run(households, seed=seed, models_dir=models_dir)["rows"]
    cat = rows[rows.question.str.startswith("category")]
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    iso.fit(cat.p_raw, cat.outcome)
    grid = np.round(np.arange(0, 20) * 0.05, 2)
    return tuple(zip(grid.tolist(), np.round(iso.predict(grid), 3).tolist(), strict=True))
