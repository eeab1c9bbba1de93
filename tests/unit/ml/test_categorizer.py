"""The learned categorizer as a pure library: fit, calibrate, serialise, layer, evaluate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fincast.errors import InputError, ModelFileError
from fincast.ml.categorizer import (
    CORRECTION_WEIGHT,
    CategorySuggester,
    GlobalBridge,
    PayeeMemory,
    TextCategorizer,
    _class_weights,
    payee_keys,
)
from fincast.ml.categorizer_eval import (
    VALIDATION_FOLDS,
    evaluate_categorizer,
    scores,
    time_split,
    validation_folds,
)
from fincast.synth import generate_households
from tests.support.frames import model_frame


@pytest.fixture(scope="module")
def households() -> tuple[pd.DataFrame, list[str]]:
    tx = generate_households(4, 18, seed=7).transactions
    frame = model_frame(tx)
    return frame, [str(c) for c in tx["category"]]


@pytest.fixture(scope="module")
def fitted(
    households: tuple[pd.DataFrame, list[str]],
) -> tuple[TextCategorizer, pd.DataFrame, list[str]]:
    frame, labels = households
    split = time_split(frame)
    model = TextCategorizer().fit(frame.iloc[split.train], [labels[i] for i in split.train])
    return model, frame.iloc[split.test], [labels[i] for i in split.test]


def test_learns_synthetic_households_and_its_confidence_is_calibrated(fitted) -> None:
    model, test, truth = fitted
    proba = model.predict_proba(test)
    predicted = model.predict(test)
    right = predicted == np.asarray(truth)
    assert right.mean() > 0.9
    assert np.allclose(proba.sum(axis=1), 1.0)
    conf = model.confidence(proba)
    assert ((conf >= 0) & (conf <= 1)).all()
    # Calibrated: the mean confidence is close to the share that is right.
    assert abs(conf.mean() - right.mean()) < 0.08
    # and confident answers are right more often than unsure ones
    assert right[conf >= 0.9].mean() > right[conf < 0.9].mean()


def test_round_trips_through_plain_arrays(fitted) -> None:
    model, test, _ = fitted
    arrays = model.to_arrays()
    assert all(np.asarray(a).dtype != object for a in arrays.values())
    again = TextCategorizer.from_arrays(arrays)
    np.testing.assert_allclose(again.predict_proba(test), model.predict_proba(test), rtol=1e-5)
    assert list(again.classes_) == list(model.classes_)
    # Only the hash buckets the training rows use are stored, not 2**19 columns per class.
    assert arrays["coef"].shape[1] == arrays["columns"].size < 60_000


def test_a_damaged_payload_is_refused(fitted) -> None:
    model, _, _ = fitted
    arrays = dict(model.to_arrays())
    arrays["coef"] = arrays["coef"][:, :-1]
    with pytest.raises(ModelFileError, match="do not fit"):
        TextCategorizer.from_arrays(arrays)
    with pytest.raises(ModelFileError):
        TextCategorizer.from_arrays(
            {k: v for k, v in model.to_arrays().items() if k != "idf_values"}
        )


def test_fit_refuses_missing_or_mismatched_labels() -> None:
    frame = pd.DataFrame({"payee": ["a", "b"]})
    with pytest.raises(InputError, match="2 rows but 1 labels"):
        TextCategorizer().fit(frame, ["x"])
    with pytest.raises(InputError, match="missing"):
        TextCategorizer().fit(frame, ["x", None])


def test_memory_follows_the_latest_label_and_corrections_outrank_others() -> None:
    keys = ["netflix", "netflix", "netflix", "shop", "cafe", "cafe", "cafe", "deli"]
    labels = ["movies", "movies", "tv", "a", "dining", "dining", "dining", "food"]
    weights = [1, 1, 1, 1, 1, 1, 1, CORRECTION_WEIGHT]
    memory = PayeeMemory.from_history(keys, labels, weights, order=list(range(8)))
    got, conf = memory.lookup(["netflix", "shop", "cafe", "deli", "unseen"])
    assert got == ["tv", "a", "dining", "food", None]
    assert conf == pytest.approx([2 / 3, 2 / 3, 4 / 5, 6 / 7, 0.0])
    # a hand correction stays the answer even when an import later says otherwise
    later = PayeeMemory.from_history(
        ["deli", "deli"], ["food", "other"], [CORRECTION_WEIGHT, 1.0], order=[1, 2]
    )
    assert later.lookup(["deli"])[0] == ["food"]


def test_suggester_layers_and_unknown_below_the_threshold(fitted) -> None:
    model, test, _ = fitted
    keys = payee_keys(test)
    memory = PayeeMemory.from_history([keys[0]], ["my-label"], [CORRECTION_WEIGHT])
    suggester = CategorySuggester(memory=memory, user_model=model, threshold=0.5)
    out = suggester.suggest(test)
    assert out.labels[0] == "my-label" and out.layer[0] == "memory"
    # every answer is at or above the threshold; the rest are unknown, never a guess
    for label, conf, layer in zip(out.labels, out.confidence, out.layer, strict=True):
        assert (label is None) == (layer == "none")
        assert label is None or conf >= 0.5
    nonsense = pd.DataFrame({"payee": ["QQZX VBNM"], "amount": [-3.0]})
    strict = CategorySuggester(user_model=model, threshold=0.999)
    assert strict.suggest(nonsense).labels == [None]


def test_global_bridge_reads_slugs_as_the_users_labels(fitted) -> None:
    model, test, truth = fitted
    identity = {str(slug): f"cat-{slug}" for slug in model.classes_}
    bridge = GlobalBridge.fit(model, identity=identity)
    suggester = CategorySuggester(bridge=bridge, threshold=0.0, min_global_support=0.0)
    out = suggester.suggest(test)
    mapped = [f"cat-{t}" for t in truth]
    assert np.mean([a == b for a, b in zip(out.labels, mapped, strict=True)]) > 0.9
    # a payee spelled like nothing the global model saw gets no answer from it
    alien = pd.DataFrame({"payee": ["XQJZV WQPK"], "amount": [-12.0]})
    assert CategorySuggester(bridge=bridge, threshold=0.0).suggest(alien).labels == [None]


def test_scores_count_unknown_as_wrong() -> None:
    s = scores(["a", "a", "b", "b"], ["a", None, "b", "a"])
    assert s["accuracy"] == 0.5
    assert s["coverage"] == 0.75
    assert s["accuracy_covered"] == pytest.approx(0.6667, abs=1e-4)
    assert s["macro_f1"] == pytest.approx(0.5833, abs=1e-4)  # a: P 1/2 R 1/2; b: P 1 R 1/2


def test_time_split_trains_on_the_earliest_rows() -> None:
    frame = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-01-01", "2024-02-01"] * 10)})
    split = time_split(frame)
    assert frame["date"].iloc[split.train].max() <= frame["date"].iloc[split.test].min()
    assert split.train.size == 21 and split.test.size == 9


def test_evaluation_beats_both_baselines_on_a_household(households) -> None:
    frame, labels = households
    # the household's own payees, with the bank's boilerplate around them
    noisy = frame.assign(
        payee=[
            f"CARD PURCHASE {d:%d.%m} {p.upper()} #{i % 97:04d}"
            for i, (d, p) in enumerate(zip(frame["date"], frame["payee"], strict=True))
        ]
    )
    result = evaluate_categorizer(noisy, labels)
    ours = result["fincast"]
    assert set(ours) == {"accuracy", "macro_f1", "coverage", "accuracy_covered"}
    for baseline in result["baselines"].values():
        assert ours["accuracy"] > baseline["accuracy"]
    assert result["rows"]["train"] + result["rows"]["test"] == len(frame)


def test_unseen_ngrams_do_not_dilute_what_the_model_knows() -> None:
    frame = pd.DataFrame({"payee": ["netflix", "spotify", "shell", "esso"] * 10})
    labels = ["media", "media", "fuel", "fuel"] * 10
    model = TextCategorizer(calibrate=False).fit(frame, labels)
    known = pd.DataFrame({"payee": ["netflix"]})
    padded = pd.DataFrame({"payee": ["netflix qqzzxv wwkkjj"]})
    # The made-up words share no n-gram with the training rows: they cannot change the answer
    # nor pull it toward the priors (they used to, through the vector's length).
    np.testing.assert_allclose(model.predict_proba(padded), model.predict_proba(known))
    assert model.predict(padded)[0] == "media"
    assert model.predict_proba(known)[0, list(model.classes_).index("media")] > 0.9


def test_char_ngram_length_is_a_parameter_and_old_files_keep_four(fitted) -> None:
    import json

    model, test, _ = fitted
    assert model.char_max_n == 5
    arrays = dict(model.to_arrays())
    state = json.loads(bytes(arrays["state_json"]))
    del state["params"]["char_max_n"]  # a file written before the parameter existed
    arrays["state_json"] = np.frombuffer(json.dumps(state).encode(), dtype=np.uint8)
    assert TextCategorizer.from_arrays(arrays).char_max_n == 4
    with pytest.raises(InputError, match="char_max_n"):
        TextCategorizer(char_max_n=9).fit(
            test, ["a", "b"] * (len(test) // 2) + ["a"] * (len(test) % 2)
        )


def test_evaluation_reports_full_coverage_beside_the_threshold(households) -> None:
    frame, labels = households
    result = evaluate_categorizer(frame, labels, threshold=0.999)
    at_threshold, full = result["fincast"], result["fincast_full_coverage"]
    assert full["coverage"] == 1.0
    assert at_threshold["coverage"] < 1.0  # so sure an answer is not always there
    assert full["accuracy"] >= at_threshold["accuracy"]
    assert at_threshold["accuracy_covered"] >= full["accuracy"] - 1e-9


def test_class_weights_let_a_rare_category_be_predicted() -> None:
    words = [
        "north",
        "south",
        "east",
        "west",
        "fresh",
        "corner",
        "city",
        "green",
        "blue",
        "royal",
        "prime",
        "super",
    ]
    payees = [f"{a} market {b}" for a in words for b in words[:5]]  # 60 grocery rows
    labels = ["food"] * len(payees)
    payees += ["pet market", "pet supplies"]
    labels += ["pets", "pets"]
    frame = pd.DataFrame({"payee": payees})
    new = pd.DataFrame({"payee": ["pet corner"]})
    # The logistic layer alone: the margin layer has its own test.
    plain = TextCategorizer(calibrate=False, class_weight_power=0.0, margin_weight=0.0).fit(
        frame, labels
    )
    weighted = TextCategorizer(calibrate=False, margin_weight=0.0).fit(frame, labels)
    assert weighted.class_weight_power == 0.5
    # "corner" is a grocery word 5 times over; "pet" only twice, in the rare category
    assert plain.predict(new)[0] == "food"
    assert weighted.predict(new)[0] == "pets"
    # and the common category's own rows stay where they were
    assert (weighted.predict(frame) == np.asarray(labels)).all()


def test_class_weight_factors_and_their_validation() -> None:
    factor = _class_weights(np.array([0, 0, 0, 0, 1]), 2, 0.5)
    assert factor.mean() == pytest.approx(1.0)
    assert factor[4] / factor[0] == pytest.approx(2.0)  # (4 / 1) ** 0.5
    np.testing.assert_allclose(_class_weights(np.array([0, 0, 1]), 2, 0.0), 1.0)
    frame = pd.DataFrame({"payee": ["a", "b"]})
    with pytest.raises(InputError, match="class_weight_power"):
        TextCategorizer(class_weight_power=2.0).fit(frame, ["x", "y"])
    with pytest.raises(InputError, match="sample_weight"):
        TextCategorizer().fit(frame, ["x", "y"], sample_weight=[1.0, -1.0])


def test_files_without_class_weights_or_margin_load_as_such(fitted) -> None:
    import json

    model, test, _ = fitted
    arrays = dict(model.to_arrays())
    state = json.loads(bytes(arrays["state_json"]))
    assert state["params"]["class_weight_power"] == 0.5
    assert state["params"]["margin_weight"] == 0.0
    del state["params"]["class_weight_power"], state["params"]["margin_weight"]
    arrays["state_json"] = np.frombuffer(json.dumps(state).encode(), dtype=np.uint8)
    again = TextCategorizer.from_arrays(arrays)
    assert again.class_weight_power == 0.0
    assert again.margin_weight == 0.0  # files from before the margin layer had none
    combined = TextCategorizer(margin_weight=5.0).fit(*_rare_pets())
    assert TextCategorizer.from_arrays(combined.to_arrays()).margin_weight == 5.0
    np.testing.assert_allclose(again.predict_proba(test), model.predict_proba(test), rtol=1e-5)


def test_validation_folds_stay_inside_the_training_rows() -> None:
    undated = pd.DataFrame({"payee": [f"p{i}" for i in range(23)]})
    folds = validation_folds(undated)
    assert len(folds) == VALIDATION_FOLDS
    held = np.concatenate([f.test for f in folds])
    assert sorted(held) == list(range(23))  # every row validates exactly once
    for f in folds:
        assert not set(f.train) & set(f.test)
        assert f.train.size + f.test.size == 23
    dated = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=20, freq="D")})
    (only,) = validation_folds(dated)
    assert list(only.test) == [16, 17, 18, 19]  # the latest fifth


def _rare_pets() -> tuple[pd.DataFrame, list[str]]:
    words = ["north", "south", "east", "west", "fresh", "corner", "city", "green", "blue"]
    payees = [f"{a} market {b}" for a in words for b in words[:5]]
    labels = ["food"] * len(payees)
    payees += ["pet market", "pet supplies"]
    labels += ["pets", "pets"]
    return pd.DataFrame({"payee": payees}), labels


def test_the_margin_layer_lets_a_rare_category_be_predicted_without_class_weights() -> None:
    frame, labels = _rare_pets()
    new = pd.DataFrame({"payee": ["pet corner"]})
    kw = {"calibrate": False, "class_weight_power": 0.0}
    logistic = TextCategorizer(**kw).fit(frame, labels)
    combined = TextCategorizer(margin_weight=5.0, **kw).fit(frame, labels)
    assert logistic.margin_weight == 0.0  # off by default (the validation rows chose so)
    # The logistic loss hedges towards the 45 grocery rows; the hinge loss fits the two
    # pet rows with a margin, and its scores decide.
    assert logistic.predict(new)[0] == "food"
    assert combined.predict(new)[0] == "pets"
    assert (combined.predict(frame) == np.asarray(labels)).all()


def test_the_combined_model_is_the_sum_of_its_two_linear_layers() -> None:
    frame, labels = _rare_pets()
    frame = frame.assign(payee=frame["payee"] + np.where(np.arange(len(frame)) % 3, "", " shop"))
    labels = [v if i % 7 else "home" for i, v in enumerate(labels)]  # three classes
    kw = {"calibrate": False, "class_weight_power": 0.0}
    logistic = TextCategorizer(margin_weight=0.0, **kw).fit(frame, labels)
    half = TextCategorizer(margin_weight=1.0, **kw).fit(frame, labels)
    full = TextCategorizer(margin_weight=2.0, **kw).fit(frame, labels)
    # Scores are linear in the margin weight: the SVM's share doubles from 1 to 2.
    s0, s1, s2 = (m.decision_function(frame) for m in (logistic, half, full))
    np.testing.assert_allclose(s2 - s0, 2 * (s1 - s0), rtol=1e-4, atol=1e-4)
    assert np.abs(s1 - s0).max() > 0.1
    # One coefficient matrix: it round-trips through the plain arrays of a model file.
    again = TextCategorizer.from_arrays(full.to_arrays())
    np.testing.assert_allclose(again.decision_function(frame), s2, rtol=1e-5, atol=1e-5)
    assert again.margin_weight == 2.0


def test_margin_parameters_are_validated() -> None:
    frame = pd.DataFrame({"payee": ["a", "b"]})
    with pytest.raises(InputError, match="margin_weight"):
        TextCategorizer(margin_weight=-1.0).fit(frame, ["x", "y"])
    with pytest.raises(InputError, match="margin_C"):
        TextCategorizer(margin_C=0.0).fit(frame, ["x", "y"])


def test_tuning_searches_the_margin_layer_and_keeps_the_simpler_model_on_a_tie() -> None:
    from fincast.ml.categorizer_eval import has_row_features, tune

    frame = pd.DataFrame({"payee": ["netflix", "spotify", "shell", "esso"] * 10})
    labels = ["media", "media", "fuel", "fuel"] * 10
    assert not has_row_features(frame)  # no amounts, dates or accounts: row weight not searched
    assert has_row_features(frame.assign(amount=np.arange(len(frame), dtype=float)))
    # Every setting gets every validation row right: the first of the grid stays.
    assert tune(frame, labels) == {
        "C": 2.0,
        "row_weight": 0.25,
        "memory_threshold": 0.6,
        "class_weight_power": 0.5,
        "margin_weight": 0.0,
    }
