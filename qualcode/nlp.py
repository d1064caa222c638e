"""The Norwegian pipeline: ``spacy.blank("nb")``, abbreviation-aware sentences, and lookup lemmas.

No trained Norwegian pipeline can be installed here, so lemmas come from the Norwegian Bokmål
full-form tables of ``spacy-lookups-data`` (``nb_lemma_exc``, ~600k forms). Words missing from the
tables are treated as compounds: the longest known tail is lemmatised and the head kept
(``brukermålingene`` -> ``bruker`` + ``måling``). Everything is loaded once per process.

Two ways in:
- ``get_nlp()`` -- a spaCy ``Language`` with sentence boundaries and ``token.lemma_`` set;
- ``words()``, ``lemma()``, ``lemma_candidates()``, ``lemma_text()`` -- a fast regex path for
  search, features and suggestion scoring over many segments.
"""

from __future__ import annotations

import gzip
import json
import marshal
import os
import re
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qualcode.errors import QualcodeError
from qualcode.ingest.base import trim_span

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# Norwegian abbreviations that end in a period but do not end a sentence.
ABBREVIATIONS: tuple[str, ...] = (
    "bl.a.", "f.eks.", "dvs.", "d.v.s.", "ca.", "mht.", "m.h.t.", "osv.", "o.s.v.", "m.m.", "mv.", "o.l.",
    "evt.", "ev.", "pga.", "p.g.a.", "iht.", "i.h.t.", "ifm.", "ift.", "jf.", "jfr.", "kl.", "nr.", "mao.",
    "m.a.o.", "t.o.m.", "f.o.m.", "vs.", "ref.", "inkl.", "ekskl.", "ang.", "avd.", "tlf.", "pst.", "stk.",
    "mill.", "mrd.", "kr.", "bl.annet", "o.a.", "e.l.", "ev.", "hhv.", "h.h.v.", "sml.", "s.", "pr.", "dr.",
    "ass.", "adm.", "fylkesdir.", "ekspl.", "sos.", "prof.", "dept.", "red.", "utg.", "bet.", "egtl.",
)

WORD_RE = re.compile(r"\w+(?:[-']\w+)*", re.UNICODE)
_POS_ORDER = ("noun", "verb", "adj", "adv")
_MIN_TAIL = 4  # shortest known tail accepted when splitting a compound
_MIN_HEAD = 2


def _abbreviation_variants(abbr: str) -> set[str]:
    return {abbr, abbr[:1].upper() + abbr[1:], abbr.upper()}


_TABLE_FORMAT = 2  # bump when the merged table's layout changes


def _cache_file() -> Path:
    from importlib.metadata import version

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qualcode"
    py = f"py{sys.version_info[0]}{sys.version_info[1]}"
    return base / f"nb_lemmas-{version('spacy-lookups-data')}-{_TABLE_FORMAT}-{py}.marshal"


def _build_lemma_table() -> dict[str, str]:
    try:
        data_dir = resources.files("spacy_lookups_data") / "data"
        with resources.as_file(data_dir / "nb_lemma_exc.json.gz") as path, gzip.open(path, "rt", encoding="utf-8") as fh:
            by_pos: dict[str, dict[str, list[str]]] = json.load(fh)
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise QualcodeError(
            "the Norwegian lemma tables are missing: install the package spacy-lookups-data"
        ) from exc
    table: dict[str, tuple[str, ...]] = {}
    for pos in _POS_ORDER:
        for form, lemmas in by_pos.get(pos, {}).items():
            key = form.lower()
            known = table.get(key, ())
            extra = tuple(lem.lower() for lem in lemmas if lem.lower() not in known)
            if extra:
                table[key] = known + extra
    # a form that is itself a lemma keeps itself first (mål -> mål before måle)
    for key, cands in table.items():
        if len(cands) > 1 and key in cands and cands[0] != key:
            table[key] = (key,) + tuple(c for c in cands if c != key)
    return {key: "\t".join(cands) for key, cands in table.items()}


@lru_cache(maxsize=1)
def _lemma_table() -> dict[str, str]:
    """form -> candidate lemmas joined by tabs (most likely first), merged over parts of speech.

    Built from ``nb_lemma_exc`` once and kept with ``marshal`` in the user's cache folder (a local
    file derived from the installed package; nothing is downloaded), which loads several times faster.
    """
    try:
        cache = _cache_file()
        if cache.exists():
            loaded = marshal.loads(cache.read_bytes())
            if isinstance(loaded, dict) and loaded:
                return loaded
    except (OSError, EOFError, ValueError, TypeError, ImportError):
        pass
    table = _build_lemma_table()
    try:
        cache = _cache_file()
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(table))
        os.replace(tmp, cache)
    except (OSError, ImportError):
        pass  # a read-only home folder only costs speed
    return table


@lru_cache(maxsize=200_000)
def lemma_candidates(word: str) -> tuple[str, ...]:
    """All plausible lemmas of ``word`` (lower-cased), most likely first; never empty."""
    lower = word.lower()
    table = _lemma_table()
    found = table.get(lower)
    if found:
        return tuple(found.split("\t"))
    if "-" in lower:  # hyphenated compound: lemmatise the last part
        head, _, tail = lower.rpartition("-")
        tails = lemma_candidates(tail)
        return tuple(f"{head}-{t}" for t in tails)
    for cut in range(_MIN_HEAD, len(lower) - _MIN_TAIL + 1):
        tail = lower[cut:]
        tails = table.get(tail)
        if tails:
            head = lower[:cut]
            return tuple(head + t for t in tails.split("\t"))
    return (lower,)


def lemma(word: str) -> str:
    """The most likely lemma of ``word``, lower-cased."""
    return lemma_candidates(word)[0]


def words(text: str) -> list[tuple[str, int, int]]:
    """Word tokens of ``text`` as (word, start, end) code-point offsets; punctuation dropped."""
    return [(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(text)]


def word_count(text: str) -> int:
    return len(WORD_RE.findall(text))


_LEMMA_CACHE: dict[str, str] = {}


def lemmas(text: str) -> list[str]:
    """The most likely lemma of every word of ``text``, in order (one regex pass, cached lookups)."""
    cache = _LEMMA_CACHE
    get = cache.get
    out = []
    for word in WORD_RE.findall(text):
        found = get(word)
        if found is None:
            found = cache[word] = lemma_candidates(word)[0]
        out.append(found)
    return out


def lemma_text(text: str) -> str:
    """Space-separated lemmas of the words of ``text`` (for search and features)."""
    return " ".join(lemmas(text))


def _set_lemmas(doc: Doc) -> Doc:
    for token in doc:
        if not token.is_punct and not token.is_space:
            token.lemma_ = lemma(token.text)
    return doc


def sentence_starts(
    orth: np.ndarray, is_punct: np.ndarray, punct_hashes: np.ndarray, doc_first: np.ndarray | None = None
) -> np.ndarray:
    """Which tokens start a sentence: spaCy's Sentencizer rule, vectorised.

    A sentence ends at a token in ``punct_chars`` (``.``, ``!``, ``?`` …) and the next token that is
    neither punctuation nor such a character starts the next one. Same result as
    ``spacy.pipeline.Sentencizer`` (tests/test_nlp.py compares them), without a Python loop over tokens.
    Several documents can be processed in one call: ``doc_first`` gives, for every token, the index of
    its document's first token (the rule restarts there).
    """
    n = len(orth)
    starts = np.zeros(n, dtype=bool)
    if n == 0:
        return starts
    if doc_first is None:
        doc_first = np.zeros(n, dtype=np.int64)
    starts[np.unique(doc_first)] = True
    is_pc = np.isin(orth, punct_hashes)
    words = np.flatnonzero(~is_pc & ~is_punct.astype(bool))
    if len(words) == 0:
        return starts
    seen = np.cumsum(is_pc)
    before = np.where(words > 0, seen[np.maximum(words - 1, 0)], 0)
    previous = np.concatenate(([-1], words[:-1]))
    base_index = np.maximum(previous, doc_first[words] - 1)  # never look back past the document's start
    base = np.where(base_index >= 0, seen[np.maximum(base_index, 0)], 0)
    starts[words[(before - base) > 0]] = True
    return starts


@lru_cache(maxsize=1)
def _PUNCT_HASHES() -> np.ndarray:  # noqa: N802 - a cached constant
    """ORTH hashes of spaCy's sentence-final characters (hashes do not depend on the vocabulary)."""
    from spacy.pipeline import Sentencizer
    from spacy.strings import hash_string

    return np.array([hash_string(c) for c in Sentencizer.default_punct_chars], dtype=np.uint64)


def _set_sentences(doc: Doc) -> Doc:
    from spacy.attrs import IS_PUNCT, ORTH, SENT_START

    arr = doc.to_array([ORTH, IS_PUNCT])
    starts = sentence_starts(arr[:, 0], arr[:, 1], _PUNCT_HASHES())
    # SENT_START: 1 starts a sentence, -1 does not (as uint64, which is what Doc.from_array expects)
    doc.from_array([SENT_START], np.where(starts, 1, -1).astype(np.int64).astype(np.uint64).reshape(-1, 1))
    return doc


def _blank_nb() -> Language:
    import spacy

    nlp = spacy.blank("nb")
    for abbr in ABBREVIATIONS:
        for variant in _abbreviation_variants(abbr):
            nlp.tokenizer.add_special_case(variant, [{"ORTH": variant}])
    return nlp


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The shared pipeline: blank ``nb`` tokenizer with abbreviation exceptions, sentences, lemmas."""
    from spacy.language import Language

    if not Language.has_factory("nb_sentencizer"):
        Language.component("nb_sentencizer", assigns=["token.is_sent_start"])(_set_sentences)
    if not Language.has_factory("nb_lookup_lemmatizer"):
        Language.component("nb_lookup_lemmatizer", assigns=["token.lemma"])(_set_lemmas)
    nlp = _blank_nb()
    nlp.add_pipe("nb_sentencizer")
    nlp.add_pipe("nb_lookup_lemmatizer")
    return nlp


@lru_cache(maxsize=1)
def _tokenizer_nlp() -> Language:
    """The same tokenizer without components: what segmentation needs, and no more."""
    return _blank_nb()


def sentence_spans_many(texts: list[str]) -> list[list[tuple[int, int]]]:
    """Sentence (start, end) offsets within each text, whitespace trimmed, empty sentences dropped.

    All texts are tokenised by spaCy and their boundaries computed in one vectorised pass.
    """
    from spacy.attrs import IDX, IS_PUNCT, LENGTH, ORTH

    if not texts:
        return []
    docs = list(_tokenizer_nlp().tokenizer.pipe(texts, batch_size=256))
    sizes = np.array([len(doc) for doc in docs], dtype=np.int64)
    bounds = np.concatenate(([0], np.cumsum(sizes)))
    arrays = [doc.to_array([ORTH, IS_PUNCT, IDX, LENGTH]) for doc in docs if len(doc)]
    if not arrays:
        return [[] for _ in texts]
    arr = np.concatenate(arrays)
    doc_first = np.repeat(bounds[:-1], sizes)
    firsts = np.flatnonzero(sentence_starts(arr[:, 0], arr[:, 1], _PUNCT_HASHES(), doc_first))
    lasts = np.concatenate((firsts[1:], [len(arr)])) - 1
    begins = arr[firsts, 2].astype(np.int64).tolist()
    ends = (arr[lasts, 2].astype(np.int64) + arr[lasts, 3].astype(np.int64)).tolist()
    cut = np.searchsorted(firsts, bounds).tolist()
    out: list[list[tuple[int, int]]] = []
    for i, text in enumerate(texts):
        spans = []
        for j in range(cut[i], cut[i + 1]):
            b, e = trim_span(text, begins[j], ends[j])
            if e > b:
                spans.append((b, e))
        out.append(spans)
    return out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets within ``text``, whitespace trimmed."""
    return sentence_spans_many([text])[0]


def is_known_word(word: str) -> bool:
    """Whether ``word`` (lower-cased) is a form in the Norwegian lemma tables."""
    return word.lower() in _lemma_table()
