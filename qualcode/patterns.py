"""The keyword pattern language of the codebooks: parse, compile once, match fast.

A pattern is one or more space-separated terms that match consecutive word tokens. Each term is
compared, case-insensitively, with a token's lower-cased surface form and with each of its lemma
candidates (:func:`qualcode.nlp.lemma_candidates`):

- ``ord``    exact: the surface form or a lemma candidate equals ``ord`` (``mål`` hits *målene* but
  not *måles*, whose only lemma is *måle*);
- ``ord*``   prefix (``tillit*`` hits *tilliten*, *tillitsbasert*, *tillitsreformen*);
- ``*ord``   suffix, i.e. a compound head (``*måling`` hits *resultatmåling*, *brukermålingene*);
- ``*ord*``  infix;
- ``-term``  an exclusion (false friend), standing alone: a token matching it is never part of a
  hit for that label (``-tillitsvalgt*``).

Coordinated compounds are expanded: in *mål- og resultatstyring* the token *mål-* also reads as
*målstyring* (the head of the next conjunct's compound, its longest known tail of >= 3 letters).

Patterns are compiled once per label set (:class:`PatternSet`); the analysis of each distinct
word is cached, so scoring many segments costs little more than tokenising them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import scipy.sparse as sp

from qualcode import nlp
from qualcode.errors import CodebookError

TermKind = Literal["exact", "prefix", "suffix", "infix"]

_TERM_RE = re.compile(r"^\*?[^*\s]+\*?$")
_WORD_RE = nlp.WORD_RE
# words that may stand between a hyphen-ended first conjunct and the compound it shares a head with
_CONJUNCTIONS = frozenset({"og", "eller", "samt", "enn", "som", "så", "vel", "både", "enten"})
_MIN_TAIL = 3
_KEY = 3  # prefix/suffix terms are looked up by their first/last three letters
_MAX_GAP = 4
_DANGLING = re.compile(r"\w-(?!\w)")
#: joins a hyphen-ended conjunct and the compound it stands for in a token string
COMPOUND_MARK = "\x00"


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a pattern: lower-cased ``text`` compared as ``kind``."""

    text: str
    kind: TermKind

    def matches(self, form: str) -> bool:
        if self.kind == "exact":
            return form == self.text
        if self.kind == "prefix":
            return form.startswith(self.text)
        if self.kind == "suffix":
            return form.endswith(self.text)
        return self.text in form


@dataclass(frozen=True, slots=True)
class Pattern:
    """A parsed pattern; ``exclusion`` patterns have exactly one term."""

    source: str
    terms: tuple[Term, ...]
    exclusion: bool = False


def parse_term(text: str) -> Term:
    body = text.lower()
    if not _TERM_RE.match(body) or not body.strip("*"):
        raise CodebookError(f"pattern term {text!r}: use letters with '*' only at the start or end")
    starts, ends = body.startswith("*"), body.endswith("*")
    core = body.strip("*")
    kind: TermKind = "infix" if starts and ends else "suffix" if starts else "prefix" if ends else "exact"
    return Term(core, kind)


def parse_pattern(source: str) -> Pattern:
    """Parse one pattern string; CodebookError names the pattern when it is not valid syntax."""
    parts = source.split()
    if not parts:
        raise CodebookError("empty pattern")
    if parts[0].startswith("-") and len(parts[0]) > 1:
        if len(parts) > 1:
            raise CodebookError(f"pattern {source!r}: an exclusion must be a single term")
        return Pattern(source, (parse_term(parts[0][1:]),), exclusion=True)
    if any(part.startswith("-") and len(part) > 1 and part[1] != "-" for part in parts[1:]):
        raise CodebookError(f"pattern {source!r}: an exclusion must be a single term")
    return Pattern(" ".join(parts), tuple(parse_term(part) for part in parts))


@dataclass(frozen=True, slots=True)
class LabelPatterns:
    """The patterns of one label (a code, or a theme): strong ones, weak ones (exclusions in either)."""

    label: str
    patterns: Sequence[str] = ()
    weak_patterns: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class PatternHit:
    """One match: the label, the pattern source, whether it is weak, and the text span it covers."""

    label: str
    pattern: str
    weak: bool
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class _Rule:
    label_index: int
    pattern_index: int  # index into PatternSet.pattern_sources
    weak: bool
    term_ids: tuple[int, ...]


@dataclass(slots=True)
class HitCounts:
    """Per text and label: distinct strong patterns, distinct weak patterns, and strong occurrences."""

    strong: np.ndarray
    weak: np.ndarray
    strong_occurrences: np.ndarray


def is_known_word(word: str) -> bool:
    """True when ``word`` is a form in the lemma tables (not merely guessed as a compound)."""
    return nlp.is_known_word(word)


def lemma_readings(word: str) -> tuple[str, ...]:
    """The lemma candidates of ``word`` without the imperative reading of a noun.

    A form that is itself a lemma keeps its verb readings except the imperative one: *mål* reads
    as *mål* (goal), not as *måle* (measure!); *bruker* keeps both *bruker* and *bruke*.
    """
    lower = word.lower()
    candidates = nlp.lemma_candidates(lower)
    if len(candidates) > 1 and candidates[0] == lower:
        imperative = {lower + "e", lower + lower[-1] + "e"}
        candidates = tuple(c for c in candidates if c not in imperative)
    return candidates


def word_forms(word: str) -> tuple[str, ...]:
    """Lower-cased surface, hyphen-less surface and the lemma readings of ``word``, deduplicated."""
    lower = word.lower()
    forms = [lower]
    if "-" in lower:
        forms.append(lower.replace("-", ""))
    forms.extend(lemma_readings(lower))
    return tuple(dict.fromkeys(forms))


def _coordinated_compound(first: str, following: str) -> str | None:
    """``mål`` + ``resultatstyring`` -> ``målstyring`` (longest known proper tail of >= 3 letters)."""
    lower = following.lower()
    for cut in range(1, len(lower) - _MIN_TAIL + 1):
        tail = lower[cut:]
        if is_known_word(tail):
            return first.lower() + tail
    return None


def tokens_with_compounds(text: str) -> list[tuple[str, int, int, str | None]]:
    """Word tokens ``(word, start, end, compound)``; ``compound`` is set on a hyphen-ended conjunct.

    In *mål- og resultatstyring* the token *mål* gets ``compound="målstyring"`` and its span runs
    to the end of *resultatstyring*.
    """
    found = [(m.group(), m.start(), m.end()) for m in _WORD_RE.finditer(text)]
    out: list[tuple[str, int, int, str | None]] = [(w, s, e, None) for w, s, e in found]
    if "-" not in text:
        return out
    n = len(text)
    for i, (word, start, end) in enumerate(found):
        if end >= n or text[end] != "-":
            continue
        for j in range(i + 1, min(len(found), i + 1 + _MAX_GAP)):
            nxt, _ns, ne = found[j]
            if (ne < n and text[ne] == "-") or nxt.lower() in _CONJUNCTIONS:
                continue
            compound = _coordinated_compound(word, nxt)
            if compound is not None:
                out[i] = (word, start, ne, compound)
            break
    return out


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens; a coordinated conjunct reads ``"mål" + COMPOUND_MARK + "målstyring"``."""
    if "-" in text and _DANGLING.search(text):
        return [
            word.lower() if compound is None else f"{word.lower()}{COMPOUND_MARK}{compound}"
            for word, _s, _e, compound in tokens_with_compounds(text)
        ]
    return _WORD_RE.findall(text.lower())


@dataclass(slots=True)
class Batch:
    """Tokenised texts as counts over the batch's own distinct tokens.

    ``counts`` is (texts x distinct tokens of the batch); column ``j`` is the token with global id
    ``token_ids[j]`` in the :class:`TokenTable`.
    """

    counts: sp.csr_matrix
    token_ids: np.ndarray
    tokens: Sequence[Sequence[str]]
    positions: np.ndarray  # local token index of every token, texts concatenated
    offsets: np.ndarray  # texts' start positions in ``positions`` (length texts + 1)


class TokenTable:
    """Distinct tokens -> global ids, under which per-token analyses are cached; grows as it goes."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.tokens: list[str] = []

    def __len__(self) -> int:
        return len(self.tokens)

    def batch(self, token_lists: Sequence[Sequence[str]]) -> Batch:
        flat = [token for tokens in token_lists for token in tokens]
        new = set(flat).difference(self.index)
        for token in sorted(new):
            self.index[token] = len(self.tokens)
            self.tokens.append(token)
        global_ids = np.fromiter(map(self.index.__getitem__, flat), dtype=np.int64, count=len(flat))
        unique = np.flatnonzero(np.bincount(global_ids, minlength=len(self.tokens)))
        lookup = np.empty(len(self.tokens), dtype=np.int64)
        lookup[unique] = np.arange(len(unique))
        local = lookup[global_ids]
        indptr = np.zeros(len(token_lists) + 1, dtype=np.int64)
        np.cumsum([len(tokens) for tokens in token_lists], out=indptr[1:])
        counts = sp.csr_matrix((np.ones(len(local)), local.astype(np.int64), indptr),
                               shape=(len(token_lists), len(unique)))
        return Batch(counts, unique, token_lists, local.astype(np.int64), indptr)


def rows_matrix(rows: Sequence[np.ndarray], width: int) -> sp.csr_matrix:
    """A 0/1 CSR matrix whose row ``i`` has ones in the columns ``rows[i]``."""
    lengths = np.fromiter((len(row) for row in rows), dtype=np.int64, count=len(rows))
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = np.concatenate(rows) if len(rows) else np.zeros(0, dtype=np.int64)
    return sp.csr_matrix((np.ones(len(indices)), indices.astype(np.int64), indptr), shape=(len(rows), width))


_EMPTY = np.zeros(0, dtype=np.int64)


class PatternSet:
    """Compiled patterns of many labels. Build once (e.g. per codebook set), then match many texts."""

    def __init__(self, labels: Sequence[LabelPatterns]) -> None:
        self.labels: tuple[str, ...] = tuple(item.label for item in labels)
        self.pattern_sources: list[str] = []
        self._terms: list[Term] = []
        term_index: dict[Term, int] = {}
        self._rules_by_first: dict[int, list[_Rule]] = {}
        self._exclusions: list[frozenset[int]] = []
        self._single: list[_Rule] = []
        self._multi: list[_Rule] = []
        self.n_rules = 0

        def term_id(term: Term) -> int:
            if term not in term_index:
                term_index[term] = len(self._terms)
                self._terms.append(term)
            return term_index[term]

        for label_index, item in enumerate(labels):
            excluded: set[int] = set()
            for weak, sources in ((False, item.patterns), (True, item.weak_patterns)):
                for source in sources:
                    try:
                        pattern = parse_pattern(source)
                    except CodebookError as exc:
                        raise CodebookError(f"code {item.label!r}: {exc}") from None
                    ids = tuple(term_id(term) for term in pattern.terms)
                    if pattern.exclusion:
                        excluded.add(ids[0])
                        continue
                    self.pattern_sources.append(pattern.source)
                    rule = _Rule(label_index, len(self.pattern_sources) - 1, weak, ids)
                    self._rules_by_first.setdefault(ids[0], []).append(rule)
                    (self._single if len(ids) == 1 else self._multi).append(rule)
                    self.n_rules += 1
            self._exclusions.append(frozenset(excluded))
        self._exact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._suffix: dict[str, list[int]] = {}
        infix: list[int] = []
        for index, term in enumerate(self._terms):
            table = {"exact": self._exact, "prefix": self._prefix, "suffix": self._suffix}.get(term.kind)
            if table is None:
                infix.append(index)
            else:
                table.setdefault(term.text, []).append(index)
        self._infix = tuple(infix)
        self._infix_re = (
            re.compile("|".join(re.escape(self._terms[i].text) for i in infix)) if infix else None
        )
        # prefix and suffix terms indexed by their first / last _KEY letters (shorter ones kept apart)
        self._prefix_by_key: dict[str, list[tuple[str, list[int]]]] = {}
        self._suffix_by_key: dict[str, list[tuple[str, list[int]]]] = {}
        self._short_prefix: list[tuple[str, list[int]]] = []
        self._short_suffix: list[tuple[str, list[int]]] = []
        for text, ids in self._prefix.items():
            if len(text) >= _KEY:
                self._prefix_by_key.setdefault(text[:_KEY], []).append((text, ids))
            else:
                self._short_prefix.append((text, ids))
        for text, ids in self._suffix.items():
            if len(text) >= _KEY:
                self._suffix_by_key.setdefault(text[-_KEY:], []).append((text, ids))
            else:
                self._short_suffix.append((text, ids))
        self._token_cache: dict[str, frozenset[int]] = {}
        self.table = TokenTable()
        self._lock = threading.Lock()
        # per global token id: its term ids (set and array) and the single-term rules it hits
        self._token_term_sets: list[frozenset[int]] = []
        self._token_term_arrays: list[np.ndarray] = []
        self._token_rule_arrays: list[np.ndarray] = []
        self._rules_of_term: dict[int, list[int]] = {}
        for r, rule in enumerate(self._single):
            self._rules_of_term.setdefault(rule.term_ids[0], []).append(r)
        n_labels = len(self.labels)
        strong = np.zeros((len(self._single), n_labels))
        weak = np.zeros((len(self._single), n_labels))
        for r, rule in enumerate(self._single):
            (weak if rule.weak else strong)[r, rule.label_index] = 1.0
        self._single_strong = sp.csr_matrix(strong)
        self._single_weak = sp.csr_matrix(weak)

    # ------------------------------------------------------------------ word level

    def _forms_terms(self, forms: Iterable[str]) -> frozenset[int]:
        hits: set[int] = set()
        for form in forms:
            hits.update(self._exact.get(form, ()))
            for text, ids in self._prefix_by_key.get(form[:_KEY], ()):
                if form.startswith(text):
                    hits.update(ids)
            for text, ids in self._suffix_by_key.get(form[-_KEY:], ()):
                if form.endswith(text):
                    hits.update(ids)
            for text, ids in self._short_prefix:
                if form.startswith(text):
                    hits.update(ids)
            for text, ids in self._short_suffix:
                if form.endswith(text):
                    hits.update(ids)
            if self._infix_re is not None and self._infix_re.search(form):
                hits.update(i for i in self._infix if self._terms[i].text in form)
        return frozenset(hits)

    def token_terms(self, token: str) -> frozenset[int]:
        """Ids of the terms a token (from :func:`tokenize`) matches; cached per distinct token."""
        cached = self._token_cache.get(token)
        if cached is None:
            forms: tuple[str, ...] = ()
            for part in token.split(COMPOUND_MARK):
                forms += word_forms(part)
            cached = self._forms_terms(forms)
            self._token_cache[token] = cached
        return cached

    # ------------------------------------------------------------------ text level

    def _matches(self, token_terms: Sequence[frozenset[int]]) -> Iterable[tuple[_Rule, int]]:
        """(rule, first token index) for every rule matching at every position."""
        rules_by_first = self._rules_by_first
        exclusions = self._exclusions
        for i, terms in enumerate(token_terms):
            if not terms:
                continue
            for tid in terms:
                for rule in rules_by_first.get(tid, ()):
                    size = len(rule.term_ids)
                    if i + size > len(token_terms):
                        continue
                    if size > 1 and any(
                        rule.term_ids[k] not in token_terms[i + k] for k in range(1, size)
                    ):
                        continue
                    excluded = exclusions[rule.label_index]
                    if excluded and any(excluded & token_terms[i + k] for k in range(size)):
                        continue
                    yield rule, i

    def match(self, text: str) -> list[PatternHit]:
        """All hits in ``text`` with their spans, in text order."""
        tokens = tokens_with_compounds(text)
        token_terms = [
            self.token_terms(word.lower() if compound is None else f"{word.lower()}{COMPOUND_MARK}{compound}")
            for word, _s, _e, compound in tokens
        ]
        hits: list[PatternHit] = []
        for rule, i in self._matches(token_terms):
            start = tokens[i][1]
            end = tokens[i + len(rule.term_ids) - 1][2]
            hits.append(
                PatternHit(self.labels[rule.label_index], self.pattern_sources[rule.pattern_index],
                           rule.weak, start, end, text[start:end])
            )
        hits.sort(key=lambda hit: (hit.start, hit.end, hit.label))
        return hits

    def _sync(self) -> None:
        """Analyse the tokens that are new to ``table``."""
        sets = self._token_term_sets
        for token_id in range(len(sets), len(self.table)):
            terms = self.token_terms(self.table.tokens[token_id])
            sets.append(terms)
            if not terms:
                self._token_term_arrays.append(_EMPTY)
                self._token_rule_arrays.append(_EMPTY)
                continue
            rules = [
                r for term in terms for r in self._rules_of_term.get(term, ())
                if not (self._exclusions[self._single[r].label_index] & terms)
            ]
            self._token_term_arrays.append(np.array(sorted(terms), dtype=np.int64))
            self._token_rule_arrays.append(np.array(sorted(rules), dtype=np.int64))

    def analyse_tokens(self, token_lists: Sequence[Sequence[str]]) -> tuple[Batch, HitCounts]:
        """The batch (token counts) and the hit counts of many tokenised texts.

        Single-term patterns are counted with sparse matrix products over the batch's distinct
        tokens; a multi-term pattern is checked token by token only in the texts that contain all
        of its terms.
        """
        with self._lock:
            return self._analyse_tokens(token_lists)

    def _analyse_tokens(self, token_lists: Sequence[Sequence[str]]) -> tuple[Batch, HitCounts]:
        batch = self.table.batch(token_lists)
        self._sync()
        counts = batch.counts
        rule_arrays = self._token_rule_arrays
        rule_matrix = rows_matrix([rule_arrays[g] for g in batch.token_ids], len(self._single))
        occurrences = counts @ rule_matrix
        present = occurrences.copy()
        present.data = (present.data > 0).astype(np.float64)
        strong = np.asarray((present @ self._single_strong).todense())
        weak = np.asarray((present @ self._single_weak).todense())
        strong_occurrences = np.asarray((occurrences @ self._single_strong).todense())
        if self._multi:
            self._count_multi(batch, strong, weak, strong_occurrences)
        return batch, HitCounts(strong, weak, strong_occurrences)

    def _count_multi(self, batch: Batch, strong: np.ndarray, weak: np.ndarray, occurrences: np.ndarray) -> None:
        """Add the hits of multi-term patterns: consecutive tokens of one text matching the terms in order."""
        n_local = len(batch.token_ids)
        term_arrays = self._token_term_arrays
        local_terms = rows_matrix([term_arrays[g] for g in batch.token_ids], len(self._terms)).tocsc()
        has: dict[int, np.ndarray] = {}

        def membership(term_ids: Iterable[int]) -> np.ndarray:
            mask = np.zeros(n_local, dtype=bool)
            for term in term_ids:
                mask[local_terms.indices[local_terms.indptr[term]:local_terms.indptr[term + 1]]] = True
            return mask

        positions = batch.positions
        text_of = np.repeat(np.arange(len(batch.offsets) - 1), np.diff(batch.offsets))
        # inverted index: the positions of each local token, to find a rule's first term quickly
        by_token = np.argsort(positions, kind="stable")
        token_start = np.zeros(n_local + 1, dtype=np.int64)
        np.cumsum(np.bincount(positions, minlength=n_local), out=token_start[1:])
        excluded_at: dict[int, np.ndarray] = {}
        last = len(positions)
        for rule in self._multi:
            size = len(rule.term_ids)
            first = rule.term_ids[0]
            tokens_with_first = local_terms.indices[local_terms.indptr[first]:local_terms.indptr[first + 1]]
            if not len(tokens_with_first):
                continue
            starts = np.concatenate([by_token[token_start[u]:token_start[u + 1]] for u in tokens_with_first])
            starts = starts[starts + size <= last]
            for j in range(1, size):
                if not len(starts):
                    break
                term = rule.term_ids[j]
                if term not in has:
                    has[term] = membership((term,))
                starts = starts[has[term][positions[starts + j]]]
            if not len(starts):
                continue
            starts = starts[text_of[starts] == text_of[starts + size - 1]]
            label = rule.label_index
            if self._exclusions[label]:
                if label not in excluded_at:
                    excluded_at[label] = membership(self._exclusions[label])
                keep = np.ones(len(starts), dtype=bool)
                for j in range(size):
                    keep &= ~excluded_at[label][positions[starts + j]]
                starts = starts[keep]
            if not len(starts):
                continue
            rows, found = np.unique(text_of[starts], return_counts=True)
            if rule.weak:
                weak[rows, label] += 1
            else:
                strong[rows, label] += 1
                occurrences[rows, label] += found

    def count_tokens(self, token_lists: Sequence[Sequence[str]]) -> HitCounts:
        """Hit counts for many tokenised texts."""
        return self.analyse_tokens(token_lists)[1]

    def count(self, texts: Sequence[str]) -> HitCounts:
        """Hit counts for many texts."""
        return self.count_tokens([tokenize(text) for text in texts])


def compile_patterns(labels: Sequence[LabelPatterns]) -> PatternSet:
    """A compiled :class:`PatternSet`, shared while the patterns stay the same, so that its
    per-token analyses survive retraining."""
    key = tuple((item.label, tuple(item.patterns), tuple(item.weak_patterns)) for item in labels)
    return _compiled(key)


@lru_cache(maxsize=8)
def _compiled(key: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]) -> PatternSet:
    return PatternSet([LabelPatterns(label, patterns, weak) for label, patterns, weak in key])


@dataclass(slots=True)
class PatternScorer:
    """Turns hit counts into a score in [0, 1]: ``1 - 0.5 ** evidence``.

    ``evidence`` = distinct strong patterns + ``weak_weight`` x distinct weak patterns, where weak
    cues count only alongside other evidence: next to a strong hit, or when at least
    ``weak_alone`` distinct weak patterns of the same label hit. One strong hit scores 0.5, two
    0.75; a lone weak cue scores 0.
    """

    weak_weight: float = 0.5
    weak_alone: int = 2

    def score(self, counts: HitCounts) -> np.ndarray:
        weak_counts = np.where(
            (counts.strong > 0) | (counts.weak >= self.weak_alone), counts.weak, 0.0
        )
        evidence = counts.strong + self.weak_weight * weak_counts
        return (1.0 - np.power(0.5, evidence)).astype(np.float64)
