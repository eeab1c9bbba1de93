"""The written files: layout, monthly totals against transactions, samples, determinism."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fincast.synth import (
    FILES,
    MONTHLY_COLUMNS,
    TRANSACTION_COLUMNS,
    generate_households,
    read_ground_truth,
    write_households,
)
from fincast.taxonomy import CATEGORY_BY_SLUG, EXPENSE_SLUGS, CategoryKind
from tests.unit.synth.conftest import MONTHS, USERS, Written, cents

ACCOUNT_TYPES = {"checking", "savings", "credit_card", "cash", "loan", "investment"}


def _kind(tx: pd.DataFrame) -> pd.Series:
    return tx["category"].map(lambda s: CATEGORY_BY_SLUG[s].kind.value)


def test_transaction_columns_and_values(written: Written) -> None:
    tx = written.tx
    assert tuple(tx.columns[:-1]) == TRANSACTION_COLUMNS
    assert tx["user_id"].str.fullmatch(r"u\d{5}").all()
    assert set(tx["account_type"]) <= ACCOUNT_TYPES
    assert {"checking", "savings", "credit_card", "loan"} <= set(tx["account_type"])
    assert set(tx["category"]) <= set(CATEGORY_BY_SLUG)
    assert set(tx["currency"]) == {"USD"}
    assert (tx["payee"] != "").all()
    assert 20 <= len(tx) / (USERS * MONTHS) <= 45
    assert len(written.households.transactions) == len(tx)


def test_every_transaction_lands_in_the_range(written: Written) -> None:
    dates = pd.to_datetime(written.tx["date"], format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2023-01-01")
    assert dates.max() <= pd.Timestamp("2024-12-31")
    # sorted by user, then date
    key = written.tx["user_id"] + written.tx["date"]
    assert key.is_monotonic_increasing


def test_monthly_equals_sum_of_transactions(written: Written) -> None:
    tx, monthly = written.tx, written.monthly
    assert tuple(monthly.columns) == MONTHLY_COLUMNS
    assert tuple(monthly.columns[3:-2]) == EXPENSE_SLUGS
    assert len(monthly) == USERS * MONTHS  # every month of every user, zeros included

    tx = tx.assign(year_month=tx["date"].str[:7], kind=_kind(tx))
    by = tx.groupby(["user_id", "year_month", "category"])["cents"].sum().unstack(fill_value=0)
    keys = pd.MultiIndex.from_frame(monthly[["user_id", "year_month"]])
    by = by.reindex(keys, fill_value=0)
    for slug in EXPENSE_SLUGS:
        np.testing.assert_array_equal(monthly[slug].to_numpy(), -by[slug].to_numpy(), slug)
    income = by[[c for c in by.columns if CATEGORY_BY_SLUG[c].kind is CategoryKind.INCOME]]
    np.testing.assert_array_equal(monthly["total_income"].to_numpy(), income.sum(axis=1))
    expense = monthly[list(EXPENSE_SLUGS)].sum(axis=1)
    np.testing.assert_array_equal(monthly["total_expense"], expense)
    np.testing.assert_array_equal(
        monthly["savings"], monthly["total_income"] - monthly["total_expense"]
    )


def test_samples_describe_the_first_user(written: Written) -> None:
    sample_m = pd.read_csv(written.out / FILES["sample_monthly"], dtype=str)
    assert list(sample_m.columns) == list(MONTHLY_COLUMNS[1:])
    first = written.monthly[written.monthly["user_id"] == "u00001"].drop(columns="user_id")
    for col in sample_m.columns[1:]:
        np.testing.assert_array_equal(cents(sample_m[col]), first[col])

    sample_t = pd.read_csv(written.out / FILES["sample_transactions"], dtype=str)
    assert list(sample_t.columns) == ["date", "category", "amount", "payee", "description"]
    sample_t["cents"] = cents(sample_t["amount"])
    assert (sample_t["cents"] > 0).all()  # positive magnitudes, income and expense alike
    assert set(_kind(sample_t)) <= {"income", "expense"}
    sums = (
        sample_t.groupby([sample_t["date"].str[:7], "category"])["cents"]
        .sum()
        .unstack(fill_value=0)
        .reindex(index=sample_m["year_month"], columns=list(CATEGORY_BY_SLUG), fill_value=0)
    )
    for slug in EXPENSE_SLUGS:
        np.testing.assert_array_equal(cents(sample_m[slug]), sums[slug], slug)
    np.testing.assert_array_equal(cents(sample_m["total_income"]), sums["income"])


def _digests(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    runs = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        write_households(generate_households(40, 13, seed, "2024-11"), tmp_path / name)
        runs[name] = _digests(tmp_path / name)
    assert set(runs["a"]) == set(FILES.values())
    assert runs["a"] == runs["b"]
    assert all(runs["a"][f] != runs["c"][f] for f in runs["a"])


def test_ground_truth_file_round_trips(written: Written) -> None:
    gt = read_ground_truth(written.out / FILES["ground_truth"])
    mem = written.households.ground_truth
    for name in ("anomalies", "recurring", "price_changes", "raises", "job_losses"):
        back, orig = getattr(gt, name), getattr(mem, name)
        assert len(back) == len(orig) > 0, name
        assert list(back.columns) == list(orig.columns), name


def test_frames_hold_exact_decimals(written: Written) -> None:
    h = written.households
    assert isinstance(h.transactions["amount"].dtype, pd.ArrowDtype)
    values = h.transactions["amount"].iloc[:2000].tolist()
    assert all(isinstance(v, Decimal) and v.as_tuple().exponent == -2 for v in values)
    assert sum(values) == Decimal(int(written.tx["cents"].iloc[:2000].sum())) / 100


def test_parallel_batched_csv_equals_one_batch(
    tmp_path: Path, written: Written, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fincast.synth import files

    whole = tmp_path / "whole.csv"
    files.write_csv(written.households.transactions, whole)
    monkeypatch.setattr(files, "_BATCH_ROWS", 997)
    seen: list[int] = []
    parts = tmp_path / "parts.csv"
    files.write_csv(written.households.transactions, parts, progress=seen.append)
    assert len(seen) > 10 and sum(seen) == len(written.tx)
    assert (
        parts.read_bytes() == whole.read_bytes() == (written.out / "transactions.csv").read_bytes()
    )
