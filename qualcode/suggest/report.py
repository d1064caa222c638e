"""The model as a coder: how far the suggester agrees with the human coding.

Cross-validation grouped by document: the decided segments are split into folds of whole
documents (scikit-learn ``GroupKFold``), so no segment of a test document is seen in training.
Each fold trains the suggester exactly as ``qualcode suggest`` does (human decisions of the
training documents plus the codes' own examples) and scores the test documents; a segment is
suggested for a code when its blended score reaches the threshold. Counts are pooled over the
folds, and per code the table gives precision, recall, F1 and Cohen's kappa of the suggester
against the human decisions (coded = yes; coded with another code, or rejected = no).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold
from sqlalchemy.orm import Session

from qualcode.errors import InputError
from qualcode.suggest.project import (
    DEFAULT_THRESHOLD,
    ProjectData,
    active_codes,
    build_suggester,
    load_project,
)

REPORT_COLUMNS = ["code", "mode", "positives", "decided", "tp", "fp", "fn", "tn", "precision", "recall", "f1", "kappa"]


@dataclass(frozen=True, slots=True)
class ReportRow:
    code: str
    mode: str  # "learned" when the model took part in at least one fold, else "patterns"
    positives: int
    decided: int
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float
    recall: float
    f1: float
    kappa: float


def cohen_kappa(tp: int, fp: int, fn: int, tn: int) -> float:
    """Cohen's kappa of two binary raters from their 2x2 table (NaN when undefined)."""
    n = tp + fp + fn + tn
    if n == 0:
        return float("nan")
    observed = (tp + tn) / n
    expected = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed >= 1.0 else float("nan")
    return (observed - expected) / (1.0 - expected)


def _ratio(a: int, b: int) -> float:
    return a / b if b else float("nan")


@dataclass(frozen=True, slots=True)
class Report:
    rows: list[ReportRow]
    folds: int
    documents: int
    segments: int
    threshold: float

    def frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame([_as_dict(row) for row in self.rows], columns=REPORT_COLUMNS)


def _as_dict(row: ReportRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in REPORT_COLUMNS}


def grouped_folds(groups: np.ndarray, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs; every document's segments fall in one test fold."""
    n_groups = len(np.unique(groups))
    if n_groups < 2:
        raise InputError("the suggestion report needs human coding in at least two documents")
    splitter = GroupKFold(n_splits=min(folds, n_groups))
    return list(splitter.split(np.zeros(len(groups)), groups=groups))


def cross_validate(data: ProjectData, folds: int = 5, threshold: float = DEFAULT_THRESHOLD,
                   **params: Any) -> Report:
    """Grouped-by-document cross-validation of the suggester on ``data``'s decided segments."""
    training, rows = data.training()
    if not training.texts:
        raise InputError("no human decisions yet: code some segments or answer some suggestions first")
    groups = np.array([data.segments[i].document_id for i in rows])
    n_codes = len(data.codes)
    counts = np.zeros((n_codes, 4), dtype=int)  # tp fp fn tn
    learned = np.zeros(n_codes, dtype=bool)
    splits = grouped_folds(groups, folds)
    for train, test in splits:
        fold = ProjectData(data.codes, [data.segments[i] for i in rows[train]], data.coded[rows[train]],
                           data.rejected[rows[train]], data.decided[rows[train]])
        suggester = build_suggester(fold, threshold=threshold, **params)
        learned |= suggester.trained
        predicted = suggester.suggested(suggester.score([training.texts[i] for i in test]))
        truth, known = training.labels[test], training.known[test]
        counts[:, 0] += (predicted & truth & known).sum(axis=0)
        counts[:, 1] += (predicted & ~truth & known).sum(axis=0)
        counts[:, 2] += (~predicted & truth & known).sum(axis=0)
        counts[:, 3] += (~predicted & ~truth & known).sum(axis=0)
    out: list[ReportRow] = []
    for k, code in enumerate(data.codes):
        tp, fp, fn, tn = (int(v) for v in counts[k])
        precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        f1 = _ratio(2 * tp, 2 * tp + fp + fn)
        out.append(ReportRow(code.path, "learned" if learned[k] else "patterns", tp + fn, tp + fp + fn + tn,
                             tp, fp, fn, tn, round(precision, 4), round(recall, 4), round(f1, 4),
                             round(cohen_kappa(tp, fp, fn, tn), 4)))
    return Report(out, len(splits), len(np.unique(groups)), len(rows), threshold)


def suggestion_report(session: Session, folds: int = 5, threshold: float = DEFAULT_THRESHOLD,
                      **params: Any) -> Report:
    """The report for the project in ``session`` (active codes only)."""
    codes = active_codes(session)
    if not codes:
        raise InputError("the project has no active codes; import a codebook first")
    return cross_validate(load_project(session, codes), folds, threshold, **params)
