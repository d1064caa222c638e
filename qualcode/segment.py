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
from qualcode.ingest.base import Transcript, Turn
from qualcode.nlp import sentence_spans, word_count

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


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(start + s, start + e) for s, e in sentence_spans(text[start:end])]


def _windows(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """Group the sentences of text[start:end] into windows of at most ``max_words`` words."""
    windows: list[tuple[int, int]] = []
    win_start: int | None = None
    win_end = start
    win_words = 0
    for s, e in _sentences(text, start, end):
        n = word_count(text[s:e])
        if win_start is not None and win_words + n > max_words:
            windows.append((win_start, win_end))
            win_start, win_words = None, 0
        if win_start is None:
            win_start = s
        win_end = e
        win_words += n
    if win_start is not None:
        windows.append((win_start, win_end))
    return windows


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = start
    for match in _PARAGRAPH_BREAK.finditer(text, start, end):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, end))
    return spans


def _turn_spans(text: str, turn: Turn, mode: SegmentMode, max_words: int) -> list[tuple[int, int]]:
    if mode == "turn":
        if word_count(text[turn.start : turn.end]) <= max_words:
            return [(turn.start, turn.end)]
        return _windows(text, turn.start, turn.end, max_words)
    if mode == "paragraph":
        return _paragraphs(text, turn.start, turn.end)
    return _sentences(text, turn.start, turn.end)


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
    for index, turn in enumerate(transcript.turns):
        for raw_start, raw_end in _turn_spans(text, turn, mode, max_words):
            start, end = _trim(text, raw_start, raw_end)
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
                    word_count=word_count(text[start:end]),
                )
            )
    return spans
