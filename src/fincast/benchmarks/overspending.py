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

from fincast.benchmarks.served import SERVED_SEED, history_cases
from fincast.insights.overspending import THRESHOLD, overspending, trailing_averages
from fincast.services.forecasting.household import population_model, synthetic_tables

LENGTHS = (6, 12, 24, 36)


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
        records: list[tuple[str, int, float, float, float]] = []
        for done, table in enumerate(tables, 1):
            for length, hist, future in history_cases(table, lengths, per_length):
                records += _score(model, length, hist, future)
            if progress is not None:
                progress(done, len(tables))
    rows = pd.DataFrame(records, columns=["question", "history", "p", "rule", "outcome"])
    return {
        "households": households,
        "seed": seed,
        "threshold": THRESHOLD,
        "rows": rows,
        "summary": summarize(rows),
        "reliability": reliability(rows),
    }


def _score(
    model: Any, length: int, hist: pd.DataFrame, future: pd.DataFrame
) -> list[tuple[str, int, float, float, float]]:
    fc = model.forecast(hist, 1)
    result = overspending(fc, trailing_averages(hist))
    out: list[tuple[str, int, float, float, float]] = []
    nxt = future.iloc[0]
    for risk in result.categories:
        if risk.trailing_average <= 0:
            continue
        happened = float(nxt[risk.category]) > THRESHOLD * risk.trailing_average
        out.append(
            (
                "category over 1.2x its average",
                length,
                risk.probability_over_rule_line,
                float(risk.rule_flag),
                float(happened),
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


def reliability(rows: pd.DataFrame) -> pd.DataFrame:
    """Outcomes grouped by predicted probability in tenths, with counts, per question."""
    bins = np.clip((rows.p * 10).astype(int), 0, 9)
    table = (
        rows.assign(bin=bins)
        .groupby(["question", "bin"])
        .agg(n=("p", "size"), mean_p=("p", "mean"), observed=("outcome", "mean"))
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
