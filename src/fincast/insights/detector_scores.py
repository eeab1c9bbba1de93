"""Precision and recall of the recurring and anomaly detectors against a generator's truth.

Pure: the frames of a ``fincast generate`` folder (transactions, monthly panel, ground
truth) in, plain dicts of scores out. ``fincast recurring evaluate`` and ``fincast anomalies
evaluate`` print them (through :mod:`fincast.services.recurring` and
:mod:`fincast.services.anomalies`).

Matching rules:

- A series is found when the detector reports the household's payee (normalised) at the
  truth's cadence.
- A price change is found when the detector reports a change for that household and payee
  within ``PRICE_DAYS`` of the truth's first charge at the new price. Changes of money coming
  in (pay) are scored against the truth's raises, apart.
- A transaction flag is right when it falls on an injected row (household, date, amount,
  payee, account); recall is per injected kind, precision per detector kind.
- A category spike is right when its household, month and category hold an injected event;
  a month flag when its household and month do (or the household was out of work).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from fincast.ingest.fingerprint import normalize_payee
from fincast.insights.anomalies import (
    AnomalyFlag,
    category_spikes,
    month_flags,
    monthly_ratios,
    transaction_flags,
)
from fincast.insights.recurring import CADENCE_BY_NAME, RecurringSeries, detect_recurring
from fincast.synth import GroundTruth

PRICE_DAYS = 10
LARGE_SHOCK_SHARE = 0.25  # of the household's median month of spending
TRANSACTION_TRUTH = (
    "medical_bill",
    "car_repair",
    "fraud_like_spike",
    "duplicate_charge",
    "unusual_amount",
    "new_merchant_large",
)


def _pr(right: int, detected: int, caught: int, truth: int) -> dict[str, Any]:
    """Precision (right of detected) and recall (caught of truth); None where undefined."""
    return {
        "precision": _ratio(right, detected),
        "recall": _ratio(caught, truth),
        "detected": detected,
        "truth": truth,
    }


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _frames(transactions: pd.DataFrame) -> Iterable[tuple[str, pd.DataFrame]]:
    tx = transactions.assign(id=np.arange(len(transactions)))
    yield from tx.groupby("user_id", sort=True, observed=True)


def detect_all(transactions: pd.DataFrame) -> dict[str, list[RecurringSeries]]:
    """Every household's series, as of the last date of the whole data."""
    end = pd.to_datetime(transactions["date"]).max().date()
    return {str(u): detect_recurring(g, as_of=end) for u, g in _frames(transactions)}


def score_recurring(transactions: pd.DataFrame, truth: GroundTruth) -> dict[str, Any]:
    """Precision and recall of series (payee and cadence) and of price changes.

    Args:
        transactions: ``transactions.csv`` of a generated folder (``amount`` as numbers).
        truth: Its ground truth.
    """
    found = detect_all(transactions)
    detected = pd.DataFrame(
        [
            (u, s.payee_key, s.cadence, s.state, s.amount < 0)
            for u, series in found.items()
            for s in series
        ],
        columns=["user_id", "key", "cadence", "state", "out"],
    )
    rec = truth.recurring.assign(key=[normalize_payee(p) for p in truth.recurring["payee"]])
    true_keys = set(zip(rec["user_id"], rec["key"], rec["cadence"], strict=True))
    det_keys = set(zip(detected["user_id"], detected["key"], detected["cadence"], strict=True))
    hits = true_keys & det_keys
    by_cadence = {}
    for name in CADENCE_BY_NAME:
        t = {k for k in true_keys if k[2] == name}
        d = {k for k in det_keys if k[2] == name}
        by_cadence[name] = _pr(len(t & d), len(d), len(t & d), len(t))
    end = pd.to_datetime(transactions["date"]).max()
    ended = _ended_scores(rec, detected, end, hits)
    false_positives = (
        pd.DataFrame(sorted(det_keys - true_keys), columns=["user_id", "key", "cadence"])
        .groupby(["key", "cadence"])
        .size()
        .sort_values(ascending=False)
    )
    changes = [
        (u, s.payee_key, pc.date, s.amount < 0)
        for u, series in found.items()
        for s in series
        for pc in s.price_changes
    ]
    change_frame = pd.DataFrame(changes, columns=["user_id", "key", "date", "out"])
    prices = _change_scores(change_frame[change_frame["out"]], truth.price_changes)
    pay = _change_scores(
        change_frame[~change_frame["out"]],
        truth.raises.assign(payee=_employers(truth, transactions)),
    )
    return {
        "households": len(found),
        "series": _pr(len(hits), len(det_keys), len(hits), len(true_keys))
        | {"by_cadence": by_cadence},
        "price_changes": prices,
        "pay_changes": pay,
        "ended": ended,
        "top_false_positives": [
            {"payee": k, "cadence": c, "households": int(n)}
            for (k, c), n in false_positives.head(8).items()
        ],
    }


def _employers(truth: GroundTruth, transactions: pd.DataFrame) -> list[str]:
    """The payee of each raise: the payer of that household's paycheck on its date."""
    pay = transactions[transactions["description"] == "DIRECT DEP PAYROLL"]
    first = pay.drop_duplicates(["user_id", "date"]).set_index(["user_id", "date"])["payee"]
    keys = pd.MultiIndex.from_frame(truth.raises[["user_id", "date"]])
    return [str(p) for p in first.reindex(keys).fillna("").to_list()]


def _change_scores(detected: pd.DataFrame, truth: pd.DataFrame) -> dict[str, Any]:
    if truth.empty:
        return _pr(0, len(detected), 0, 0)
    t = pd.DataFrame(
        {
            "user_id": truth["user_id"].astype(str),
            "key": [normalize_payee(p) for p in truth["payee"]],
            "date": pd.to_datetime(truth["date"]),
        }
    )
    d = pd.DataFrame(
        {
            "user_id": detected["user_id"].astype(str).to_numpy(),
            "key": detected["key"].to_numpy(),
            "date": pd.to_datetime(detected["date"]).to_numpy(),
            "d_row": np.arange(len(detected)),
        }
    )
    pairs = d.merge(t.assign(t_row=np.arange(len(t))), on=["user_id", "key"], suffixes=("_d", "_t"))
    close = (pairs["date_d"] - pairs["date_t"]).dt.days.abs() <= PRICE_DAYS
    right = pairs.loc[close, "d_row"].nunique()
    caught = pairs.loc[close, "t_row"].nunique()
    return _pr(right, len(d), caught, len(t))


def _ended_scores(
    rec: pd.DataFrame, detected: pd.DataFrame, end: pd.Timestamp, hits: set[tuple[Any, ...]]
) -> dict[str, Any]:
    """Of the series found, how well "ended" matches series whose payments stopped.

    A truth series has ended when its last payment is more than two periods (and the
    tolerance) before the end of the data.
    """
    period = rec["cadence"].map(lambda c: CADENCE_BY_NAME[c].days + CADENCE_BY_NAME[c].tolerance)
    rec = rec.assign(
        truly_ended=(end - pd.to_datetime(rec["end"])).dt.days > 2 * period,
    )
    merged = rec.merge(detected, on=["user_id", "key", "cadence"])
    merged = merged[
        [k in hits for k in zip(merged.user_id, merged.key, merged.cadence, strict=True)]
    ]
    said = merged["state"] == "ended"
    both = int((said & merged["truly_ended"]).sum())
    return _pr(both, int(said.sum()), both, int(merged["truly_ended"].sum()))


# --- anomalies ------------------------------------------------------------------------------


def _row_keys(frame: pd.DataFrame) -> pd.Series:
    cents = np.rint(pd.to_numeric(frame["amount"]).astype(float) * 100).astype(np.int64)
    return (
        frame["user_id"].astype(str)
        + "|"
        + frame["date"].astype(str).str[:10]
        + "|"
        + cents.astype(str)
        + "|"
        + frame["payee"].astype(str)
        + "|"
        + frame["account"].astype(str)
    )


def score_anomalies(
    transactions: pd.DataFrame, monthly: pd.DataFrame, truth: GroundTruth
) -> dict[str, Any]:
    """Precision and recall per kind, transaction flags, spikes and both month detectors.

    Args:
        transactions: ``transactions.csv`` of a generated folder (``amount`` as numbers).
        monthly: Its ``monthly.csv`` (values as numbers).
        truth: Its ground truth.
    """
    tx_flags: list[tuple[str, AnomalyFlag]] = []
    spikes: list[tuple[str, AnomalyFlag]] = []
    end = pd.to_datetime(transactions["date"]).max().date()
    for user, frame in _frames(transactions):
        expected = [i for s in detect_recurring(frame, as_of=end) for i in s.transaction_ids]
        tx_flags.extend((str(user), f) for f in transaction_flags(frame, expected=expected))
        spikes.extend((str(user), f) for f in category_spikes(frame))
    keys = _row_keys(transactions).to_numpy()
    anomalies = truth.anomalies
    injected = anomalies.assign(row=_row_keys(anomalies), month=anomalies["date"].str[:7])
    injected_rows = set(injected["row"])
    flagged = pd.DataFrame(
        [(u, f.kind, keys[int(f.transaction_id)]) for u, f in tx_flags],
        columns=["user_id", "kind", "row"],
    )
    flagged["right"] = flagged["row"].isin(injected_rows)
    per_detector = {
        str(kind): {"precision": _ratio(int(g["right"].sum()), len(g)), "detected": len(g)}
        for kind, g in flagged.groupby("kind")
    }
    flagged_rows = set(flagged["row"])
    per_truth = {}
    for kind in TRANSACTION_TRUTH:
        rows = injected.loc[injected["kind"] == kind, "row"]
        per_truth[kind] = {
            "injected": len(rows),
            "recall": _ratio(int(rows.isin(flagged_rows).sum()), len(rows)),
        }
    event_cells = set(
        zip(injected["user_id"], injected["month"], injected["category"], strict=True)
    )
    spike_truth = injected[injected["kind"] == "category_spike"]
    spike_cells = set(
        zip(spike_truth["user_id"], spike_truth["month"], spike_truth["category"], strict=True)
    )
    spike_found = {(u, f.month, f.category) for u, f in spikes}
    spike_scores = _pr(
        len(spike_found & event_cells),
        len(spike_found),
        len(spike_found & spike_cells),
        len(spike_cells),
    )
    is_tx_truth = injected["kind"].isin(TRANSACTION_TRUTH)
    caught = int(injected.loc[is_tx_truth, "row"].isin(flagged_rows).sum())
    return {
        "households": int(transactions["user_id"].nunique()),
        "transactions": {
            "all": _pr(int(flagged["right"].sum()), len(flagged), caught, int(is_tx_truth.sum())),
            "by_detector": per_detector,
            "by_injected_kind": per_truth,
        },
        "category_spikes": spike_scores,
        "months": _month_scores(monthly, injected, truth),
    }


def _month_scores(
    monthly: pd.DataFrame, injected: pd.DataFrame, truth: GroundTruth
) -> dict[str, Any]:
    """Both month detectors against months with an injected event or no pay."""
    out_of_work: set[tuple[str, str]] = set()
    for row in truth.job_losses.itertuples(index=False):
        for month in pd.period_range(row.first_month, row.last_month, freq="M"):
            out_of_work.add((str(row.user_id), str(month)))
    spike_months = {
        (u, m)
        for u, m in injected.loc[
            injected["kind"] == "category_spike", ["user_id", "month"]
        ].itertuples(index=False)
    }
    median_month = monthly.groupby("user_id")["total_expense"].median()
    shocks = injected[injected["kind"].isin(TRANSACTION_TRUTH)]
    size = shocks.groupby(["user_id", "month"])["amount"].apply(lambda a: -pd.to_numeric(a).sum())
    share = size / median_month.reindex(size.index.get_level_values(0)).to_numpy()
    large = {(str(u), str(m)) for (u, m), s in share.items() if s >= LARGE_SHOCK_SHARE}
    any_event = (
        set(zip(injected["user_id"].astype(str), injected["month"], strict=True)) | out_of_work
    )
    flags = month_flags(monthly_ratios(monthly))
    scores = {}
    for detector in ("robust", "isolation_forest"):
        found = {(u, f.month) for u, fs in flags.items() for f in fs if f.detector == detector}
        right = len(found & any_event)
        scores[detector] = {
            "precision": _ratio(right, len(found)),
            "flagged": len(found),
            "recall": {
                "out_of_work": _ratio(len(found & out_of_work), len(out_of_work)),
                "category_spike": _ratio(len(found & spike_months), len(spike_months)),
                "large_shock": _ratio(len(found & large), len(large)),
            },
            "truth": {
                "out_of_work": len(out_of_work),
                "category_spike": len(spike_months),
                "large_shock": len(large),
            },
        }
    return scores
