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

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from qualcode.patterns import COMPOUND_MARK, HitCounts, PatternScorer, PatternSet, lemma_readings, tokenize

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


def token_feature_names(token: str) -> list[str]:
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
    return names


class TokenTable:
    """Distinct tokens -> column ids of a count matrix; grows as new tokens are seen."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.index)

    def tokens(self, start: int = 0) -> list[str]:
        return list(self.index)[start:]

    def counts(self, token_lists: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """A (texts x tokens) count matrix."""
        index = self.index
        setdefault = index.setdefault
        ids = [setdefault(token, len(index)) for tokens in token_lists for token in tokens]
        indptr = np.zeros(len(token_lists) + 1, dtype=np.int64)
        np.cumsum([len(tokens) for tokens in token_lists], out=indptr[1:])
        data = np.ones(len(ids), dtype=np.float64)
        matrix = sp.csr_matrix((data, np.asarray(ids, dtype=np.int64), indptr), shape=(len(token_lists), len(index)))
        matrix.sum_duplicates()
        return matrix


@dataclass(slots=True)
class Analysed:
    """Texts after one tokenisation pass: token counts and pattern hits."""

    counts: sp.csr_matrix
    hits: HitCounts
    pattern_scores: np.ndarray
    tokens: list[list[str]]


class Featurizer:
    """Fit on training segments, then turn any segments into a sparse feature matrix.

    ``min_df``: a feature must occur in at least this many training segments;
    ``pattern_weight``: scale of the pattern block next to the l2-normalised text block.
    """

    def __init__(self, min_df: int = 2, pattern_weight: float = 1.0, text_weight: float = 1.0) -> None:
        self.min_df = min_df
        self.pattern_weight = pattern_weight
        self.text_weight = text_weight
        self.vocabulary_: dict[str, int] = {}
        self.idf_: np.ndarray = np.zeros(0)
        self.feature_names_: list[str] = []
        self._rows: list[np.ndarray] = []
        self._map: sp.csr_matrix | None = None

    # -------------------------------------------------------------- word -> feature map

    def _token_map(self, table: TokenTable) -> sp.csr_matrix:
        """(tokens x features) 0/1 matrix for every token of ``table``; extended incrementally."""
        if self._map is not None and self._map.shape[0] == len(table):
            return self._map
        vocab = self.vocabulary_
        for token in table.tokens(len(self._rows)):
            cols = {vocab[name] for name in token_feature_names(token) if name in vocab}
            self._rows.append(np.fromiter(sorted(cols), dtype=np.int64, count=len(cols)))
        lengths = np.fromiter((len(row) for row in self._rows), dtype=np.int64, count=len(self._rows))
        indptr = np.zeros(len(self._rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.concatenate(self._rows) if self._rows else np.zeros(0, dtype=np.int64)
        self._map = sp.csr_matrix(
            (np.ones(len(indices)), indices, indptr), shape=(len(self._rows), len(self.feature_names_))
        )
        return self._map

    # -------------------------------------------------------------- fit / transform

    def fit(self, table: TokenTable, counts: sp.csr_matrix) -> Featurizer:
        present = np.flatnonzero(np.asarray((counts > 0).sum(axis=0)).ravel())
        tokens = table.tokens()
        names: dict[str, int] = {}
        rows, cols = [], []
        for col in present:
            for name in set(token_feature_names(tokens[col])):
                rows.append(col)
                cols.append(names.setdefault(name, len(names)))
        full = sp.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(counts.shape[1], len(names))
        )
        binary = (counts > 0).astype(np.float64)
        df = np.asarray(((binary @ full) > 0).sum(axis=0)).ravel()
        keep = np.flatnonzero(df >= self.min_df)
        all_names = list(names)
        self.feature_names_ = [all_names[i] for i in keep]
        self.vocabulary_ = {name: i for i, name in enumerate(self.feature_names_)}
        n = counts.shape[0]
        self.idf_ = np.log((1.0 + n) / (1.0 + df[keep])) + 1.0
        self._rows = []
        self._map = None
        return self

    def text_block(self, table: TokenTable, counts: sp.csr_matrix) -> sp.csr_matrix:
        mapping = self._token_map(table)
        if counts.shape[1] < mapping.shape[0]:
            counts = sp.csr_matrix((counts.data, counts.indices, counts.indptr),
                                   shape=(counts.shape[0], mapping.shape[0]))
        x = (counts @ mapping).tocsr()
        x.data = 1.0 + np.log(x.data)
        x = x @ sp.diags(self.idf_)
        x = normalize(x, norm="l2", copy=False).tocsr()
        if self.text_weight != 1.0:
            x.data *= self.text_weight
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
        text = self.text_block(table, analysed.counts)
        patterns = self.pattern_block(analysed.hits, analysed.pattern_scores, groups)
        return sp.hstack([text, patterns], format="csr")

    @property
    def n_text_features(self) -> int:
        return len(self.feature_names_)


def analyse(texts: Sequence[str], table: TokenTable, pattern_set: PatternSet, scorer: PatternScorer) -> Analysed:
    """Tokenise ``texts`` once; count tokens and pattern hits."""
    tokens = [tokenize(text) for text in texts]
    hits = pattern_set.count_tokens(tokens)
    return Analysed(table.counts(tokens), hits, scorer.score(hits), tokens)


def chunks(n: int, size: int) -> Iterable[slice]:
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))
