"""Peer segments, targets and the profile answers: real values, edge cases, invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fincast.errors import InputError
from fincast.insights import peers as P
from fincast.insights import profile as R
from fincast.synth import generate_households


@pytest.fixture(scope="module")
def model() -> P.PeerModel:
    synth = generate_households(160, 6, seed=99)
    return P.fit_segments(P.population_from_monthly(synth.monthly), n_segments=4)


def test_fields_from_categories_maps_and_sums() -> None:
    out = P.fields_from_categories(
        {"housing": 1000, "dining": 80, "shopping": 50, "travel": 25, "subscriptions": 15}
    )
    assert out["rent"] == 1000 and out["eating_out"] == 80
    assert out["miscellaneous"] == 75 and out["entertainment"] == 15
    assert sum(out.values()) == 1170


def test_population_from_dataset_reads_shares() -> None:
    frame = pd.DataFrame(
        {"Income": [1000.0, 0.0], "Dependents": [2, 1]}
        | {c: [100.0, 5.0] for c in P.DATASET_COLUMNS.values()}
    )
    pop = P.population_from_dataset(frame)
    assert len(pop.income) == 1  # the row without income is left out
    assert pop.savings_rate[0] == pytest.approx(1 - 11 * 0.1)
    with pytest.raises(InputError, match="Rent"):
        P.population_from_dataset(frame.drop(columns=["Rent"]))


def test_model_round_trips_through_arrays(model: P.PeerModel) -> None:
    again = P.PeerModel.from_arrays(model.to_arrays())
    shares = model.population.shares[0]
    assert again.segment(0.5, shares) == model.segment(0.5, shares)
    assert again.sources == ["synthetic"]


def test_targets_cut_the_overspent_category_to_what_peers_spend(model: P.PeerModel) -> None:
    spending = {"rent": 1200.0, "groceries": 400.0, "eating_out": 900.0, "utilities": 150.0}
    r = P.recommend(model, 4000.0, spending)
    eating = next(t for t in r.targets if t.field == "eating_out")
    assert eating.target < 900.0
    assert eating.target <= eating.peer_median + 0.01
    assert r.total_target + r.target_savings_rate * 4000 <= 4000.01
    assert r.peers >= P.MIN_PEERS or "top quarter" in r.peer_rule


def test_a_loan_repayment_is_kept_as_due_and_unchanged_lines_keep_their_cents(
    model: P.PeerModel,
) -> None:
    spending = {"rent": 1200.0, "loan_repayment": 349.42, "insurance": 128.1, "eating_out": 900.0}
    r = P.recommend(model, 4000.0, spending)
    by_field = {t.field: t for t in r.targets}
    # peers without a loan pay nothing: no target for someone who owes 349.42 a month
    assert by_field["loan_repayment"].target == 349.42
    assert "repayment you owe" in by_field["loan_repayment"].reason
    for t in r.targets:  # a line left alone keeps its cents (not 128.09 for 128.10)
        assert t.target == t.current or t.target <= t.current - 0.01 + 1e-9, t


def test_no_income_and_bad_fields_are_refused(model: P.PeerModel) -> None:
    with pytest.raises(InputError, match="income"):
        P.recommend(model, 0.0, {"rent": 100.0})
    with pytest.raises(InputError, match="pets"):
        P.recommend(model, 1000.0, {"pets": 10.0})
    with pytest.raises(InputError, match="rent"):
        P.recommend(model, 1000.0, {"rent": -1.0})


@settings(max_examples=40, deadline=None)
@given(
    income=st.floats(100, 50_000),
    amounts=st.lists(st.floats(0, 30_000), min_size=11, max_size=11),
)
def test_targets_never_exceed_income_or_current(
    model: P.PeerModel, income: float, amounts: list[float]
) -> None:
    spending = dict(zip(P.PEER_FIELDS, amounts, strict=True))
    r = P.recommend(model, income, spending)
    assert r.total_target <= income + 1e-6
    assert r.total_target + r.target_savings_rate * income <= income + 0.01 * 11
    for t in r.targets:
        assert 0 <= t.target <= t.current + 0.01


PROFILE = dict(
    income=44637.25, age=49, dependents=0, occupation="Self_Employed", city_tier="Tier_1",
    rent=13391.17, loan_repayment=0.0, insurance=2206.49, groceries=6658.77, transport=2636.97,
    eating_out=1651.8, entertainment=1536.18, utilities=2911.79, healthcare=1546.91,
    education=0.0, miscellaneous=831.53, desired_savings_percentage=13.89,
)  # fmt: skip


def test_profile_figures_match_the_dataset_row(model: P.PeerModel) -> None:
    p = R.Profile(**PROFILE)  # type: ignore[arg-type]
    assert p.disposable_income == pytest.approx(11265.64, abs=0.01)  # dataset: 11265.63
    assert p.desired_savings == pytest.approx(6200.11, abs=0.01)
    ref = R.reference(model.population, "synthetic")
    body = R.answers(p, ref, None)
    assert body["overspending"]["status"] == "on_track"
    h = body["health"]
    # savings 25.2% -> 25; rent 30.0% -> 25 (just within); no loans -> 25; target met -> 25
    assert [c["points"] for c in h["components"]] == [25.0, 25.0, 25.0, 25.0]
    assert (h["score"], h["tier"]) == (100.0, "Healthy")


def test_profile_health_tiers_and_edges() -> None:
    base = R.Profile(**PROFILE)  # type: ignore[arg-type]
    tight = R.Profile(**{**PROFILE, "income": 33371.61 + 0.0, "rent": 13391.17})  # type: ignore[arg-type]
    assert tight.disposable_income == pytest.approx(0.0, abs=1e-6)
    h = R.health(tight)
    assert h["components"][0]["points"] == 0.0  # no savings
    assert h["components"][1]["points"] == pytest.approx(
        25 * (0.5 - 13391.17 / 33371.61) / 0.2, abs=0.1
    )
    assert h["tier"] in {"Coping", "Vulnerable"}
    assert R.tier(80) == "Healthy" and R.tier(79.9) == "Coping" and R.tier(39.9) == "Vulnerable"
    none = R.health(R.Profile(**{**PROFILE, "income": 0.0}))  # type: ignore[arg-type]
    assert none["score"] is None and none["tier"] == "not enough data"
    no_target = R.health(R.Profile(**{**PROFILE, "desired_savings_percentage": 0}))  # type: ignore[arg-type]
    assert no_target["components"][3]["points"] == 0.0
    assert base.total_expense == pytest.approx(33371.61, abs=0.01)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"income": -1.0}, "income"),
        ({"city_tier": "Tier_9"}, "city_tier"),
        ({"occupation": "Pilot"}, "occupation"),
        ({"groceries": float("nan")}, "groceries"),
        ({"desired_savings_percentage": 120}, "desired_savings_percentage"),
    ],
)
def test_profile_refuses_bad_fields(change: dict[str, object], field: str) -> None:
    with pytest.raises(InputError, match=field):
        R.Profile(**{**PROFILE, **change})  # type: ignore[arg-type]


def test_unusualness_ranks_a_strange_profile_higher(model: P.PeerModel) -> None:
    ref = R.reference(model.population, "synthetic")
    mean_profile = {f: float(ref.mean[i] * 5000) for i, f in enumerate(P.PEER_FIELDS)}
    usual = R.Profile(**{**PROFILE, "income": 5000.0, **mean_profile})  # type: ignore[arg-type]
    odd = R.Profile(**{**PROFILE, "income": 5000.0, **mean_profile, "education": 3000.0})  # type: ignore[arg-type]
    u, o = R.unusualness(usual, ref), R.unusualness(odd, ref)
    assert u["distance"] == pytest.approx(0.0, abs=1e-6) and u["label"] == "typical"
    assert o["percentile"] > u["percentile"] and o["label"] == "unusual"
    assert o["furthest"][0]["field"] == "education"
    assert np.isfinite(o["distance"])


def test_a_vanishing_income_gets_targets_not_an_overflow(model: P.PeerModel) -> None:
    # Found by the schema fuzzer: an income of 1e-271 made the shares so large that their
    # squared distances to the segment centres overflowed (a warning, then a 500).
    spending = {"rent": 1200.0, "groceries": 400.0}
    with np.errstate(all="raise"):
        r = P.recommend(model, 1e-271, spending)
    assert 0 <= r.segment < len(model.centers)
    assert all(t.target <= 1e-271 + 1e-9 for t in r.targets)
