"""Transcript -> segment spans. The unit of analysis is the speaker turn by default.

Modes:
- ``turn``: one segment per speaker turn; a turn longer than ``max_words`` is split into windows of
  whole sentences of at most ``max_words`` words (a single longer sentence stays whole);
- ``paragraph``: one segment per paragraph (blank line or line break) inside each turn;
- ``sentence``: one segment per sentence.
Every segment lies inside one turn and inherits its speaker, role and timestamps. Whitespace at the
edges is trimmed, so ``text[start:end]`` never starts or ends with a space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from qualcode.errors import InputError
from qualcode.ingest.base import Transcript, trim_span
from qualcode.nlp import sentence_spans_many, word_count

SegmentMode = Literal["turn", "paragraph", "sentence"]
SEGMENT_MODES: tuple[str, ...] = ("turn", "paragraph", "sentence")
DEFAULT_MAX_WORDS = 150
_PARAGRAPH_BREAK = re.compile(r"\n\s*")


@dataclass(frozen=True)
class SegmentSpan:
    start: int
    end: int
    turn: int
    speaker: str | None
    speaker_role: str
    time_start: float | None
    time_end: float | None
    word_count: int


def _windows(text: str, sentences: list[tuple[int, int]], max_words: int) -> list[tuple[int, int, int]]:
    """Group sentences into windows of at most ``max_words`` words: (start, end, words)."""
    windows: list[tuple[int, int, int]] = []
    win_start: int | None = None
    win_end = 0
    win_words = 0
    for s, e in sentences:
        n = word_count(text[s:e])
        if win_start is not None and win_words + n > max_words:
            windows.append((win_start, win_end, win_words))
            win_start, win_words = None, 0
        if win_start is None:
            win_start = s
        win_end = e
        win_words += n
    if win_start is not None:
        windows.append((win_start, win_end, win_words))
    return windows


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = start
    for match in _PARAGRAPH_BREAK.finditer(text, start, end):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, end))
    return spans


Span = tuple[int, int, int | None]  # start, end, words (None: not counted yet)


def _raw_spans(transcript: Transcript, mode: SegmentMode, max_words: int) -> list[list[Span]]:
    """Untrimmed spans per turn; sentences of all turns that need them go through spaCy in one batch."""
    text = transcript.text
    turns = transcript.turns
    if mode == "paragraph":
        return [[(s, e, None) for s, e in _paragraphs(text, t.start, t.end)] for t in turns]
    counts = [word_count(text[t.start : t.end]) for t in turns] if mode == "turn" else []
    if mode == "turn":
        needs = [i for i, n in enumerate(counts) if n > max_words]
    else:
        needs = list(range(len(turns)))
    sentences = sentence_spans_many([text[turns[i].start : turns[i].end] for i in needs])
    by_turn = {
        i: [(turns[i].start + s, turns[i].start + e) for s, e in spans] for i, spans in zip(needs, sentences, strict=True)
    }
    out: list[list[Span]] = []
    for i, turn in enumerate(turns):
        if i not in by_turn:
            out.append([(turn.start, turn.end, counts[i])])
        elif mode == "turn":
            out.append(list(_windows(text, by_turn[i], max_words)))
        else:
            out.append([(s, e, None) for s, e in by_turn[i]])
    return out


def segment_transcript(
    transcript: Transcript, mode: SegmentMode = "turn", max_words: int = DEFAULT_MAX_WORDS
) -> list[SegmentSpan]:
    """Split a transcript into segment spans (offsets into ``transcript.text``), in reading order."""
    if mode not in SEGMENT_MODES:
        raise InputError(f"segment mode '{mode}': choose one of {', '.join(SEGMENT_MODES)}")
    if max_words < 1:
        raise InputError(f"max words per segment must be at least 1, not {max_words}")
    text = transcript.text
    spans: list[SegmentSpan] = []
    for index, (turn, raw) in enumerate(zip(transcript.turns, _raw_spans(transcript, mode, max_words), strict=True)):
        for raw_start, raw_end, words in raw:
            start, end = trim_span(text, raw_start, raw_end)
            if end <= start:
                continue
            spans.append(
                SegmentSpan(
                    start=start,
                    end=end,
                    turn=index,
                    speaker=turn.speaker,
                    speaker_role=turn.role,
                    time_start=turn.time_start,
                    time_end=turn.time_end,
                    word_count=word_count(text[start:end]) if words is None else words,
                )
            )
    return spans
