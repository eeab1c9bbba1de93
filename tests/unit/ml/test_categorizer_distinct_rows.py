"""The suggester asks each distinct feature row once: answers equal asking every row alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fincast.ml.categorizer import (
    CORRECTION_WEIGHT,
    CategorySuggester,
    GlobalBridge,
    PayeeMemory,
    TextCategorizer,
    _distinct_rows,
    payee_keys,
)
from fincast.synth import generate_households
from tests.support.frames import model_frame


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, list[str], pd.DataFrame]:
    tx = generate_households(3, 12, seed=11).transactions
    frame = model_frame(tx)
    labels = [str(c) for c in tx["category"]]
    # A file that repeats its payees with amounts, days and accounts that move some rows
    # into other feature bins and leave others in the same one.
    base = frame.sample(60, random_state=3).reset_index(drop=True)
    rng = np.random.default_rng(5)
    copies = []
    for scale, shift_days, account in ((1.0, 0, None), (1.01, 1, None), (30.0, 9, "Card")):
        part = base.copy()
        part["amount"] = part["amount"] * scale
        part["date"] = part["date"] + pd.to_timedelta(shift_days, unit="D")
        if account is not None:
            part["account"] = account
        copies.append(part)
    odd = base.iloc[:5].copy()
    odd["payee"] = [None, "", "QQZX VBNM", None, "ACME"]
    odd["description"] = [None, None, "", "x", None]
    odd["date"] = [pd.NaT, pd.NaT, odd["date"].iloc[2], pd.NaT, odd["date"].iloc[4]]
    copies.append(odd)
    file = pd.concat(copies, ignore_index=True)
    file = file.iloc[rng.permutation(len(file))].reset_index(drop=True)
    return frame, labels, file


def _suggester(frame: pd.DataFrame, labels: list[str]) -> CategorySuggester:
    half = len(frame) // 2
    user = TextCategorizer().fit(frame.iloc[:half], labels[:half])
    other = TextCategorizer().fit(frame.iloc[half:], labels[half:])
    bridge = GlobalBridge.fit(other, frame.iloc[:200], labels[:200])
    keys = payee_keys(frame.iloc[:40])
    memory = PayeeMemory.from_history(keys, labels[:40], [CORRECTION_WEIGHT] * 5 + [1.0] * 35)
    return CategorySuggester(memory=memory, user_model=user, bridge=bridge, threshold=0.4)


def test_answers_are_those_of_asking_every_row_alone(frames) -> None:
    frame, labels, file = frames
    suggester = _suggester(frame, labels)
    _, first = _distinct_rows(file, None)
    assert first.size < len(file)  # the file repeats feature rows: the grouping works
    assert first.size > 60  # and rows in other bins are kept apart
    together = suggester.suggest(file)
    alone = [suggester.suggest(file.iloc[[i]]) for i in range(len(file))]
    assert together.labels == [a.labels[0] for a in alone]
    assert together.layer == [a.layer[0] for a in alone]
    # The same features give the same scores; a frame of one row and one of many may
    # differ in the last bit (BLAS blocks a matrix product by its shape), as they did
    # before rows were grouped: the grouped answers are bitwise those of the whole frame.
    np.testing.assert_allclose(
        together.confidence, [a.confidence[0] for a in alone], rtol=0, atol=1e-12
    )
    whole = suggester._suggest(file, None)
    assert together.labels == whole.labels and together.layer == whole.layer
    assert np.array_equal(together.confidence, whole.confidence)
    assert any(label is not None for label in together.labels)


def test_given_keys_are_part_of_what_makes_rows_alike(frames) -> None:
    frame, labels, file = frames
    suggester = _suggester(frame, labels)
    keys = payee_keys(file)
    keys[0] = "a key only the memory knows"
    suggester.memory.labels[keys[0]] = labels[0]
    suggester.memory.confidence[keys[0]] = 0.99
    out = suggester.suggest(file, keys)
    alone = [suggester.suggest(file.iloc[[i]], [keys[i]]) for i in range(len(file))]
    assert out.labels == [a.labels[0] for a in alone]
    assert out.labels[0] == labels[0] and out.layer[0] == "memory"
    np.testing.assert_allclose(out.confidence, [a.confidence[0] for a in alone], atol=1e-12)
    assert np.array_equal(out.confidence, suggester._suggest(file, keys).confidence)


def test_rows_differing_only_in_amount_bin_day_or_account_are_apart() -> None:
    frame = pd.DataFrame(
        {
            "payee": ["SHOP"] * 5,
            "description": [None] * 5,
            "amount": [-5.0, -5.5, -5000.0, -5.0, -5.0],
            "date": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-02", "2024-01-20", None]),
            "account": ["A", "A", "A", "A", "A"],
        }
    )
    groups, first = _distinct_rows(frame, None)
    # -5.0 and -5.5 on days 2 and 3 share every feature; the rest each differ in one.
    assert groups[0] == groups[1]
    assert len({groups[0], groups[2], groups[3], groups[4]}) == 4
    assert first.size == 4
