"""Features for the learned suggester, built per distinct word so that scoring stays fast.

A segment is tokenised once (:func:`qualcode.patterns.tokenize`); each distinct token is analysed
once per process into its features:

- ``l:<lemma>``: the lemma (from the lookup lemmatiser; a compound's lemma keeps its head),
- ``p:<prefix>`` / ``s:<suffix>``: character n-grams at the edges of the lemma (lengths 4-6), so a
  compound such as *brukermålingene* shares ``s:måling`` with *resultatmåling* and ``p:bruk``
  with *brukerne*: the parts of Norwegian compounds without a compound splitter,
- for a coordinated conjunct (*mål-* in *mål- og resultatstyring*) also the features of the
  compound it stands for (*målstyring*).

The text block is tf-idf weighted (sublinear tf, smooth idf, l2 norm), the pattern block holds per
label the distinct strong and weak hits and the pattern score. Both are stacked into one sparse
matrix. Everything is a sparse matrix product over a segment x token count matrix, done in chunks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from qualcode.patterns import (
    COMPOUND_MARK,
    Batch,
    HitCounts,
    PatternScorer,
    PatternSet,
    TokenTable,
    lemma_readings,
    rows_matrix,
    tokenize,
)

EDGE_LENGTHS = (4, 5, 6)
# Very frequent function words: their features only add noise to short quotes.
STOPWORDS = frozenset(
    "og i jeg det at en et den til er som på de med han av ikke der så var meg seg men ett har om vi "
    "min mitt ha hadde hun nå over da ved fra du ut sin dem oss opp man kan hans hvor eller hva skal "
    "selv sjøl her alle vil bli ble blitt kunne inn når være kom noen noe ville dere deres kun ja etter "
    "ned skulle denne for deg si sine sitt mot å meget hvorfor dette disse uten hvordan ingen din ditt "
    "blir samme hvilken hvilke sånn inni mellom vår hver hvem vors hvis både bare enn fordi før mange "
    "også slik vært båe begge siden henne hennes liksom altså jo eh ehm mm liksom litt veldig nok".split()
)


@lru_cache(maxsize=500_000)
def token_feature_names(token: str) -> tuple[str, ...]:
    """Feature names of one token (see the module docstring)."""
    names: list[str] = []
    for part in token.split(COMPOUND_MARK):
        if part in STOPWORDS or part.isdigit():
            continue
        lemma = lemma_readings(part)[0]
        names.append("l:" + lemma)
        for n in EDGE_LENGTHS:
            if len(lemma) > n:
                names.append("p:" + lemma[:n])
                names.append("s:" + lemma[-n:])
    return tuple(names)


@dataclass(slots=True)
class Analysed:
    """Texts after one tokenisation pass: the token batch and the pattern hits."""

    batch: Batch
    hits: HitCounts
    pattern_scores: np.ndarray


class Featurizer:
    """Fit on training segments, then turn any segments into a sparse feature matrix.

    ``min_df``: a feature must occur in at least this many training segments;
    ``pattern_weight`` / ``text_weight``: scales of the pattern block and the l2-normalised text block.
    """

    def __init__(self, min_df: int = 2, pattern_weight: float = 1.0, text_weight: float = 1.0) -> None:
        self.min_df = min_df
        self.pattern_weight = pattern_weight
        self.text_weight = text_weight
        self.vocabulary_: dict[str, int] = {}
        self.idf_: np.ndarray = np.zeros(0)
        self.feature_names_: list[str] = []
        self._rows: dict[int, np.ndarray] = {}

    def token_row(self, table: TokenTable, token_id: int) -> np.ndarray:
        """The fitted feature columns of one token (cached per global token id)."""
        row = self._rows.get(token_id)
        if row is None:
            vocab = self.vocabulary_
            cols = {vocab[name] for name in token_feature_names(table.tokens[token_id]) if name in vocab}
            row = self._rows[token_id] = np.fromiter(sorted(cols), dtype=np.int64, count=len(cols))
        return row

    # -------------------------------------------------------------- fit / transform

    def fit(self, table: TokenTable, batch: Batch) -> Featurizer:
        names: dict[str, int] = {}
        rows: list[np.ndarray] = []
        for token_id in batch.token_ids:
            cols = {names.setdefault(name, len(names)) for name in token_feature_names(table.tokens[token_id])}
            rows.append(np.fromiter(sorted(cols), dtype=np.int64, count=len(cols)))
        full = rows_matrix(rows, len(names))
        binary = batch.counts.copy()
        binary.data[:] = 1.0
        df = np.asarray(((binary @ full) > 0).sum(axis=0)).ravel()
        keep = np.flatnonzero(df >= self.min_df)
        all_names = list(names)
        self.feature_names_ = [all_names[i] for i in keep]
        self.vocabulary_ = {name: i for i, name in enumerate(self.feature_names_)}
        n = batch.counts.shape[0]
        self.idf_ = np.log((1.0 + n) / (1.0 + df[keep])) + 1.0
        self._rows = {}
        return self

    def text_block(self, table: TokenTable, batch: Batch) -> sp.csr_matrix:
        mapping = rows_matrix([self.token_row(table, int(g)) for g in batch.token_ids], len(self.feature_names_))
        x = (batch.counts @ mapping).tocsr()
        x.data = 1.0 + np.log(x.data)
        x = (x @ sp.diags(self.idf_)).tocsr()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        scale = np.divide(self.text_weight, norms, out=np.zeros_like(norms), where=norms > 0)
        x.data *= np.repeat(scale, np.diff(x.indptr))
        return x

    def pattern_block(self, hits: HitCounts, scores: np.ndarray,
                      groups: Sequence[Sequence[int]] | None = None) -> sp.csr_matrix:
        """Per pattern label: log1p(strong), log1p(weak)/2, score; per group: the same, pooled."""
        parts = [np.log1p(hits.strong), np.log1p(hits.weak) * 0.5, scores]
        if groups is not None:
            for members in groups:
                idx = list(members)
                if not idx:
                    parts.append(np.zeros((scores.shape[0], 3)))
                    continue
                parts.append(np.column_stack([
                    np.log1p(hits.strong[:, idx].sum(axis=1)),
                    np.log1p(hits.weak[:, idx].sum(axis=1)) * 0.5,
                    scores[:, idx].max(axis=1),
                ]))
        return sp.csr_matrix(np.hstack(parts) * self.pattern_weight)

    def transform(self, table: TokenTable, analysed: Analysed,
                  groups: Sequence[Sequence[int]] | None = None) -> sp.csr_matrix:
        text = self.text_block(table, analysed.batch)
        patterns = self.pattern_block(analysed.hits, analysed.pattern_scores, groups)
        return sp.hstack([text, patterns], format="csr")

    @property
    def n_text_features(self) -> int:
        return len(self.feature_names_)


def analyse(texts: Sequence[str], pattern_set: PatternSet, scorer: PatternScorer) -> Analysed:
    """Tokenise ``texts`` once; count their tokens and pattern hits."""
    batch, hits = pattern_set.analyse_tokens([tokenize(text) for text in texts])
    return Analysed(batch, hits, scorer.score(hits))


def chunks(n: int, size: int) -> Iterable[slice]:
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))
