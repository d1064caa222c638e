"""Speaker labels and turns in plain transcript text.

A turn starts at a line that begins with a speaker label (``Intervjuer:``, ``Inf 3:``, ``Kari Nordmann:``),
optionally preceded by a timestamp (``[00:12:03]``, ``(00:12:03)`` or ``00:12:03``); lines without a label
continue the current turn. Text before the first label (a title, say) belongs to no turn. A text without
any label becomes one participant turn per paragraph (blank-line separated).

Known labels (``SpeakerConfig``) give the role directly. Other labels of one to three capitalised words
are named speakers; to keep ordinary sentences out ("Merk: ..."), a named label counts only when it
occurs at least twice, or when the text has no other speakers and at least two different named labels.
A named speaker is the interviewer when listed in ``SpeakerConfig.interviewer_names``; otherwise, when
there are exactly two named speakers and no labelled interviewer, the one whose turns more often end
with "?" is the interviewer (a tie leaves both as participants).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from qualcode.ingest.base import SpeakerRole, Turn, trim_span

__all__ = [
    "Label",
    "SpeakerConfig",
    "assign_roles",
    "build_turns",
    "classify_label",
    "detect_labels",
    "find_turns",
    "match_label_line",
    "parse_timestamp",
    "select_labels",
    "starts_with_timestamp",
]


@dataclass(frozen=True)
class SpeakerConfig:
    """Which labels mark the interviewer and the participant; optional interviewer names.

    Labels of one or two characters (``I``, ``Q``, ``IP``) match case-sensitively, longer ones ignore case.
    Every label may be followed by a number (``Inf 3``, ``Deltaker 2``).
    """

    interviewer_labels: tuple[str, ...] = (
        "I",
        "Int",
        "Intervjuer",
        "Intervjuar",
        "Interviewer",
        "Spørsmål",
        "Q",
        "Moderator",
    )
    participant_labels: tuple[str, ...] = (
        "Informant",
        "Inf",
        "IP",
        "Svar",
        "Respondent",
        "R",
        "A",
        "Deltaker",
        "Deltakar",
        "Deltager",
    )
    interviewer_names: tuple[str, ...] = ()


DEFAULT_CONFIG = SpeakerConfig()

# Capitalised words that start ordinary lines or metadata headers, never speakers.
_NOT_NAMES = frozenset(
    """ja nei jo og men så altså det den dette de der her hva hvem hvordan hvorfor hvor når eller nå da vel
    ok okei merk obs nb ps tema dato sted tid tidspunkt varighet lengde note notat notater kommentar
    kommentarer kilde tittel emne sak referat eksempel fil filnavn prosjekt transkribert transkribering
    transkripsjon intervju intervjuet deltakere kontor til fra sitat spørsmålet svaret oppsummering
    innledning avslutning bakgrunn stikkord""".split()
)

_TS = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_LINE_RE = re.compile(
    rf"""[ \t]*
    (?:(?P<ts>\[{_TS}\]|\({_TS}\)|{_TS})[ \t]*(?:[-–][ \t]*)?)?   # optional timestamp
    (?:\*\*)?                                                    # optional markdown bold
    (?P<label>[^\s:*\[(][^:\n*]{{0,44}}?)
    (?:[ \t]*(?::\*\*|\*\*[ \t]*:|:)|(?P<tab>\t))                  # colon, or a tab after a known label""",
    re.VERBOSE,
)
_TS_ONLY_RE = re.compile(rf"[ \t]*(?P<ts>\[{_TS}\]|\({_TS}\)|{_TS})[ \t]*(?:[-–][ \t]*)?")
_NUMBER_SUFFIX_RE = re.compile(r"^(?P<base>.*?)(?:[ \t]*\d{1,3})?$")
_QUESTION_END_RE = re.compile(r"\?[\s\"'»”’)\]]*$")


@dataclass(frozen=True)
class Label:
    """A speaker label found at a line start; ``content_start`` is where the utterance may begin."""

    line_start: int
    content_start: int
    speaker: str
    role: SpeakerRole | None  # None for a named speaker whose role is decided later
    time_start: float | None = None


def _leading_timestamp(text: str, start: int = 0, end: int | None = None) -> re.Match[str] | None:
    """A timestamp opening a line: bracketed, or bare with hours (a bare "10:30" may be a clock time)."""
    match = _TS_ONLY_RE.match(text, start, len(text) if end is None else end)
    if match is None:
        return None
    stamp = match.group("ts")
    return match if stamp[0] in "[(" or stamp.count(":") == 2 else None


def starts_with_timestamp(line: str) -> bool:
    """Whether a line begins with a timestamp such as ``[00:12:03]`` or ``00:12:03``."""
    return _leading_timestamp(line) is not None


def parse_timestamp(stamp: str) -> float:
    """``[01:02:03.5]``, ``(02:03)`` or ``1:02:03,5`` -> seconds."""
    stamp = stamp.strip("[]() \t").replace(",", ".")
    seconds = 0.0
    for part in stamp.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def _known_role(label: str, config: SpeakerConfig) -> SpeakerRole | None:
    base = _NUMBER_SUFFIX_RE.match(label)
    stem = base.group("base").strip() if base else label
    if any(_same_label(stem, known) for known in config.interviewer_labels):
        return "interviewer"
    if any(_same_label(stem, known) for known in config.participant_labels):
        return "participant"
    return None


def _same_label(written: str, known: str) -> bool:
    return written == known or (len(known) > 2 and written.casefold() == known.casefold())


def _is_name(label: str) -> bool:
    words = label.split()
    if words and words[-1].isdigit():
        words = words[:-1]
    if len(label) > 40 or not 1 <= len(words) <= 3 or " ".join(words).casefold() in _NOT_NAMES:
        return False
    for word in words:
        if not (word[0].isalpha() and word[0].isupper()):
            return False
        if not all(ch.isalnum() or ch in "-'’._" for ch in word):
            return False
    return True


def classify_label(label: str, config: SpeakerConfig) -> tuple[str, SpeakerRole | None] | None:
    """A label's speaker name and known role (None for a named speaker), or None if it is no label."""
    label = " ".join(label.split())
    if not label:
        return None
    role = _known_role(label, config)
    if role is not None:
        return label, role
    if _is_name(label):
        return label, None
    return None


def match_label_line(line: str, config: SpeakerConfig | None = None) -> Label | None:
    """A speaker label at the start of one line (offsets relative to the line), or None."""
    config = config or DEFAULT_CONFIG
    match = _LINE_RE.match(line)
    if match is None:
        return None
    classified = classify_label(match.group("label"), config)
    if classified is None:
        return None
    speaker, role = classified
    rest = line[match.end() :]
    if role is None and (match.group("tab") or rest[:1].isdigit() or rest.startswith("//")):
        return None  # "Kari<tab>", "Klokka 10:30", "Https://..."
    stamp = match.group("ts")
    return Label(0, match.end(), speaker, role, parse_timestamp(stamp) if stamp else None)


def detect_labels(text: str, config: SpeakerConfig | None = None) -> list[Label]:
    """Every line-start label candidate in ``text``, unfiltered (see :func:`select_labels`)."""
    config = config or DEFAULT_CONFIG
    labels: list[Label] = []
    offset = 0
    for line in text.split("\n"):
        found = match_label_line(line, config)
        if found is not None:
            labels.append(replace(found, line_start=offset, content_start=offset + found.content_start))
        offset += len(line) + 1
    return labels


def select_labels(candidates: Sequence[Label], config: SpeakerConfig | None = None) -> list[Label]:
    """Keep known labels and credible named speakers (see the module docstring), in text order."""
    config = config or DEFAULT_CONFIG
    explicit = {name.casefold() for name in config.interviewer_names}
    counts = Counter(c.speaker.casefold() for c in candidates if c.role is None)
    strong = {name for name, n in counts.items() if n >= 2 or name in explicit}
    if any(c.role is not None for c in candidates) or strong:
        keep = strong
    else:
        keep = set(counts) if len(counts) >= 2 else set()
    return sorted(
        (c for c in candidates if c.role is not None or c.speaker.casefold() in keep),
        key=lambda c: c.line_start,
    )


def _ends_with_question(utterance: str) -> bool:
    return _QUESTION_END_RE.search(utterance) is not None


def assign_roles(
    entries: Sequence[tuple[str | None, SpeakerRole | None, str]], config: SpeakerConfig | None = None
) -> list[SpeakerRole]:
    """Roles for turns given as (speaker, known role or None, utterance), by the rules of the module docstring."""
    config = config or DEFAULT_CONFIG
    explicit = {name.casefold() for name in config.interviewer_names}
    roles: list[SpeakerRole | None] = []
    for speaker, known, _ in entries:
        if known is not None:
            roles.append(known)
        elif speaker is not None and speaker.casefold() in explicit:
            roles.append("interviewer")
        else:
            roles.append(None)
    named = {e[0] for e, r in zip(entries, roles, strict=True) if r is None and e[0] is not None}
    interviewer: str | None = None
    if len(named) == 2 and "interviewer" not in roles:
        ratios: dict[str, float] = {}
        for name in named:
            utterances = [e[2] for e in entries if e[0] == name]
            ratios[name] = sum(map(_ends_with_question, utterances)) / len(utterances)
        first, second = sorted(named, key=lambda n: ratios[n], reverse=True)
        if ratios[first] > ratios[second]:
            interviewer = first
    return [
        r if r is not None else ("interviewer" if e[0] is not None and e[0] == interviewer else "participant")
        for e, r in zip(entries, roles, strict=True)
    ]


def _paragraph_turns(text: str) -> list[Turn]:
    turns: list[Turn] = []
    for match in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text):
        start, end = trim_span(text, match.start(), match.end())
        time: float | None = None
        stamp = _leading_timestamp(text, start, end)
        if stamp is not None and stamp.end() < end:
            time = parse_timestamp(stamp.group("ts"))
            start, end = trim_span(text, stamp.end(), end)
        turns.append(Turn(start, end, None, "participant", time))
    return _with_time_ends(turns)


def _with_time_ends(turns: list[Turn]) -> list[Turn]:
    """Set each timed turn's ``time_end`` to the start time of the next timed turn."""
    result: list[Turn] = []
    later: float | None = None
    for turn in reversed(turns):
        if turn.time_start is not None and later is not None and later >= turn.time_start:
            turn = Turn(turn.start, turn.end, turn.speaker, turn.role, turn.time_start, later)
        if turn.time_start is not None:
            later = turn.time_start
        result.append(turn)
    return result[::-1]


def build_turns(text: str, labels: Sequence[Label], config: SpeakerConfig | None = None) -> list[Turn]:
    """Turns from selected labels: each runs from its label's content to the next label's line."""
    config = config or DEFAULT_CONFIG
    if not labels:
        return _paragraph_turns(text)
    spans: list[tuple[Label, int, int]] = []
    for i, label in enumerate(labels):
        stop = labels[i + 1].line_start if i + 1 < len(labels) else len(text)
        start, end = trim_span(text, label.content_start, stop)
        if end > start:
            spans.append((label, start, end))
    roles = assign_roles([(lab.speaker, lab.role, text[s:e]) for lab, s, e in spans], config)
    turns = [
        Turn(start, end, label.speaker, role, label.time_start)
        for (label, start, end), role in zip(spans, roles, strict=True)
    ]
    return _with_time_ends(turns)


def find_turns(text: str, config: SpeakerConfig | None = None) -> list[Turn]:
    """Speaker turns of a plain (normalised) text; see the module docstring for the rules."""
    config = config or DEFAULT_CONFIG
    return build_turns(text, select_labels(detect_labels(text, config), config), config)
