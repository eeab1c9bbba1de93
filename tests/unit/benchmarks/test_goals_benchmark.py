"""The goal benchmark's cuts and summary, on hand-made rows (the full run is a command)."""

from __future__ import annotations

import pandas as pd
import pytest

from fincast.benchmarks.goals import _cuts, summarize


def test_cuts_leave_the_shortest_goal_ahead() -> None:
    cuts = _cuts(51, (6, 24), 4)
    assert cuts[:4] == [(6, 6), (6, 20), (6, 34), (6, 48)]
    assert all(end + 3 <= 51 and end >= length for length, end in cuts)
    assert _cuts(20, (24,), 4) == []  # too short for any history of 24 months


def test_summary_brier_against_the_base_rate() -> None:
    rows = pd.DataFrame(
        {
            "question": ["goal within 12 months"] * 4,
            "history": [6, 6, 12, 12],
            "months": [3, 3, 6, 6],
            "p": [0.9, 0.2, 0.5, 0.5],
            "outcome": [1.0, 0.0, 1.0, 0.0],
        }
    )
    s = summarize(rows)
    six = s.loc[("goal within 12 months", 6)]
    assert six["n"] == 2 and six["brier"] == pytest.approx((0.01 + 0.04) / 2)
    assert six["base_rate_brier"] == pytest.approx(0.25)
    every = s.loc[("goal within 12 months", "all")]
    assert every["n"] == 4 and every["rate"] == 0.5
    assert s.loc[("goal within 12 months", "6 months ahead")]["brier"] == pytest.approx(0.25)
