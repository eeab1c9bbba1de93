"""How well the categorizer learns a user's categories: time split, baselines, tuning.

The protocol of docs/evaluation.md for classifiers: the earliest 70% of rows (by date, or
file order without dates) train, the latest 30% test. Hyper-parameters are chosen on the
latest fifth of the training rows (by five folds of them when rows have no dates), never on the
test rows. Two baselines run on the same
split: the category of the last identical payee, and a linear SVM on character n-grams.
Accuracy counts an "unknown" as wrong; accuracy on the covered rows is reported beside it,
and so are the scores of the same layers answering every row (``fincast_full_coverage``),
the like-for-like comparison with the baselines, which never abstain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.svm import LinearSVC

from fincast.errors import InputError
from fincast.ml.categorizer import (
    ACCOUNT,
    AMOUNT,
    CLASS_WEIGHT_POWER,
    DATE,
    DEFAULT_THRESHOLD,
    MARGIN_WEIGHT,
    MARGIN_WEIGHT_ON,
    PAYEE,
    CategorySuggester,
    GlobalBridge,
    PayeeMemory,
    TextCategorizer,
    payee_keys,
)

TRAIN_SHARE = 0.7
VALIDATION_SHARE = 0.2
#: Folds of the training rows that validate in turn when rows have no dates.
VALIDATION_FOLDS = 5
C_GRID: tuple[float, ...] = (2.0, 10.0, 50.0, 200.0)
ROW_WEIGHT_GRID: tuple[float, ...] = (0.25, 0.75)
#: 0.5 keeps the common categories' accuracy, 1 balances the classes (macro-F1).
CLASS_WEIGHT_POWER_GRID: tuple[float, ...] = (0.5, 1.0)
#: Without and with the margin (SVM) layer: it sharpens the rare categories' scores, but on
#: some data its confidences abstain more at the threshold, so the validation rows decide.
MARGIN_WEIGHT_GRID: tuple[float, ...] = (MARGIN_WEIGHT, MARGIN_WEIGHT_ON)
MEMORY_THRESHOLD_GRID: tuple[float, ...] = (0.6, 0.7, 0.8, 0.9, 1.0)
SPLIT_SEED = 0


@dataclass(frozen=True)
class Split:
    """Row positions of the earliest ``share`` of rows and of the rest."""

    train: npt.NDArray[np.int64]
    test: npt.NDArray[np.int64]


def time_split(frame: pd.DataFrame, share: float = TRAIN_SHARE) -> Split:
    """The earliest ``share`` of rows by ``date`` (stable).

    Without dates (a merchant list, sorted by category) there is no time to split by: the
    rows are shuffled with the fixed seed SPLIT_SEED instead.
    """
    n = len(frame)
    if DATE in frame.columns and frame[DATE].notna().any():
        dates = pd.to_datetime(frame[DATE], errors="coerce")
        order = np.argsort(dates.fillna(dates.max()).to_numpy(), kind="stable")
    else:
        order = np.random.default_rng(SPLIT_SEED).permutation(n)
    cut = round(n * share)
    return Split(np.sort(order[:cut]), np.sort(order[cut:]))


def scores(truth: list[str], predicted: list[str | None]) -> dict[str, float]:
    """Accuracy (unknown = wrong), macro-F1 over the true labels, coverage, covered accuracy."""
    if not truth:
        raise InputError("no rows to score")
    pred = ["\0unknown" if p is None else p for p in predicted]
    right = np.array([t == p for t, p in zip(truth, pred, strict=True)])
    covered = np.array([p is not None for p in predicted])
    labels = sorted(set(truth))
    return {
        "accuracy": round(float(right.mean()), 4),
        "macro_f1": round(float(f1_score(truth, pred, labels=labels, average="macro")), 4),
        "coverage": round(float(covered.mean()), 4),
        "accuracy_covered": round(float(right[covered].mean()), 4) if covered.any() else 0.0,
    }


def last_payee_baseline(
    train: pd.DataFrame, train_y: list[str], test: pd.DataFrame
) -> list[str | None]:
    """The category of the latest training row with the identical payee text; else unknown."""
    keys = train[PAYEE].fillna("").astype(str).str.strip().str.lower()
    if DATE in train.columns:
        order = np.argsort(pd.to_datetime(train[DATE], errors="coerce").to_numpy(), kind="stable")
    else:
        order = np.arange(len(train))
    last = dict(zip(keys.iloc[order], np.asarray(train_y, dtype=object)[order], strict=True))
    test_keys = test[PAYEE].fillna("").astype(str).str.strip().str.lower()
    return [last.get(k) for k in test_keys]


def svm_baseline(train: pd.DataFrame, train_y: list[str], test: pd.DataFrame) -> list[str | None]:
    """A linear SVM on TF-IDF character 2-5-grams of the payee text (smart_importer's model)."""
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True)
    x_train = vec.fit_transform(train[PAYEE].fillna("").astype(str))
    if len(set(train_y)) < 2:
        return [train_y[0]] * len(test)
    model = LinearSVC(C=1.0).fit(x_train, train_y)
    return [str(v) for v in model.predict(vec.transform(test[PAYEE].fillna("").astype(str)))]


def fit_suggester(
    frame: pd.DataFrame,
    labels: list[str],
    *,
    C: float,
    row_weight: float,
    memory_threshold: float = 0.75,
    class_weight_power: float = CLASS_WEIGHT_POWER,
    margin_weight: float = MARGIN_WEIGHT,
    weights: npt.NDArray[np.float64] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    global_model: TextCategorizer | None = None,
    identity: dict[str, str] | None = None,
) -> CategorySuggester:
    """The served layers (payee memory, user model, bridged global model) for one user."""
    keys = payee_keys(frame)
    order = (
        list(pd.to_datetime(frame[DATE], errors="coerce").fillna(pd.Timestamp.min))
        if DATE in frame
        else None
    )
    memory = PayeeMemory.from_history(keys, labels, weights, order)
    user_model = None
    if len(set(labels)) >= 2:
        user_model = TextCategorizer(
            C=C,
            row_weight=row_weight,
            class_weight_power=class_weight_power,
            margin_weight=margin_weight,
        ).fit(frame, labels, sample_weight=weights)
    bridge = None
    if global_model is not None:
        bridge = GlobalBridge.fit(global_model, frame, labels, identity)
    return CategorySuggester(
        memory=memory,
        user_model=user_model,
        bridge=bridge,
        threshold=threshold,
        memory_threshold=memory_threshold,
    )


def validation_folds(frame: pd.DataFrame) -> list[Split]:
    """Where :func:`tune` fits and validates inside the training rows ``frame``.

    Dated rows: the latest fifth validates (a user's model always predicts the future).
    Undated rows (shuffled): each of VALIDATION_FOLDS seeded folds validates once, so every
    training row is scored once; a single fifth of a few hundred rows is too few to choose
    between settings that differ by a row or two.
    """
    if DATE in frame.columns and frame[DATE].notna().any():
        return [time_split(frame, 1.0 - VALIDATION_SHARE)]
    order = np.random.default_rng(SPLIT_SEED + 1).permutation(len(frame))
    folds = [np.sort(part) for part in np.array_split(order, VALIDATION_FOLDS) if part.size]
    return [
        Split(np.sort(np.concatenate([f for j, f in enumerate(folds) if j != i])), held)
        for i, held in enumerate(folds)
    ]


def has_row_features(frame: pd.DataFrame) -> bool:
    """Whether amount, date or account vary across ``frame`` (else their weight is moot)."""
    return any(
        col in frame.columns and frame[col].nunique(dropna=False) > 1
        for col in (AMOUNT, DATE, ACCOUNT)
    )


def tune(
    frame: pd.DataFrame,
    labels: list[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    global_model: TextCategorizer | None = None,
) -> dict[str, float]:
    """The C, row weight, class weighting, margin layer and memory threshold best on validation.

    Only the training rows ``frame`` take part (:func:`validation_folds`); the scores of the
    validation rows of every fold are pooled. Best is the highest accuracy, then the highest
    macro-F1. Without varying amounts, dates or accounts the row weight is not searched.
    """
    y = np.asarray(labels, dtype=object)
    folds = [f for f in validation_folds(frame) if len(set(y[f.train])) >= 2 and f.test.size]
    if not folds:
        return {
            "C": C_GRID[1],
            "row_weight": ROW_WEIGHT_GRID[0],
            "memory_threshold": 0.75,
            "class_weight_power": CLASS_WEIGHT_POWER,
            "margin_weight": MARGIN_WEIGHT,
        }
    truth = [str(v) for f in folds for v in y[f.test]]
    row_weights = ROW_WEIGHT_GRID if has_row_features(frame) else ROW_WEIGHT_GRID[:1]
    best: tuple[tuple[float, float], dict[str, float]] | None = None
    grid = [
        (c, rw, cwp, mw)
        for mw in MARGIN_WEIGHT_GRID
        for c in C_GRID
        for rw in row_weights
        for cwp in CLASS_WEIGHT_POWER_GRID
    ]
    for c, rw, cwp, mw in grid:
        fitted = [
            (
                fit_suggester(
                    frame.iloc[f.train],
                    [str(v) for v in y[f.train]],
                    C=c,
                    row_weight=rw,
                    class_weight_power=cwp,
                    margin_weight=mw,
                    threshold=threshold,
                    global_model=global_model,
                ),
                frame.iloc[f.test],
            )
            for f in folds
        ]
        for mt in MEMORY_THRESHOLD_GRID:
            predicted: list[str | None] = []
            for suggester, held in fitted:
                suggester.memory_threshold = mt
                predicted += suggester.suggest(held).labels
            got = scores(truth, predicted)
            # Accuracy first; among equally accurate settings the one that gets more
            # of the rare categories right (validation sets are small: ties are common).
            # On a full tie the earlier setting stays: the model without the margin layer.
            key = (got["accuracy"], got["macro_f1"])
            if best is None or key > best[0]:
                best = (
                    key,
                    {
                        "C": c,
                        "row_weight": rw,
                        "memory_threshold": mt,
                        "class_weight_power": cwp,
                        "margin_weight": mw,
                    },
                )
    assert best is not None
    return best[1]


def evaluate_categorizer(
    frame: pd.DataFrame,
    labels: list[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    global_model: TextCategorizer | None = None,
) -> dict[str, Any]:
    """Scores of fincast's categorizer and both baselines on the time split of ``frame``.

    ``frame`` has the categorizer's columns (at least ``payee``); ``labels`` one per row.
    ``global_model`` (trained on other data) is bridged to the labels of the training rows.
    """
    if len(frame) != len(labels):
        raise InputError(f"{len(frame)} rows but {len(labels)} labels")
    frame = frame.reset_index(drop=True)
    split = time_split(frame)
    if split.train.size < 2 or split.test.size < 1:
        raise InputError(f"{len(frame)} rows are too few for a 70/30 split")
    train, test = frame.iloc[split.train], frame.iloc[split.test]
    train_y = [labels[i] for i in split.train]
    test_y = [labels[i] for i in split.test]
    params = tune(train, train_y, threshold=threshold, global_model=global_model)
    suggester = fit_suggester(
        train,
        train_y,
        C=params["C"],
        row_weight=params["row_weight"],
        memory_threshold=params["memory_threshold"],
        class_weight_power=params["class_weight_power"],
        margin_weight=params["margin_weight"],
        threshold=threshold,
        global_model=global_model,
    )
    suggestions = suggester.suggest(test)
    # The same layers answering every row (no "unknown"), as the baselines do.
    suggester.threshold = 0.0
    full = suggester.suggest(test)
    suggester.threshold = threshold
    return {
        "fincast": scores(test_y, suggestions.labels),
        "fincast_full_coverage": scores(test_y, full.labels),
        "baselines": {
            "last_identical_payee": scores(test_y, last_payee_baseline(train, train_y, test)),
            "linear_svm_char_ngrams": scores(test_y, svm_baseline(train, train_y, test)),
        },
        "rows": {"train": int(split.train.size), "test": int(split.test.size)},
        "classes": len(set(labels)),
        "threshold": threshold,
        "chosen": params,
        "global_model": global_model is not None,
    }
