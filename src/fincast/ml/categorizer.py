"""Learned transaction categories: a linear model over payee n-grams, amount, day and account.

Pure library: a frame of transactions in, labels and confidences out. Three layers serve a
user, strongest first (:class:`CategorySuggester`):

1. :class:`PayeeMemory` - the category the user gave this exact (extracted) payee last.
2. :class:`TextCategorizer` fitted on the user's own categorized transactions, or
3. a global :class:`TextCategorizer` fitted on synthetic households and merchant data, read
   as the user's categories (:class:`GlobalBridge`) - whichever of 2 and 3 is surer.

Below ``threshold`` the answer is "unknown" (``None``) rather than a guess.

Features are stateless (:class:`~sklearn.feature_extraction.text.HashingVectorizer`), so a
fitted model is its coefficient arrays and a few numbers: :meth:`TextCategorizer.to_arrays`
gives plain arrays for the signed model-file format, never a pickle. Predictions compute the
text part once per distinct (payee, description): bank files repeat a few thousand payees.

Input frames have the columns of :data:`FEATURE_COLUMNS`; ``payee`` is the bank's text
(:func:`~fincast.ingest.payee.extract_payee` strips the boilerplate here), ``amount`` is
signed (negative = money out), ``date`` may be missing (NaT) and ``account`` is a name.
"""

from __future__ import annotations

import json
import re
import unicodedata
import warnings
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from fincast.errors import InputError, ModelFileError
from fincast.ingest.payee import extract_payee

PAYEE, DESCRIPTION, AMOUNT, DATE, ACCOUNT = "payee", "description", "amount", "date", "account"
FEATURE_COLUMNS: tuple[str, ...] = (PAYEE, DESCRIPTION, AMOUNT, DATE, ACCOUNT)

#: Below this confidence a suggestion is "unknown".
DEFAULT_THRESHOLD = 0.5
#: How much one of the user's own corrections weighs against any other labeled row.
CORRECTION_WEIGHT = 5.0

_CHAR_FEATURES = 1 << 18
_WORD_FEATURES = 1 << 18
_ACCOUNT_SLOTS = 32
# log10(|amount|) bin edges: cents, under 10, 30, 100, 300, 1,000, 3,000, 10,000, above.
_AMOUNT_EDGES = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0])
_N_AMOUNT = _AMOUNT_EDGES.size + 1
_N_DAY = 5  # days 1-7, 8-14, 15-21, 22-31, unknown
_N_ROW = 2 + _N_AMOUNT + _N_DAY + _ACCOUNT_SLOTS
_N_FEATURES = _CHAR_FEATURES + _WORD_FEATURES + _N_ROW
FORMAT = "fincast-categorizer-1"

#: Longest payee character n-gram of a new model (files written before it existed used 4).
CHAR_MAX_N = 5
#: A class's rows weigh (rows of the class) ** -power: 0 is plain, 1 balances the classes.
#: Half-way lets rare categories be predicted at all (macro-F1) without giving up the common
#: ones (validated inside the training rows, docs/benchmarks.md "Categorization").
CLASS_WEIGHT_POWER = 0.5
#: Weight of the margin (linear SVM) layer's scores added to the logistic scores by default:
#: off. The hinge loss fits a rare category's few rows where the logistic loss hedges (more
#: macro-F1 answering every row), but its sharper scores abstain more at the threshold: the
#: real household's validation rows reject it, so only the evaluation's tuning tries it
#: (docs/benchmarks.md "Categorization").
MARGIN_WEIGHT = 0.0
#: The margin weight the evaluation's tuning tries beside MARGIN_WEIGHT.
MARGIN_WEIGHT_ON = 5.0
#: Inverse regularisation of the margin layer (scikit-learn's LinearSVC default).
MARGIN_C = 1.0


@lru_cache(maxsize=4)
def _char_vectorizer(max_n: int) -> HashingVectorizer:
    """Hashed character 2..max_n-grams within words; shorter n-grams hash alike for any max_n."""
    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(2, max_n),
        n_features=_CHAR_FEATURES,
        alternate_sign=False,
        norm=None,
    )


_WORD = HashingVectorizer(
    analyzer="word",
    ngram_range=(1, 2),
    token_pattern=r"(?u)\b\w+\b",  # noqa: S106 - a regular expression, not a password
    strip_accents="unicode",
    lowercase=True,
    n_features=_WORD_FEATURES,
    alternate_sign=False,
    norm=None,
)


def _column(frame: pd.DataFrame, name: str, default: Any) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index, dtype=object)


def _texts(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    payee = _column(frame, PAYEE, None).astype(object).where(lambda s: s.notna(), None)
    desc = _column(frame, DESCRIPTION, None).astype(object).where(lambda s: s.notna(), None)
    return payee, desc


_NOT_A_WORD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=65536)
def _row_text(payee: str | None, description: str | None) -> tuple[str, str]:
    """(extracted payee, words of payee and description without numbers) of one row.

    Numbers (store, terminal and card numbers, dates) are what makes bank texts unique; the
    words without them repeat, so a file's rows share a few thousand texts.
    """
    words = unicodedata.normalize("NFKD", f"{payee or ''} {description or ''}")
    words = _NOT_A_WORD.sub(" ", words.encode("ascii", "ignore").decode("ascii").lower())
    kept = " ".join(w for w in words.split() if not any(c.isdigit() for c in w))
    return extract_payee(payee, description), kept


def _unique_texts(frame: pd.DataFrame) -> tuple[npt.NDArray[np.intp], list[tuple[str, str]]]:
    """Each row's index into the distinct row texts of ``frame``, and those texts."""
    payee, desc = _texts(frame)
    if not len(frame):
        return np.zeros(0, dtype=np.intp), []
    # Distinct raw (payee, description) pairs first, hashed in C; then each one's text once.
    p_codes, p_uniques = pd.factorize(payee)
    d_codes, d_uniques = pd.factorize(desc)
    pair = p_codes.astype(np.int64) * (len(d_uniques) + 1) + (d_codes + 1)
    _, first, raw_codes = np.unique(pair, return_index=True, return_inverse=True)
    payees, descs = list(p_uniques), list(d_uniques)  # (an Index is slow to read by item)
    texts = [
        _row_text(
            None if p_codes[i] < 0 else payees[p_codes[i]],
            None if d_codes[i] < 0 else descs[d_codes[i]],
        )
        for i in first
    ]
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object))
    return np.asarray(codes)[np.asarray(raw_codes).ravel()], list(uniques)


def payee_keys(frame: pd.DataFrame) -> list[str]:
    """The extracted payee of every row: what the memory and the rule suggestions key on."""
    codes, texts = _unique_texts(frame)
    clean = [t[0] for t in texts]
    return [clean[c] for c in codes]


def _text_counts(texts: Sequence[tuple[str, str]], char_max_n: int) -> sparse.csr_matrix:
    """Hashed n-gram counts: characters of the extracted payee, words of all the text."""
    clean = [t[0] for t in texts]
    words = [t[1] for t in texts]
    chars = _char_vectorizer(char_max_n).transform(clean)
    return sparse.hstack([chars, _WORD.transform(words)], format="csr")


def _idf(counts: sparse.csr_matrix) -> npt.NDArray[np.float64]:
    """Smoothed inverse document frequency of every text column (TF-IDF's)."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((1.0 + n) / (1.0 + df)) + 1.0


def _text_matrix(counts: sparse.csr_matrix, idf: npt.NDArray[np.float64]) -> sparse.csr_matrix:
    """Sublinear TF-IDF, each block (characters, words) scaled to unit length."""
    blocks = []
    for lo, hi in ((0, _CHAR_FEATURES), (_CHAR_FEATURES, _CHAR_FEATURES + _WORD_FEATURES)):
        block = counts[:, lo:hi].astype(np.float64)
        block.data = 1.0 + np.log(block.data)
        block = block @ sparse.diags(idf[lo:hi])
        blocks.append(normalize(block, copy=False))
    return sparse.hstack(blocks, format="csr")


def _row_columns(frame: pd.DataFrame) -> npt.NDArray[np.int64]:
    """The four row-feature columns (sign, amount bin, day bin, account slot) of each row.

    Everything a row contributes besides its payee and description: two rows with the same
    texts and the same four columns have the same features.
    """
    amount = pd.to_numeric(_column(frame, AMOUNT, 0.0), errors="coerce").fillna(0.0).to_numpy()
    dates = _column(frame, DATE, None)
    if not pd.api.types.is_datetime64_any_dtype(dates):
        # (Already dates: converting again only walks every value to decide on a cache.)
        dates = pd.to_datetime(dates, errors="coerce")
    day = dates.dt.day.to_numpy(dtype=float, na_value=np.nan)
    account = _column(frame, ACCOUNT, "").fillna("").astype(str)
    sign_col = np.where(amount > 0, 0, 1)
    mag = np.log10(np.abs(amount) + 1e-9)
    amount_col = 2 + np.searchsorted(_AMOUNT_EDGES, mag, side="right")
    day_bin = np.where(np.isnan(day), 4, np.minimum((np.nan_to_num(day, nan=1.0) - 1) // 7, 3))
    day_col = 2 + _N_AMOUNT + day_bin.astype(int)
    # A file names a few accounts: each name is hashed once.
    names, uniques = pd.factorize(account)
    slot_of = np.array(
        [zlib.crc32(a.lower().encode()) % _ACCOUNT_SLOTS for a in uniques], dtype=np.int64
    )
    slots = slot_of[names] if len(uniques) else np.zeros(len(account), dtype=np.int64)
    account_col = 2 + _N_AMOUNT + _N_DAY + slots
    return np.column_stack([sign_col, amount_col, day_col, account_col]).astype(np.int64)


def _row_matrix(frame: pd.DataFrame, row_weight: float) -> sparse.csr_matrix:
    n = len(frame)
    rows = np.repeat(np.arange(n), 4)
    cols = _row_columns(frame).ravel()
    data = np.full(rows.size, row_weight)
    return sparse.csr_matrix((data, (rows, cols)), shape=(n, _N_ROW))


def _distinct_rows(
    frame: pd.DataFrame, keys: Sequence[str] | None
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """(each row's index among the distinct feature rows of ``frame``, their first rows).

    Rows are alike when their row texts (:func:`_row_text`: all any layer reads of the payee
    and description), row-feature columns and memory key (if given) are: every model then
    sees the same features, so each distinct row is asked once.
    """
    n = len(frame)
    if n == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    key = _unique_texts(frame)[0].astype(np.int64)
    if keys is not None:
        key_codes = pd.factorize(pd.Series(list(keys), dtype=object))[0].astype(np.int64)
        key = key * (int(key_codes.max()) + 2) + key_codes + 1
        key = pd.factorize(key)[0].astype(np.int64)  # below n again
    # Each row-feature column is below _N_ROW: four of them make one number.
    for column in _row_columns(frame).T:
        key = key * _N_ROW + column
    groups, uniques = pd.factorize(key)
    first = np.empty(len(uniques), dtype=np.intp)
    first[groups[::-1]] = np.arange(n - 1, -1, -1)  # the first row of each group
    return np.asarray(groups, dtype=np.intp), first


class TextCategorizer(ClassifierMixin, BaseEstimator):
    """Multinomial logistic regression on hashed payee/description n-grams and row features.

    Confidences (:meth:`confidence`) are calibrated on a held-out fifth of the training rows
    (the latest fifth when the rows have dates): a first fit on the rest says how often its
    top class was right at each top probability and margin; then the model is refitted on
    all rows.

    Args:
        C: Inverse L2 regularisation strength.
        row_weight: Scale of the amount, sign, day-of-month and account features against
            the (unit-norm) text features.
        calibrate: Fit the confidence map (needs 30 rows, two classes, three hits and
            three misses held out); else the confidence is the top probability.
        max_iter: Iterations of the L-BFGS solver.
        random_state: Seed of the calibration split when rows have no dates.
        char_max_n: Longest character n-gram of the payee (2 to 6).
        class_weight_power: Each row's weight is multiplied by (rows of its class) to the
            power ``-class_weight_power`` (rescaled to keep the total): 0 weighs every row
            alike, 1 every class alike. Without it a category with a handful of rows is
            rarely the most probable one, whatever the payee says.
        margin_weight: A linear SVM (squared hinge, one against the rest) is fitted on the
            same features and weights, and its scores times ``margin_weight`` are added to
            the logistic scores; 0 leaves it out. Both are linear in the features, so the
            model stays one coefficient matrix (prediction costs the same) and the
            confidence map is fitted on the combined scores.
        margin_C: Inverse regularisation strength of that SVM.
    """

    def __init__(
        self,
        C: float = 20.0,
        row_weight: float = 0.5,
        calibrate: bool = True,
        max_iter: int = 300,
        random_state: int = 0,
        char_max_n: int = CHAR_MAX_N,
        class_weight_power: float = CLASS_WEIGHT_POWER,
        margin_weight: float = MARGIN_WEIGHT,
        margin_C: float = MARGIN_C,
    ) -> None:
        self.C = C
        self.row_weight = row_weight
        self.calibrate = calibrate
        self.max_iter = max_iter
        self.random_state = random_state
        self.char_max_n = char_max_n
        self.class_weight_power = class_weight_power
        self.margin_weight = margin_weight
        self.margin_C = margin_C

    def _fit_linear(
        self, X: sparse.csr_matrix, y: npt.NDArray[np.int64], w: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """(used feature columns, coefficients on them, intercepts) of a fit on ``X``."""
        n_classes = self.classes_.size
        # Only the hash buckets the rows use can get a weight: fit on those columns alone.
        used = np.unique(X.indices).astype(np.int64)
        coef = np.zeros((n_classes, used.size))
        intercept = np.full(n_classes, -30.0)
        if np.unique(y).size < 2:
            intercept[y[0]] = 0.0
            return used, coef, intercept
        model = LogisticRegression(C=self.C, max_iter=self.max_iter, tol=1e-4)
        # Small problems: BLAS threads only contend (25x slower on a busy 2-core machine).
        with threadpool_limits(1):
            model.fit(X[:, used], y, sample_weight=w)
        present = model.classes_.astype(int)
        intercept[present] = 0.0
        _add_scores(coef, intercept, present, model.coef_, model.intercept_, 1.0)
        if self.margin_weight > 0:
            # A problem where the solver stops at max_iter still has usable scores.
            margin = LinearSVC(C=self.margin_C, max_iter=2000, random_state=self.random_state)
            with threadpool_limits(1), warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                margin.fit(X[:, used], y, sample_weight=w)
            _add_scores(
                coef, intercept, present, margin.coef_, margin.intercept_, self.margin_weight
            )
        return used, coef, intercept

    def fit(
        self,
        X: pd.DataFrame,
        y: Sequence[Any] | pd.Series,
        sample_weight: Sequence[float] | npt.NDArray[np.float64] | None = None,
    ) -> TextCategorizer:
        """Learn labels ``y`` of the transactions in ``X`` (columns of FEATURE_COLUMNS)."""
        labels = pd.Series(list(y), dtype=object)
        if len(labels) != len(X):
            raise InputError(f"{len(X)} rows but {len(labels)} labels")
        if len(labels) == 0:
            raise InputError("no labeled transactions to learn from")
        if labels.isna().any():
            raise InputError("labels must not be missing")
        if not 2 <= int(self.char_max_n) <= 6:
            raise InputError(f"char_max_n must be between 2 and 6, got {self.char_max_n}")
        if not 0.0 <= float(self.class_weight_power) <= 1.0:
            raise InputError(
                f"class_weight_power must be between 0 and 1, got {self.class_weight_power}"
            )
        if not (float(self.margin_weight) >= 0.0 and float(self.margin_C) > 0.0):
            raise InputError(
                f"margin_weight must be >= 0 and margin_C > 0, got {self.margin_weight} "
                f"and {self.margin_C}"
            )
        self.classes_ = np.array(sorted(labels.astype(str).unique()), dtype=str)
        codes = np.searchsorted(self.classes_, labels.astype(str).to_numpy()).astype(np.int64)
        w = (
            np.ones(len(labels))
            if sample_weight is None
            else np.asarray(sample_weight, dtype=float)
        )
        if w.shape != (len(labels),) or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise InputError(f"sample_weight must be {len(labels)} finite weights >= 0")
        w = w * _class_weights(codes, self.classes_.size, float(self.class_weight_power))
        codes_text, texts = _unique_texts(X)
        counts = _text_counts(texts, self.char_max_n)[codes_text]
        idf = _idf(counts)
        self.n_train_ = len(labels)
        self.idf_columns_ = np.flatnonzero(idf < idf.max()).astype(np.int64)
        self.idf_values_ = idf[self.idf_columns_]
        feats = sparse.hstack(
            [_text_matrix(counts, idf), _row_matrix(X, self.row_weight)], format="csr"
        )
        self.calibration_ = np.zeros(3)
        if self.calibrate and len(labels) >= 30 and self.classes_.size >= 2:
            held = self._held_out(X)
            train = ~held
            used, coef, intercept = self._fit_linear(feats[train], codes[train], w[train])
            # A held-out row of a class the first fit never saw is a miss, as it is when a
            # user's first transaction of a new category arrives.
            proba = softmax(np.asarray(feats[held][:, used] @ coef.T) + intercept, axis=1)
            right = np.argmax(proba, axis=1) == codes[held]
            if right.sum() >= 3 and (~right).sum() >= 3:
                with threadpool_limits(1):
                    cal = LogisticRegression(C=1.0).fit(_confidence_features(proba), right)
                self.calibration_ = np.concatenate([cal.intercept_, cal.coef_[0]])
        self._set_coef(*self._fit_linear(feats, codes, w))
        return self

    def _held_out(self, X: pd.DataFrame) -> npt.NDArray[np.bool_]:
        n = len(X)
        k = max(1, n // 5)
        dates = pd.to_datetime(_column(X, DATE, None), errors="coerce")
        if dates.notna().all():
            order = np.argsort(dates.to_numpy(), kind="stable")
        else:
            order = np.random.default_rng(self.random_state).permutation(n)
        held = np.zeros(n, dtype=bool)
        held[order[n - k :]] = True
        return held

    def _set_coef(
        self,
        columns: npt.NDArray[np.int64],
        coef: npt.NDArray[np.float64],
        intercept: npt.NDArray[np.float64],
    ) -> None:
        self.columns_ = columns
        self.coef_ = coef.astype(np.float32)
        self.intercept_ = intercept.astype(np.float64)
        self._weights = _weight_matrix(self.columns_, self.coef_)
        self._idf = _full_idf(self.n_train_, self.idf_columns_, self.idf_values_)

    def decision_function(self, X: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Class scores (before temperature and softmax), one row per transaction."""
        check_is_fitted(self, "coef_")
        weights = self._weights
        codes, texts = _unique_texts(X)
        text = _text_matrix(_text_counts(texts, self.char_max_n), self._idf)
        text_w = weights[: _CHAR_FEATURES + _WORD_FEATURES]
        text_scores = np.asarray((text @ text_w).todense())[codes]
        row_scores = np.asarray(
            (_row_matrix(X, self.row_weight) @ weights[_CHAR_FEATURES + _WORD_FEATURES :]).todense()
        )
        return text_scores + row_scores + self.intercept_

    def text_support(self, X: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Share of each row's payee character n-grams that the model learned from (0-1).

        Low support means the answer rests on the amount, day and account rather than on
        what the payee is called.
        """
        check_is_fitted(self, "coef_")
        codes, texts = _unique_texts(X)
        clean = [t[0] for t in texts]
        grams = _char_vectorizer(self.char_max_n).transform(clean).tocsr()
        known = np.zeros(_CHAR_FEATURES, dtype=bool)
        known[self.columns_[self.columns_ < _CHAR_FEATURES]] = True
        hits = known[grams.indices] * grams.data
        lengths = np.diff(grams.indptr)
        totals = np.zeros(len(clean))
        found = np.zeros(len(clean))
        rows = np.repeat(np.arange(len(clean)), lengths)
        np.add.at(totals, rows, grams.data)
        np.add.at(found, rows, hits)
        support = np.divide(found, totals, out=np.zeros_like(found), where=totals > 0)
        return support[codes]

    def predict_proba(self, X: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Class probabilities, columns in the order of ``classes_``."""
        return softmax(self.decision_function(X), axis=1)

    def confidence(self, proba: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Calibrated P(the most probable class is right), from :meth:`predict_proba` rows.

        A logistic map of the top probability and its margin over the runner-up, fitted on
        held-out training rows; the top probability itself when those rows were all right
        (or all wrong) or too few.
        """
        check_is_fitted(self, "coef_")
        if not np.any(self.calibration_):
            return np.max(proba, axis=1)
        z = self.calibration_[0] + _confidence_features(proba) @ self.calibration_[1:]
        return 1.0 / (1.0 + np.exp(-z))

    def predict(self, X: pd.DataFrame) -> npt.NDArray[np.str_]:
        """The most probable label of every transaction."""
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        """The fitted model as plain arrays (no Python objects), for a model file."""
        check_is_fitted(self, "coef_")
        state = {
            "format": FORMAT,
            "params": self.get_params(),
            "classes": [str(c) for c in self.classes_],
            "calibration": [float(v) for v in self.calibration_],
            "n_train": int(self.n_train_),
        }
        return {
            "state_json": np.frombuffer(json.dumps(state).encode(), dtype=np.uint8),
            "columns": self.columns_,
            "coef": self.coef_,
            "intercept": self.intercept_,
            "idf_columns": self.idf_columns_,
            "idf_values": self.idf_values_,
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[Any]]) -> TextCategorizer:
        """Rebuild a model written by :meth:`to_arrays`; ModelFileError if incompatible."""
        try:
            state = json.loads(bytes(np.asarray(arrays["state_json"], dtype=np.uint8)))
            if state.get("format") != FORMAT:
                raise ValueError(f"format {state.get('format')!r}, expected {FORMAT!r}")
            # Files written before char_max_n existed hashed character 2-4-grams (the class
            # weights and the margin layer only shape the fit: the stored coefficients hold
            # them, so older files predict alike without the keys).
            old = {"char_max_n": 4, "class_weight_power": 0.0, "margin_weight": 0.0}
            model = cls(**{**old, **state["params"]})
            model.classes_ = np.array(state["classes"], dtype=str)
            model.calibration_ = np.asarray(state["calibration"], dtype=np.float64)
            if model.calibration_.shape != (3,):
                raise ValueError("calibration must hold three numbers")
            columns = np.asarray(arrays["columns"], dtype=np.int64)
            coef = np.asarray(arrays["coef"], dtype=np.float32)
            if coef.shape != (model.classes_.size, columns.size):
                raise ValueError(f"coefficients of shape {coef.shape} do not fit the classes")
            if columns.size and (columns.min() < 0 or columns.max() >= _N_FEATURES):
                raise ValueError("feature columns out of range")
            model.columns_ = columns
            model.coef_ = coef
            model.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
            model._weights = _weight_matrix(columns, coef)
            model.n_train_ = int(state["n_train"])
            model.idf_columns_ = np.asarray(arrays["idf_columns"], dtype=np.int64)
            model.idf_values_ = np.asarray(arrays["idf_values"], dtype=np.float64)
            model._idf = _full_idf(model.n_train_, model.idf_columns_, model.idf_values_)
        except (KeyError, ValueError, TypeError) as exc:
            raise ModelFileError(
                f"categorizer payload is incomplete or incompatible ({exc})"
            ) from exc
        return model


def _add_scores(
    coef: npt.NDArray[np.float64],
    intercept: npt.NDArray[np.float64],
    present: npt.NDArray[np.int64],
    fitted_coef: npt.NDArray[np.float64],
    fitted_intercept: npt.NDArray[np.float64],
    scale: float,
) -> None:
    """Add ``scale`` times a fitted linear model's class scores to ``coef``/``intercept``.

    ``present`` are the class codes the model saw; a binary model has one row of scores
    (for ``present[1]``), split evenly between the two classes as their difference.
    """
    if present.size == 2:
        coef[present[1]] += scale * fitted_coef[0] / 2
        coef[present[0]] -= scale * fitted_coef[0] / 2
        intercept[present[1]] += scale * fitted_intercept[0] / 2
        intercept[present[0]] -= scale * fitted_intercept[0] / 2
    else:
        coef[present] += scale * fitted_coef
        intercept[present] += scale * fitted_intercept


def _class_weights(
    codes: npt.NDArray[np.int64], n_classes: int, power: float
) -> npt.NDArray[np.float64]:
    """Per-row factor (rows of the row's class) ** -power, with mean 1 over the rows."""
    counts = np.bincount(codes, minlength=n_classes).astype(np.float64)
    factor = counts[codes] ** -power
    return factor / factor.mean()


def _full_idf(
    n_train: int, columns: npt.NDArray[np.int64], values: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """The idf of every text column; zero for columns no training row had.

    An n-gram the model never saw has no weight, so it can say nothing about the class; with
    a nonzero idf it would still lengthen the row's vector before the unit scaling and so
    shrink every known n-gram's score towards the class priors (the majority class).
    """
    if columns.size and (columns.min() < 0 or columns.max() >= _CHAR_FEATURES + _WORD_FEATURES):
        raise ValueError("idf columns out of range")
    idf = np.zeros(_CHAR_FEATURES + _WORD_FEATURES)
    idf[columns] = values
    return idf


def _weight_matrix(
    columns: npt.NDArray[np.int64], coef: npt.NDArray[np.float32]
) -> sparse.csr_matrix:
    """The (features x classes) weights as a sparse matrix: unused hash buckets hold nothing."""
    n_classes = coef.shape[0]
    rows = np.repeat(columns, n_classes)
    cols = np.tile(np.arange(n_classes), columns.size)
    return sparse.csr_matrix(
        (coef.T.ravel().astype(np.float64), (rows, cols)), shape=(_N_FEATURES, n_classes)
    )


def _confidence_features(proba: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Log of the top probability and its log-margin over the second, per row."""
    if proba.shape[1] < 2:
        top = proba[:, 0]
        return np.column_stack([np.log(top + 1e-12), np.full(top.size, 30.0)])
    part = -np.partition(-proba, 1, axis=1)
    top, second = part[:, 0], part[:, 1]
    return np.column_stack([np.log(top + 1e-12), np.log(top + 1e-12) - np.log(second + 1e-12)])


@dataclass
class PayeeMemory:
    """The latest label of every exact payee key, and how firmly it stands.

    People change their minds ("Netflix" moves from Movies to Television), so the latest
    label wins and its ``confidence`` grows with the weight of the unbroken run of rows
    that end with it, by Laplace's rule of succession: ``(run + 1) / (run + 2)``. One
    labeled row gives 0.67, three in a row 0.8, one correction by the user (weight
    CORRECTION_WEIGHT) 0.86. A correction by the user outranks any later label of another
    source (rows of weight 1).
    """

    labels: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_history(
        cls,
        keys: Sequence[str],
        labels: Sequence[Any],
        weights: Sequence[float] | npt.NDArray[np.float64] | None = None,
        order: Sequence[Any] | None = None,
    ) -> PayeeMemory:
        """Build the memory from labeled rows; ``order`` (dates, ids) says which is latest."""
        frame = pd.DataFrame(
            {
                "key": list(keys),
                "label": [str(v) for v in labels],
                "w": list(weights) if weights is not None else [1.0] * len(keys),
                "o": list(order) if order is not None else list(range(len(keys))),
            }
        )
        frame = frame[frame["key"] != ""]
        if frame.empty:
            return cls()
        frame["is_correction"] = frame["w"] > 1.0
        frame = frame.sort_values(["key", "is_correction", "o"], kind="stable")
        label_of: dict[str, str] = {}
        confidence: dict[str, float] = {}
        for key, group in frame.groupby("key", sort=False):
            group_labels = group["label"].to_numpy()
            group_w = group["w"].to_numpy(dtype=float)
            last = group_labels[-1]
            breaks = np.flatnonzero(group_labels != last)
            start = breaks[-1] + 1 if breaks.size else 0
            run = float(group_w[start:].sum())
            label_of[str(key)] = str(last)
            confidence[str(key)] = (run + 1.0) / (run + 2.0)
        return cls(label_of, confidence)

    def lookup(self, keys: Sequence[str]) -> tuple[list[str | None], npt.NDArray[np.float64]]:
        """Label and confidence of each key (None and 0 where the key is unknown)."""
        labels = [self.labels.get(k) for k in keys]
        conf = np.array([self.confidence.get(k, 0.0) for k in keys], dtype=float)
        return labels, conf


@dataclass(frozen=True)
class Suggestions:
    """One suggestion per transaction: a label (None = unknown) and its confidence."""

    labels: list[str | None]
    confidence: npt.NDArray[np.float64]
    layer: list[str]

    @property
    def coverage(self) -> float:
        """Share of transactions that got a label."""
        return float(np.mean([v is not None for v in self.labels])) if self.labels else 0.0


@dataclass
class GlobalBridge:
    """A global model's labels (taxonomy slugs) read as one user's labels.

    ``matrix[g, l]`` is P(user label l | global label g), estimated from the global model's
    probabilities on the user's labeled rows, plus ``identity`` pairs (a slug and the user's
    category of that slug) counted ``prior_weight`` times. A slug nothing links to spreads
    its mass evenly, so it yields no confident suggestion.
    """

    model: TextCategorizer
    labels: list[str]
    matrix: npt.NDArray[np.float64]

    @classmethod
    def fit(
        cls,
        model: TextCategorizer,
        X: pd.DataFrame | None = None,
        y: Sequence[Any] = (),
        identity: Mapping[str, str] | None = None,
        prior_weight: float = 3.0,
    ) -> GlobalBridge:
        """Link the global model's labels to the labels ``y`` of the user's rows ``X``."""
        identity = dict(identity or {})
        y_str = [str(v) for v in y]
        labels = sorted(set(y_str) | set(identity.values()))
        if not labels:
            raise InputError("a global model needs labeled rows or an identity map to bridge")
        index = {lbl: i for i, lbl in enumerate(labels)}
        g_index = {str(c): i for i, c in enumerate(model.classes_)}
        counts = np.zeros((len(g_index), len(labels)))
        if X is not None and len(y_str):
            onehot = np.zeros((len(y_str), len(labels)))
            onehot[np.arange(len(y_str)), [index[v] for v in y_str]] = 1.0
            counts += model.predict_proba(X).T @ onehot
        for slug, label in identity.items():
            if slug in g_index:
                counts[g_index[slug], index[label]] += prior_weight
        smoothed = counts + 0.1 / len(labels)
        return cls(model, labels, smoothed / smoothed.sum(axis=1, keepdims=True))

    def predict_proba(self, X: pd.DataFrame) -> npt.NDArray[np.float64]:
        """P(user label | transaction), columns in the order of ``labels``."""
        return self.model.predict_proba(X) @ self.matrix


@dataclass
class CategorySuggester:
    """The served categorizer of one user: payee memory, then the surer of two models.

    Args:
        memory: The user's payee memory (empty for a new user).
        user_model: Fitted on the user's own labeled transactions, if there are enough.
        bridge: The global model, read as the user's labels.
        threshold: Confidence below which the answer is unknown.
        memory_threshold: Memory confidence from which the memory answers alone.
        min_global_support: Share of a payee's character n-grams the global model must
            know (:meth:`TextCategorizer.text_support`) to answer for it.
    """

    memory: PayeeMemory = field(default_factory=PayeeMemory)
    user_model: TextCategorizer | None = None
    bridge: GlobalBridge | None = None
    threshold: float = DEFAULT_THRESHOLD
    memory_threshold: float = 0.75
    min_global_support: float = 0.6

    def _experts(
        self, X: pd.DataFrame
    ) -> list[tuple[str, npt.NDArray[np.object_], npt.NDArray[np.float64]]]:
        """(layer, best label, confidence) of each model, per row of ``X``."""
        out = []
        if self.user_model is not None:
            proba = self.user_model.predict_proba(X)
            best = self.user_model.classes_.astype(object)[np.argmax(proba, axis=1)]
            out.append(("user", best, self.user_model.confidence(proba)))
        if self.bridge is not None:
            proba = self.bridge.predict_proba(X)
            best = np.asarray(self.bridge.labels, dtype=object)[np.argmax(proba, axis=1)]
            # Other people's data knows nothing of a payee whose spelling it has not seen.
            supported = self.bridge.model.text_support(X) >= self.min_global_support
            out.append(("global", best, np.max(proba, axis=1) * supported))
        return out

    def suggest(self, X: pd.DataFrame, keys: Sequence[str] | None = None) -> Suggestions:
        """Label and confidence of every transaction in ``X``; None below the threshold.

        Bank files repeat a payee with amounts, days and account alike: each distinct
        feature row (:func:`_distinct_rows`) is asked once and its answer given to all its
        rows, which is what asking every row gives, as no layer looks beyond its row.
        """
        groups, first = _distinct_rows(X, keys)
        if first.size == len(X):
            return self._suggest(X, keys)
        out = self._suggest(X.iloc[first], None if keys is None else [keys[int(i)] for i in first])
        return Suggestions(
            [out.labels[g] for g in groups],
            out.confidence[groups],
            [out.layer[g] for g in groups],
        )

    def _suggest(self, X: pd.DataFrame, keys: Sequence[str] | None) -> Suggestions:
        keys = payee_keys(X) if keys is None else list(keys)
        mem_labels, mem_conf = self.memory.lookup(keys)
        labels = np.array(mem_labels, dtype=object)
        conf = np.where(labels != None, mem_conf, 0.0)  # noqa: E711 - elementwise
        layer = np.where(labels != None, "memory", "none").astype(object)  # noqa: E711
        rest = np.flatnonzero(conf < self.memory_threshold)
        if rest.size:
            subset = X.iloc[rest]
            for name, best, p in self._experts(subset):
                better = p > conf[rest]
                labels[rest[better]] = best[better]
                conf[rest[better]] = p[better]
                layer[rest[better]] = name
        unknown = conf < self.threshold
        labels[unknown] = None
        layer[unknown] = "none"
        return Suggestions(list(labels), conf, list(layer))
