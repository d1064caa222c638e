"""Subtitle transcripts (.vtt, .srt) from Teams, Zoom, Whisper and the like, parsed here (no library).

A cue is a block with a ``-->`` timing line; its text lines are joined with spaces, tags (``<i>``,
``<c.x>``, ``{\\an8}``) removed and HTML entities decoded. The speaker comes from a Teams voice tag
``<v Kari Nordmann>...</v>`` or a ``Name: text`` prefix (Zoom, diarised Whisper); named prefixes obey the
credibility rule of plain text (see ``speakers``). A cue without a speaker continues the previous speaker's
turn. Consecutive cues of one speaker merge into one turn (texts joined with a space). In a file without
any speaker, cues merge until a pause of ``PAUSE_SECONDS`` or more.

The document text is the turns, written ``Name: utterance`` (just the utterance without a speaker),
separated by blank lines. A turn's times are its first cue's start and its last cue's end, in seconds.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from pathlib import Path

from qualcode.ingest.base import SpeakerRole, Transcript, Turn, normalize_text
from qualcode.ingest.speakers import (
    Label,
    SpeakerConfig,
    assign_roles,
    classify_label,
    match_label_line,
    select_labels,
)
from qualcode.ingest.text import decode_bytes, file_error, read_bytes

__all__ = ["PAUSE_SECONDS", "read_srt", "read_vtt"]

PAUSE_SECONDS = 2.0
_TIME = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_TIMING_RE = re.compile(rf"^\s*(?P<start>{_TIME})\s*-->\s*(?P<end>{_TIME})")
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]*)?\s+(?P<name>[^>]+)>")
_TAG_RE = re.compile(r"<[^>]*>|\{\\[^}]*\}")


@dataclass(frozen=True)
class _Cue:
    start: float
    end: float
    text: str
    speaker: str | None
    role: SpeakerRole | None
    prefixed: bool = False  # speaker taken from a "Name: text" prefix


def _seconds(stamp: str) -> float:
    seconds = 0.0
    for part in stamp.replace(",", ".").split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def _parse_cues(text: str, config: SpeakerConfig) -> list[_Cue]:
    raw: list[_Cue] = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = block.strip("\n").split("\n")
        index = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if index is None:
            continue  # WEBVTT header, NOTE, STYLE, REGION
        timing = _TIMING_RE.match(lines[index])
        if timing is None:
            continue
        payload = "\n".join(lines[index + 1 :])
        voice = _VOICE_RE.search(payload)
        body = " ".join(html.unescape(_TAG_RE.sub("", payload)).split())
        if not body:
            continue
        speaker: str | None = None
        role: SpeakerRole | None = None
        prefixed = False
        if voice is not None:
            classified = classify_label(voice.group("name"), config)
            speaker, role = classified if classified else (" ".join(voice.group("name").split()), None)
        else:
            found = match_label_line(body, config)
            if found is not None and found.content_start < len(body):
                speaker, role = found.speaker, found.role
                body, prefixed = body[found.content_start :].strip(), True
        start, end = _seconds(timing.group("start")), _seconds(timing.group("end"))
        raw.append(_Cue(start, end, body, speaker, role, prefixed))
    # Named "Name:" prefixes must be credible; a rejected prefix stays part of the cue text.
    prefixes = [Label(i, i, c.speaker, c.role) for i, c in enumerate(raw) if c.prefixed and c.speaker]
    kept = {label.line_start for label in select_labels(prefixes, config)}
    return [
        replace(c, text=f"{c.speaker}: {c.text}", speaker=None, role=None, prefixed=False)
        if c.prefixed and i not in kept
        else c
        for i, c in enumerate(raw)
    ]


def _group(cues: list[_Cue]) -> list[list[_Cue]]:
    any_speaker = any(cue.speaker is not None for cue in cues)
    groups: list[list[_Cue]] = []
    current: str | None = None
    for cue in cues:
        if cue.speaker is not None:
            same = cue.speaker == current
            current = cue.speaker
        elif any_speaker:
            same = True
        else:
            same = cue.start - groups[-1][-1].end < PAUSE_SECONDS if groups else False
        if same and groups:
            groups[-1].append(cue)
        else:
            groups.append([cue])
    return groups


def _read_subtitles(path: Path, speakers: SpeakerConfig, fmt: str) -> Transcript:
    decoded, encoding = decode_bytes(read_bytes(path), path)
    cues = _parse_cues(normalize_text(decoded), speakers)
    if not cues:
        raise file_error(path, f"has no subtitle cues (not a valid .{fmt} file?)")
    groups = _group(cues)
    utterances = [" ".join(cue.text for cue in group) for group in groups]
    roles = assign_roles(
        [(g[0].speaker, g[0].role, u) for g, u in zip(groups, utterances, strict=True)], speakers
    )
    parts: list[str] = []
    turns: list[Turn] = []
    offset = 0
    for group, utterance, role in zip(groups, utterances, roles, strict=True):
        speaker = group[0].speaker
        prefix = f"{speaker}: " if speaker is not None else ""
        start = offset + len(prefix)
        parts.append(prefix + utterance)
        turns.append(Turn(start, start + len(utterance), speaker, role, group[0].start, group[-1].end))
        offset += len(parts[-1]) + 2
    text = "\n\n".join(parts)
    return Transcript(text, tuple(turns), fmt, {"encoding": encoding})


def read_vtt(path: Path, speakers: SpeakerConfig) -> Transcript:
    """Read a WebVTT transcript (Teams, Zoom, Whisper)."""
    return _read_subtitles(path, speakers, "vtt")


def read_srt(path: Path, speakers: SpeakerConfig) -> Transcript:
    """Read a SubRip transcript."""
    return _read_subtitles(path, speakers, "srt")
