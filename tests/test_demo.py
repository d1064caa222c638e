"""The demo project: 16 interviews at four fictional offices, attributes, two coders, all four codebooks."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qualcode.db.models import Coding, Document, Segment
from qualcode.db.session import open_engine, session_scope
from qualcode.demo import build_demo, demo_corpus_dir
from qualcode.project import export_table

DEMO = demo_corpus_dir()


def test_corpus_files_and_metadata_agree() -> None:
    with (DEMO / "meta.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 16
    assert all((DEMO / r["file"]).exists() for r in rows)
    suffixes = [Path(r["file"]).suffix for r in rows]
    assert suffixes.count(".docx") >= 2 and suffixes.count(".vtt") >= 2
    offices = {(r["office"], r["ledermodell"]) for r in rows}
    assert sorted(m for _, m in offices) == ["enleder", "enleder", "toleder", "toleder"]
    for office in {o for o, _ in offices}:
        informants = [r for r in rows if r["office"] == office]
        assert {r["linje"] for r in informants} == {"stat", "kommune"}
        assert {r["rolle"] for r in informants} == {"leder", "ansatt"}


def test_demo_project_content(demo_project_file: Path) -> None:
    engine = open_engine(demo_project_file)
    with session_scope(engine) as s:
        assert s.scalar(select(func.count(Document.id))) >= 16
        words_per_doc = dict(s.execute(
            select(Document.name, func.sum(Segment.word_count)).join(Segment)
            .where(Segment.speaker_role == "participant").group_by(Document.name)).all())
        assert sum(words_per_doc.values()) >= 20_000
        assert all(1_200 <= n <= 2_500 for n in words_per_doc.values()), words_per_doc
        assert s.scalar(select(func.count(Coding.id))) >= 300
    cases = export_table(engine, "cases")
    assert sorted(cases.groupby("office")["ledermodell"].first().tolist()) == [
        "enleder", "enleder", "toleder", "toleder"]
    codings = export_table(engine, "codings")
    assert set(codings["coder"]) == {"ingrid", "martin"}
    assert set(codings["codebook"]) == {"tillit", "autonomi", "måling", "likeverd"}
    assert codings.groupby("coder")["document"].nunique().to_dict() == {"ingrid": 16, "martin": 6}
    # every reference coding lies in the participants' speech (none is dropped as an interviewer coding)
    assert len(export_table(engine, "codings", include_interviewer=True)) == len(codings)
    segments = export_table(engine, "segments")
    assert (segments["speaker_role"] == "participant").all()


def test_demo_is_idempotent(demo_copy: Path) -> None:
    before = export_table(open_engine(demo_copy), "codings")
    summary = build_demo(demo_copy)
    after = export_table(open_engine(demo_copy), "codings")
    assert len(before) == len(after) == sum(summary.codings_by_coder.values())


@pytest.mark.parametrize("name", ["intervjuguide.md"])
def test_interview_guide_covers_the_four_themes(name: str) -> None:
    text = (DEMO / name).read_text(encoding="utf-8").lower()
    for theme in ("tillit", "handlingsrom", "mål- og resultatstyring", "likeverd"):
        assert theme in text
