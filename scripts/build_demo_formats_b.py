"""Build the DOCX and WebVTT demo transcripts of NAV Solstrand and NAV Elvedal from plain-text sources.

Sources (UTF-8, one turn per line, a blank line between turns, each turn starting with its speaker label):
  corpora/demo/src/inf11_solstrand.txt -> corpora/demo/inf11_solstrand.docx
  corpora/demo/src/inf14_elvedal.txt   -> corpora/demo/inf14_elvedal.vtt

The DOCX gets one paragraph per turn: the speaker label ("Intervjuer:" / "Informant 11:") as a bold run,
then the speech as a normal run.

The VTT imitates a Microsoft Teams transcript: "WEBVTT", then cues with an id line ("<guid>/<turn>-<part>"),
a timing line and a "<v Speaker>...</v>" payload. Like Teams, a turn is split into consecutive cues of one or
two sentences (see split_cues). Timings are derived from word counts with a seeded random gap, so the output
is the same on every run.

Run from the repository root:  python scripts/build_demo_formats_b.py
"""

from __future__ import annotations

import io
import random
import re
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "corpora" / "demo"
SRC = DEMO / "src"

LABEL_RE = re.compile(r"^(?P<speaker>[^:\n]{1,40}):\s+(?P<text>.+)$")
SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ\[«])")
WORD_RE = re.compile(r"\w+")

MAX_CUE_WORDS = 20  # two sentences are merged into one cue only while the cue stays this short
WORDS_PER_SECOND = 2.6
FIXED_ZIP_TIME = (2024, 3, 14, 10, 0, 0)
CUE_NAMESPACE = uuid.UUID("6f0c2a8e-3d1b-4b7a-9c55-1e2f3a4b5c6d")


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str


def read_turns(path: Path) -> list[Turn]:
    """Read a source transcript: one labelled turn per non-blank line."""
    turns: list[Turn] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        match = LABEL_RE.match(line)
        if match is None:
            raise ValueError(f"{path.name}, line {number}: expected 'Speaker: text'")
        turns.append(Turn(match.group("speaker"), match.group("text").strip()))
    return turns


def split_cues(text: str) -> list[str]:
    """Split one turn into Teams-like cues of one or two sentences."""
    sentences = [s for s in SENTENCE_END_RE.split(text) if s]
    cues: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        if current:
            words = sum(len(WORD_RE.findall(s)) for s in current) + len(WORD_RE.findall(sentence))
            if len(current) < 2 and words <= MAX_CUE_WORDS:
                current.append(sentence)
                continue
            cues.append(" ".join(current))
        current = [sentence]
    if current:
        cues.append(" ".join(current))
    return cues


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def build_vtt(turns: list[Turn], doc_name: str, seed: int) -> str:
    rng = random.Random(seed)
    clock = 2.48
    blocks = ["WEBVTT", ""]
    for turn_no, turn in enumerate(turns):
        guid = uuid.uuid5(CUE_NAMESPACE, f"{doc_name}/{turn_no}")
        for part, cue in enumerate(split_cues(turn.text)):
            duration = max(1.2, len(WORD_RE.findall(cue)) / WORDS_PER_SECOND + rng.uniform(0.2, 0.9))
            start, end = clock, clock + duration
            blocks.append(f"{guid}/{turn_no + 1}-{part}")
            blocks.append(f"{_timestamp(start)} --> {_timestamp(end)}")
            blocks.append(f"<v {turn.speaker}>{cue}</v>")
            blocks.append("")
            clock = end + rng.uniform(0.05, 0.35)
        clock += rng.uniform(0.4, 1.6)
    return "\n".join(blocks)


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a DOCX archive with fixed member timestamps so rebuilding gives identical bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def build_docx(turns: list[Turn], target: Path) -> None:
    from docx import Document  # imported here so the VTT part runs without python-docx

    document = Document()
    props = document.core_properties
    props.author = "qualcode demo"
    props.title = target.stem
    props.created = datetime(2024, 3, 14, 10, 0, 0)
    props.modified = datetime(2024, 3, 14, 10, 0, 0)
    props.last_modified_by = "qualcode demo"
    props.revision = 1
    for turn in turns:
        paragraph = document.add_paragraph()
        label = paragraph.add_run(f"{turn.speaker}:")
        label.bold = True
        paragraph.add_run(f" {turn.text}")
    buffer = io.BytesIO()
    document.save(buffer)
    target.write_bytes(_normalise_zip(buffer.getvalue()))


def main() -> None:
    docx_turns = read_turns(SRC / "inf11_solstrand.txt")
    build_docx(docx_turns, DEMO / "inf11_solstrand.docx")
    vtt_turns = read_turns(SRC / "inf14_elvedal.txt")
    vtt = build_vtt(vtt_turns, "inf14_elvedal", seed=14)
    (DEMO / "inf14_elvedal.vtt").write_text(vtt, encoding="utf-8", newline="\n")
    print(f"wrote inf11_solstrand.docx ({len(docx_turns)} paragraphs), inf14_elvedal.vtt")


if __name__ == "__main__":
    main()
