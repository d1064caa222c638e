"""The learned suggester and its blend with the pattern suggester.

:class:`MultiLabelLogistic` is a scikit-learn style estimator: one L2-regularised logistic
regression per label (liblinear), fitted on the rows whose decision is known for that label.
Logistic regression minimises log-loss, a proper scoring rule, so its probabilities are
calibrated on the training distribution without a separate calibration step (which would cost a
refit per fold and break the retraining budget); :func:`qualcode.suggest.report.suggestion_report`
shows how far the scores can be trusted on held-out documents.

:class:`Suggester` puts it together with the pattern suggester::

    score = w * p_model + (1 - w) * p_pattern,    w = n_pos / (n_pos + blend_k)

where ``n_pos`` is the number of positive human decisions for the label and ``blend_k`` (5 by
default: five positives give the model half the say) sets how fast the model takes over; a label without a trained model (fewer than
``min_positives`` positives or ``min_negatives`` negatives) has ``w = 0``: patterns carry the cold
start. The pattern hits are also features of the model, so it learns how far to trust each
code's patterns.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from qualcode.patterns import LabelPatterns, PatternScorer, compile_patterns
from qualcode.suggest.features import Analysed, Featurizer, analyse, chunks

PATTERNS_VERSION = "patterns-v1"
CHUNK = 4096


def _fit_one(x: sp.csr_matrix, y: np.ndarray, c: float, class_weight: str | None, max_negatives: int,
             seed: int, sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """One label's logistic regression; surplus negatives are subsampled and up-weighted."""
    weight = sample_weight
    negatives = np.flatnonzero(~y)
    budget = max(max_negatives, 3 * int(y.sum()))
    if len(negatives) > budget:
        chosen = np.random.default_rng(seed).choice(negatives, size=budget, replace=False)
        rows = np.sort(np.concatenate([np.flatnonzero(y), chosen]))
        weight = np.where(y[rows], 1.0, len(negatives) / budget)
        if sample_weight is not None:
            weight = weight * sample_weight[rows]
        x, y = x[rows], y[rows]
    model = LogisticRegression(solver="liblinear", C=c, class_weight=class_weight, tol=1e-2)
    model.fit(x, y, sample_weight=weight)
    return model.coef_.ravel().astype(np.float64), float(model.intercept_[0])


class MultiLabelLogistic(BaseEstimator):
    """One logistic regression per label, each on the rows where that label's decision is known.

    A label with more than ``max_negatives`` negatives (and more than three times its positives)
    is fitted on a random sample of them, weighted up so that the expected loss, and so the
    calibration, stays that of the full data: retraining stays fast as decisions accumulate.
    """

    def __init__(self, C: float = 8.0, min_positives: int = 3, min_negatives: int = 3,
                 class_weight: str | None = None, max_negatives: int = 1000, n_jobs: int = 2) -> None:
        self.C = C
        self.min_positives = min_positives
        self.min_negatives = min_negatives
        self.class_weight = class_weight
        self.max_negatives = max_negatives
        self.n_jobs = n_jobs

    def fit(self, X: sp.csr_matrix, Y: np.ndarray, known: np.ndarray | None = None,
            sample_weight: np.ndarray | None = None) -> MultiLabelLogistic:
        """``sample_weight`` (one per row, default 1) scales each row's loss, e.g. to down-weight
        rows from another source than the human decisions."""
        Y = np.asarray(Y, dtype=bool)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
        known = np.ones_like(Y, dtype=bool) if known is None else np.asarray(known, dtype=bool)
        n_labels = Y.shape[1]
        self.n_positive_ = (Y & known).sum(axis=0)
        self.n_negative_ = (~Y & known).sum(axis=0)
        self.trained_ = (self.n_positive_ >= self.min_positives) & (self.n_negative_ >= self.min_negatives)
        self.coef_ = np.zeros((n_labels, X.shape[1]))
        self.intercept_ = np.full(n_labels, -10.0)
        jobs = [k for k in range(n_labels) if self.trained_[k]]
        results = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_fit_one)(X[known[:, k]], Y[known[:, k], k], self.C, self.class_weight, self.max_negatives, k,
                              None if sample_weight is None else sample_weight[known[:, k]])
            for k in jobs
        )
        for k, (coef, intercept) in zip(jobs, results, strict=True):
            self.coef_[k] = coef
            self.intercept_[k] = intercept
        return self

    def decision_function(self, X: sp.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict_proba(self, X: sp.csr_matrix) -> np.ndarray:
        """(n, labels) probabilities; 0 for labels without a trained model."""
        proba = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        proba[:, ~self.trained_] = 0.0
        return proba


@dataclass(frozen=True, slots=True)
class TrainingData:
    """Texts with multi-label decisions: ``labels[i, k]`` coded, ``known[i, k]`` decided by a person.

    ``weights`` (optional, one per row) scale each row's loss in training; ``None`` means 1 for all.
    """

    texts: list[str]
    labels: np.ndarray
    known: np.ndarray
    weights: np.ndarray | None = None

    def subset(self, rows: np.ndarray) -> TrainingData:
        weights = None if self.weights is None else self.weights[rows]
        return TrainingData([self.texts[i] for i in rows], self.labels[rows], self.known[rows], weights)

    def row_weights(self) -> np.ndarray:
        return np.ones(len(self.texts)) if self.weights is None else np.asarray(self.weights, dtype=np.float64)

    def concat(self, other: TrainingData) -> TrainingData:
        weights = None
        if self.weights is not None or other.weights is not None:
            weights = np.concatenate([self.row_weights(), other.row_weights()])
        return TrainingData(self.texts + other.texts, np.vstack([self.labels, other.labels]),
                            np.vstack([self.known, other.known]), weights)

    @classmethod
    def empty(cls, n_labels: int) -> TrainingData:
        return cls([], np.zeros((0, n_labels), dtype=bool), np.zeros((0, n_labels), dtype=bool))


@dataclass(slots=True)
class Scores:
    """Scores of texts x labels: the blend, and its two parts."""

    blended: np.ndarray
    pattern: np.ndarray
    model: np.ndarray


class Suggester:
    """Pattern suggester + learned suggester over ``labels``.

    ``pattern_labels`` carry the keyword patterns (codes); ``groups[k]`` lists the pattern labels
    whose best pattern score is label ``k``'s pattern score (a code: itself; a theme: its codes).
    """

    def __init__(
        self,
        labels: Sequence[str],
        pattern_labels: Sequence[LabelPatterns],
        groups: Sequence[Sequence[int]] | None = None,
        *,
        threshold: float = 0.3,
        blend_k: float = 5.0,
        C: float = 8.0,
        min_positives: int = 3,
        pattern_weight: float = 1.0,
        text_weight: float = 1.0,
        class_weight: str | None = None,
        min_df: int = 2,
        scorer: PatternScorer | None = None,
        n_jobs: int = 2,
    ) -> None:
        self.labels = list(labels)
        self.pattern_set = compile_patterns(pattern_labels)
        self.groups = [list(g) for g in groups] if groups is not None else [[k] for k in range(len(self.labels))]
        self.thresholds = np.full(len(self.labels), threshold)
        self.blend_k = blend_k
        self.scorer = scorer or PatternScorer()
        self.table = self.pattern_set.table
        self.featurizer = Featurizer(min_df=min_df, pattern_weight=pattern_weight, text_weight=text_weight)
        self.model: MultiLabelLogistic | None = None
        self.model_params = {"C": C, "min_positives": min_positives, "n_jobs": n_jobs,
                             "class_weight": class_weight}
        self.weights = np.zeros(len(self.labels))
        self.model_version = PATTERNS_VERSION
        # pooled pattern features per target label only where a label has several pattern labels
        self._feature_groups = self.groups if any(len(g) != 1 for g in self.groups) else None

    # ------------------------------------------------------------------ training

    def fit(self, data: TrainingData, extra: TrainingData | None = None) -> Suggester:
        """Train the learned part on ``data`` (human decisions) plus ``extra`` (codebook examples).

        Labels with too few decisions stay pattern-only. ``extra`` adds training rows but does not
        count towards the blend weight, which grows with the human positives only. Rows weigh their
        ``TrainingData.weights`` in the loss (1 when ``None``, as for the project's decisions).
        """
        with _no_gc():
            return self._fit(data, extra)

    def _fit(self, data: TrainingData, extra: TrainingData | None) -> Suggester:
        both = data if extra is None or not extra.texts else data.concat(extra)
        if not both.texts:
            self.model = None
            self.weights = np.zeros(len(self.labels))
            self.model_version = PATTERNS_VERSION
            return self
        analysed = self.analyse(both.texts)
        self.featurizer.fit(self.table, analysed.batch)
        x = self.featurizer.transform(self.table, analysed, self._feature_groups)
        model = MultiLabelLogistic(**self.model_params).fit(x, both.labels, both.known, both.weights)
        self.model = model
        human = (data.labels & data.known).sum(axis=0).astype(np.float64) if data.texts else np.zeros(len(self.labels))
        self.weights = np.where(model.trained_, human / np.maximum(human + self.blend_k, 1e-9), 0.0)
        self.model_version = _version(both) if (self.weights > 0).any() else PATTERNS_VERSION
        return self

    @property
    def trained(self) -> np.ndarray:
        """Per label: True when a learned model takes part in the score (blend weight > 0)."""
        return self.weights > 0

    def label_version(self, k: int) -> str:
        """The model version behind label ``k``'s scores."""
        return self.model_version if self.weights[k] > 0 else PATTERNS_VERSION

    # ------------------------------------------------------------------ scoring

    def analyse(self, texts: Sequence[str]) -> Analysed:
        return analyse(texts, self.pattern_set, self.scorer)

    def _group_pattern_scores(self, pattern_scores: np.ndarray) -> np.ndarray:
        out = np.zeros((pattern_scores.shape[0], len(self.labels)))
        for k, members in enumerate(self.groups):
            if members:
                out[:, k] = pattern_scores[:, members].max(axis=1)
        return out

    def score(self, texts: Sequence[str]) -> Scores:
        """Blended, pattern and model scores (texts x labels), in chunks."""
        with _no_gc():
            return self._score(texts)

    def _score(self, texts: Sequence[str]) -> Scores:
        n, n_labels = len(texts), len(self.labels)
        blended, pattern, model = np.zeros((n, n_labels)), np.zeros((n, n_labels)), np.zeros((n, n_labels))
        for part in chunks(n, CHUNK):
            analysed = self.analyse(texts[part])
            pattern[part] = self._group_pattern_scores(analysed.pattern_scores)
            if self.model is not None and (self.weights > 0).any():
                x = self.featurizer.transform(self.table, analysed, self._feature_groups)
                model[part] = self.model.predict_proba(x)
        blended[:] = self.weights * model + (1.0 - self.weights) * pattern
        return Scores(blended, pattern, model)

    def suggested(self, scores: Scores) -> np.ndarray:
        """(texts x labels) True where the blended score reaches the label's threshold."""
        return scores.blended >= self.thresholds

    # ------------------------------------------------------------------ evidence

    def evidence(self, text: str, k: int, limit: int = 6) -> list[str]:
        """Why label ``k`` is suggested: the pattern hits, then the words that weigh most in the model."""
        members = {self.pattern_set.labels[i] for i in self.groups[k]}
        words: list[str] = [hit.text for hit in self.pattern_set.match(text) if hit.label in members]
        if self.model is not None and self.weights[k] > 0:
            words.extend(self._model_words(text, k))
        return list(dict.fromkeys(words))[:limit]

    def _model_words(self, text: str, k: int, limit: int = 4) -> list[str]:
        """Surface words whose features push label ``k`` up most in this text."""
        from qualcode.nlp import words as split_words

        if self.model is None:
            return []
        batch = self.analyse([text]).batch
        x = self.featurizer.text_block(self.table, batch)
        n_text = self.featurizer.n_text_features
        contribution = np.zeros(n_text)
        contribution[x.indices] = x.data * self.model.coef_[k, :n_text][x.indices]
        ranked: dict[str, tuple[float, str]] = {}
        for word, _start, _end in split_words(text):
            key = word.lower()
            token_id = self.table.index.get(key)
            if key in ranked or token_id is None:
                continue
            value = float(contribution[self.featurizer.token_row(self.table, token_id)].sum())
            ranked[key] = (value, word)
        best = sorted((item for item in ranked.values() if item[0] > 0), key=lambda item: -item[0])
        return [word for _value, word in best[:limit]]


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: scoring makes millions of short-lived strings and no
    cycles, and collections would rescan the growing token caches again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _version(data: TrainingData) -> str:
    digest = hashlib.sha1()
    for text, labels, known in zip(data.texts, data.labels, data.known, strict=True):
        digest.update(text.encode("utf-8"))
        digest.update(np.packbits(labels).tobytes())
        digest.update(np.packbits(known).tobytes())
    if data.weights is not None:
        digest.update(np.asarray(data.weights, dtype=np.float64).tobytes())
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"learned-{digest.hexdigest()[:10]}-{stamp}"
