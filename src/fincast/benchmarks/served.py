"""What a user is served: forecasts through the service path, on households no model saw.

The protocol of docs/evaluation.md ("What a user is served"): synthetic households from a
generator seed that neither the household model nor any test uses; for each household,
cutoffs at 3, 6, 12, 24 and 36 months of history (twelve per length, one forecasting each
calendar month); at each cutoff the history goes through
:func:`fincast.services.forecasting.predictions.predict_household` - the function behind
``POST /api/forecast`` - and the next 1 and 3 months are scored. Beside it, statsforecast's
AutoETS fitted on the same user's same series alone.

A history shows only the categories the household had used by then (as its ledger would);
the truth for the total is the household's whole spending, new categories included.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fincast.ml.household import HouseholdForecaster
from fincast.ml.metrics import smape
from fincast.services.forecasting.household import population_model, synthetic_tables
from fincast.services.forecasting.predictions import predict_household

SERVED_SEED = 20_261_202  # no test and no model uses it
LENGTHS = (3, 6, 12, 24, 36)
STEPS = (1, 3)
GROUPS = ("total_expense", "total_income", "category", "savings")


def _autoets(y: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AutoETS on one series: mean, lo-95, hi-95 (naive with a wide band if it fails)."""
    from statsforecast.models import AutoETS

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = AutoETS(season_length=12).forecast(y=y.astype(float), h=h, level=[95])
        mean = np.asarray(out["mean"], dtype=float)
        lo, hi = np.asarray(out["lo-95"], dtype=float), np.asarray(out["hi-95"], dtype=float)
        if np.all(np.isfinite(mean)) and np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)):
            return mean, lo, hi
    except Exception:  # noqa: S110 - statsforecast fails on some tiny or flat series
        pass
    sd = float(np.std(y)) if y.size > 1 else abs(float(y[-1]))
    last = np.full(h, float(y[-1]))
    return last, last - 1.96 * sd, last + 1.96 * sd


def cutoffs(n_months: int, length: int, per_length: int) -> list[int]:
    """End positions (exclusive) of the histories of one length: consecutive months.

    Twelve of them forecast every calendar month once, so December's spikes count as often
    as they come.
    """
    last = n_months - max(STEPS)
    return [e for e in (last - k for k in range(per_length)) if e - length >= 0]


def winkler(y: np.ndarray, lo: np.ndarray, hi: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """The interval score of docs/evaluation.md (lower is better)."""
    return (hi - lo) + (2 / alpha) * (lo - y) * (y < lo) + (2 / alpha) * (y - hi) * (y > hi)


def history_cases(
    table: pd.DataFrame, lengths: Sequence[int], per_length: int
) -> list[tuple[int, pd.DataFrame, pd.DataFrame]]:
    """``(length, history, future)`` per cutoff; unused categories and savings dropped."""
    out = []
    cats = [
        c
        for c in table.columns
        if c not in ("year_month", "total_income", "total_expense", "savings")
    ]
    for length in lengths:
        for end in cutoffs(len(table), length, per_length):
            hist = table.iloc[end - length : end].reset_index(drop=True)
            unused = [c for c in cats if hist[c].abs().sum() == 0]
            hist = hist.drop(columns=[*unused, "savings"])
            hist["total_expense"] = hist[[c for c in cats if c not in unused]].sum(axis=1)
            future = table.iloc[end : end + max(STEPS)].reset_index(drop=True)
            out.append((length, hist, future))
    return out


def run(
    households: int = 120,
    months: int = 51,
    seed: int = SERVED_SEED,
    *,
    per_length: int = 12,
    lengths: Sequence[int] = LENGTHS,
    baseline: bool = True,
    models_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Score served forecasts (and AutoETS) on fresh synthetic households.

    Returns:
        ``rows`` (one per scored point: group, kind, history, step, truth, served and
        AutoETS forecasts and ranges), ``summary`` (see :func:`summarize`), timings and the
        settings of the run.
    """
    with tempfile.TemporaryDirectory() as tmp:
        folder = models_dir or Path(tmp)
        t0 = time.perf_counter()
        model = population_model(folder)
        train_seconds = time.perf_counter() - t0
        tables = synthetic_tables(households, months, seed)
        records: list[tuple[Any, ...]] = []
        clock: list[float] = []
        for done, table in enumerate(tables, 1):
            for length, hist, future in history_cases(table, lengths, per_length):
                records += _score(model, length, hist, future, baseline, clock)
            if progress is not None:
                progress(done, len(tables))
    rows = pd.DataFrame(records, columns=list(COLUMNS))
    return {
        "households": households,
        "months": months,
        "seed": seed,
        "per_length": per_length,
        "population_households": model.n_households_,
        "train_seconds": round(train_seconds, 2),
        "serve_ms_p50": round(1000 * float(np.median(clock)), 2) if clock else None,
        "serve_ms_p99": round(1000 * float(np.quantile(clock, 0.99)), 2) if clock else None,
        "rows": rows,
        "summary": summarize(rows),
    }


COLUMNS = (
    "group",
    "kind",
    "history",
    "step",
    "y",
    "level",
    "f",
    "lo",
    "hi",
    "ets",
    "ets_lo",
    "ets_hi",
)


def _score(
    model: HouseholdForecaster,
    length: int,
    hist: pd.DataFrame,
    future: pd.DataFrame,
    baseline: bool,
    clock: list[float] | None = None,
) -> list[tuple[Any, ...]]:
    """Serve one history and score every series against the months that followed.

    ``clock`` collects the seconds the served forecast took (AutoETS not included).
    """
    t0 = time.perf_counter()
    served = predict_household(hist, max(STEPS), 95.0, model=model)
    if clock is not None:
        clock.append(time.perf_counter() - t0)
    records: list[tuple[Any, ...]] = []
    for entry in served["series"]:
        name = entry["name"]
        if name in ("cumulative_savings", "unlisted"):
            continue
        group = name if name in GROUPS else "category"
        if name == "savings":
            truth = (future["total_income"] - future["total_expense"]).to_numpy()
            history = (hist["total_income"] - hist["total_expense"]).to_numpy()
        else:
            truth = future[name].to_numpy(dtype=float)
            history = hist[name].to_numpy(dtype=float)
        ets = _autoets(history, max(STEPS)) if baseline else None
        for step in STEPS:
            if step > len(truth):
                continue
            m = entry["months"][step - 1]
            base = (
                (ets[0][step - 1], ets[1][step - 1], ets[2][step - 1])
                if ets
                else (np.nan, np.nan, np.nan)
            )
            records.append(
                (
                    group,
                    entry["kind"],
                    length,
                    step,
                    float(truth[step - 1]),
                    float(np.mean(np.abs(history))),
                    m["forecast"],
                    m["lower"],
                    m["upper"],
                    *base,
                )
            )
    return records


def real_table(path: Path) -> pd.DataFrame:
    """One real household's export (Mint layout) as the monthly table a ledger would give.

    Read as an import would read it, with the panel's definitions of spending and income.
    """
    from fincast.ingest.mint import read_mint_csv
    from fincast.panel import panel_to_monthly_wide, transactions_to_panel
    from fincast.taxonomy import CATEGORY_BY_SLUG

    tx = read_mint_csv(path)
    tx["amount"] = tx["amount"].astype(float)
    kinds = {slug: str(c.kind) for slug, c in CATEGORY_BY_SLUG.items()}
    return panel_to_monthly_wide(transactions_to_panel(tx, kinds), "household")


def real_household(path: Path, *, models_dir: Path | None = None, first: int = 6) -> dict[str, Any]:
    """Time split on one real household's export: every cutoff from ``first`` months on.

    The export (Mint layout) is read as an import would read it and turned into the monthly
    table with the panel's definitions; each cutoff's history is every month before it.
    """
    table = real_table(path)
    with tempfile.TemporaryDirectory() as tmp:
        model = population_model(models_dir or Path(tmp))
        records: list[tuple[Any, ...]] = []
        for end in range(first, len(table) - 1):
            hist = table.iloc[:end].reset_index(drop=True)
            cats = [
                c
                for c in hist.columns
                if c not in ("year_month", "total_income", "total_expense", "savings")
            ]
            unused = [c for c in cats if hist[c].abs().sum() == 0]
            hist = hist.drop(columns=[*unused, "savings"])
            future = table.iloc[end : end + max(STEPS)].reset_index(drop=True)
            records += _score(model, end, hist, future, True)
    rows = pd.DataFrame(records, columns=list(COLUMNS))
    return {"months": len(table), "first": table["year_month"].iloc[0], "rows": rows}


def summarize(rows: pd.DataFrame) -> pd.DataFrame:
    """Coverage, mean scaled Winkler score and sMAPE per group, history and step, beside AutoETS."""
    df = rows.copy()
    scale = df["level"].where(df["level"] > 0, 1.0)
    df["inside"] = (df.y >= df.lo) & (df.y <= df.hi)
    df["ets_inside"] = ((df.y >= df.ets_lo) & (df.y <= df.ets_hi)).where(df.ets_lo.notna())
    df["winkler"] = winkler(df.y.to_numpy(), df.lo.to_numpy(), df.hi.to_numpy()) / scale
    df["ets_winkler"] = winkler(df.y.to_numpy(), df.ets_lo.to_numpy(), df.ets_hi.to_numpy()) / scale
    df["smape"] = smape(df.y.to_numpy(), df.f.to_numpy())
    df["ets_smape"] = smape(df.y.to_numpy(), df.ets.to_numpy())
    agg = {
        "n": ("y", "size"),
        "coverage": ("inside", "mean"),
        "winkler": ("winkler", "mean"),
        "smape": ("smape", "mean"),
        "ets_coverage": ("ets_inside", "mean"),
        "ets_winkler": ("ets_winkler", "mean"),
        "ets_smape": ("ets_smape", "mean"),
    }
    parts = [
        df.groupby(["group", "history", "step"]).agg(**agg),
        df.groupby(["group"])
        .agg(**agg)
        .assign(history="all", step="all")
        .set_index(["history", "step"], append=True),
    ]
    out = pd.concat(parts).sort_index()
    out["winkler_ratio"] = out["winkler"] / out["ets_winkler"]
    out["smape_ratio"] = out["smape"] / out["ets_smape"]
    return out


def fixed_amounts(rows: pd.DataFrame) -> dict[str, dict[str, float]]:
    """How bills served as their last amount fare: error within 1 %, ranges under 5 %.

    Per shape: ``steady`` (the same amount for a year or more), ``fixed`` (the same for
    six to eleven months: a rent renewed within the year) and both together.
    """
    kinds = {
        "steady": ("category/steady",),
        "fixed": ("category/fixed",),
        "last_amount": ("category/steady", "category/fixed"),
    }
    out: dict[str, dict[str, float]] = {}
    for name, members in kinds.items():
        part = rows[rows["kind"].isin(members)]
        if part.empty:
            out[name] = {"n": 0}
            continue
        err = np.abs(part.f - part.y) / part.y.where(part.y > 0, np.nan)
        width = (part.hi - part.lo) / part.f.where(part.f > 0, np.nan)
        out[name] = {
            "n": len(part),
            "share_within_1pct": round(float((err <= 0.01).mean()), 3),
            "share_range_under_5pct": round(float((width < 0.05).mean()), 3),
            "coverage": round(float(((part.y >= part.lo) & (part.y <= part.hi)).mean()), 3),
        }
    return out


def to_markdown(summary: pd.DataFrame) -> str:
    """The summary as a markdown table."""
    cols = [
        "n",
        "coverage",
        "ets_coverage",
        "winkler",
        "ets_winkler",
        "winkler_ratio",
        "smape",
        "ets_smape",
        "smape_ratio",
    ]
    lines = [
        "| series | history | step | " + " | ".join(cols) + " |",
        "|" + "---|" * (3 + len(cols)),
    ]
    for (group, history, step), row in summary.iterrows():
        cells = []
        for c in cols:
            v = row[c]
            cells.append(
                f"{int(v):,}"
                if c == "n"
                else (f"{v:.3f}" if "coverage" in c or "ratio" in c else f"{v:.2f}")
            )
        lines.append(f"| {group} | {history} | {step} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
