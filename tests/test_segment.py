"""Segmentation: turns, sentence windows for long turns, paragraphs, sentences; exact offsets."""

from __future__ import annotations

import pytest

from qualcode.errors import InputError
from qualcode.ingest.base import Transcript, Turn
from qualcode.segment import segment_transcript


def _transcript(parts: list[tuple[str, str, str]]) -> Transcript:
    """Build 'Label: text' lines; turns cover the text after the label."""
    text, turns = "", []
    for label, role, utterance in parts:
        prefix = f"{label}: "
        start = len(text) + len(prefix)
        text += prefix + utterance + "\n\n"
        turns.append(Turn(start, start + len(utterance), label, role))  # type: ignore[arg-type]
    return Transcript(text=text, turns=tuple(turns), format="txt")


LONG = " ".join(f"Dette er setning nummer {i} om målekortet og tilliten i kontoret vårt." for i in range(30))


def test_turn_mode_keeps_turns_and_roles() -> None:
    t = _transcript([("I", "interviewer", "Hva tenker du?"), ("Inf 3", "participant", "Æsj, det er 😅 vanskelig.")])
    spans = segment_transcript(t)
    assert [(t.text[s.start:s.end], s.speaker, s.speaker_role) for s in spans] == [
        ("Hva tenker du?", "I", "interviewer"), ("Æsj, det er 😅 vanskelig.", "Inf 3", "participant")]
    assert [s.word_count for s in spans] == [3, 4]


def test_long_turn_is_split_into_sentence_windows() -> None:
    t = _transcript([("Informant", "participant", LONG)])
    spans = segment_transcript(t, max_words=60)
    assert len(spans) > 1
    assert all(s.word_count <= 60 for s in spans)
    assert all(t.text[s.start:s.end].endswith(".") for s in spans)
    assert {s.turn for s in spans} == {0}
    # the windows cover the whole turn, in order, without overlap
    assert spans[0].start == t.turns[0].start and spans[-1].end == t.turns[0].end
    assert all(a.end < b.start for a, b in zip(spans, spans[1:], strict=False))


def test_sentence_and_paragraph_modes() -> None:
    t = _transcript([("IP", "participant", "Første setning, bl.a. om lunsj. Andre setning.\nNytt avsnitt her.")])
    assert [t.text[s.start:s.end] for s in segment_transcript(t, mode="sentence")] == [
        "Første setning, bl.a. om lunsj.", "Andre setning.", "Nytt avsnitt her."]
    assert [t.text[s.start:s.end] for s in segment_transcript(t, mode="paragraph")] == [
        "Første setning, bl.a. om lunsj. Andre setning.", "Nytt avsnitt her."]


def test_timestamps_are_inherited() -> None:
    t = Transcript("Kari: Hei der.", (Turn(6, 14, "Kari", "participant", 12.5, 15.0),), "vtt")
    (span,) = segment_transcript(t)
    assert (span.time_start, span.time_end) == (12.5, 15.0)


@pytest.mark.parametrize(("mode", "max_words"), [("words", 10), ("turn", 0)])
def test_bad_settings(mode: str, max_words: int) -> None:
    with pytest.raises(InputError):
        segment_transcript(_transcript([("I", "interviewer", "Hei?")]), mode=mode, max_words=max_words)  # type: ignore[arg-type]
