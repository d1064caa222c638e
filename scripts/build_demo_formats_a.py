"""Build the .docx and .vtt demo transcripts of NAV Breivik / NAV Haugsnes from plain-text sources.

Sources (UTF-8, ``\\n`` newlines) live in ``corpora/demo/src/``. A source file is a sequence of
turns separated by blank lines. The first line of a turn starts with a speaker label
(``Intervjuer:`` or ``Informant N:``); every further line of the turn continues the same speaker.

* ``inf03_breivik.txt`` -> ``inf03_breivik.docx``: one paragraph per turn, the speaker label as a
  bold run followed by the speech as a normal run (lines of a turn are joined with a space).
* ``inf06_haugsnes.txt`` -> ``inf06_haugsnes.vtt``: Microsoft Teams style WebVTT. Every line of a
  turn becomes one cue ``<v Speaker>text</v>`` with a Teams-like cue id and a timing line; the
  timings are derived from the word count with a fixed random seed, so the output is reproducible.

Usage: ``python scripts/build_demo_formats_a.py`` (from the repository root or anywhere else).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from docx import Document

DEMO_DIR = Path(__file__).resolve().parent.parent / "corpora" / "demo"
SRC_DIR = DEMO_DIR / "src"
LABEL_RE = re.compile(r"^(Intervjuer|Informant \d+):\s*")
WORDS_PER_SECOND = {"Intervjuer": 2.9}
DEFAULT_WORDS_PER_SECOND = 2.5


@dataclass(frozen=True)
class SourceTurn:
    speaker: str
    lines: tuple[str, ...]


def read_source(path: Path) -> list[SourceTurn]:
    """Parse a source file into speaker turns; exit with a message naming the file on bad input."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    turns: list[SourceTurn] = []
    for number, block in enumerate(re.split(r"\n\s*\n", text.strip()), start=1):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        match = LABEL_RE.match(lines[0])
        if match is None:
            sys.exit(f"{path}: turn {number} does not start with a speaker label: {lines[0][:40]!r}")
        first = lines[0][match.end():].strip()
        body = tuple(line for line in [first, *lines[1:]] if line)
        if not body:
            sys.exit(f"{path}: turn {number} has a label but no text")
        turns.append(SourceTurn(speaker=match.group(1), lines=body))
    return turns


def build_docx(turns: list[SourceTurn], target: Path) -> None:
    """Write one paragraph per turn: bold ``Speaker:`` label, then the speech in a normal run."""
    document = Document()
    core = document.core_properties
    core.author = "qualcode demo"
    core.title = target.stem
    core.created = dt.datetime(2024, 3, 14, 10, 0, 0)
    core.modified = core.created
    for turn in turns:
        paragraph = document.add_paragraph()
        label = paragraph.add_run(f"{turn.speaker}:")
        label.bold = True
        paragraph.add_run(" " + " ".join(turn.lines))
    document.save(str(target))


def _timestamp(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def build_vtt(turns: list[SourceTurn], target: Path, seed: int = 6) -> None:
    """Write a Teams-style WebVTT file with one cue per source line and increasing timings."""
    rng = random.Random(seed)
    clock = 3.0 + rng.uniform(0.0, 1.0)
    out: list[str] = ["WEBVTT", ""]
    for number, turn in enumerate(turns, start=1):
        turn_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        rate = WORDS_PER_SECOND.get(turn.speaker, DEFAULT_WORDS_PER_SECOND)
        for index, line in enumerate(turn.lines):
            duration = max(1.2, len(line.split()) / rate + rng.uniform(0.2, 0.9))
            out.append(f"{turn_id}/{number}-{index}")
            out.append(f"{_timestamp(clock)} --> {_timestamp(clock + duration)}")
            out.append(f"<v {turn.speaker}>{line}</v>")
            out.append("")
            clock += duration + rng.uniform(0.05, 0.4)
        clock += rng.uniform(0.4, 1.6)
    target.write_text("\n".join(out), encoding="utf-8", newline="\n")


def main() -> None:
    build_docx(read_source(SRC_DIR / "inf03_breivik.txt"), DEMO_DIR / "inf03_breivik.docx")
    build_vtt(read_source(SRC_DIR / "inf06_haugsnes.txt"), DEMO_DIR / "inf06_haugsnes.vtt")
    print(f"wrote {DEMO_DIR / 'inf03_breivik.docx'} and {DEMO_DIR / 'inf06_haugsnes.vtt'}")


if __name__ == "__main__":
    main()
