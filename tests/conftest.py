"""Shared pytest fixtures. Keep them generic: small projects built through the ORM, fictional text."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from qualcode.db.models import (
    Attribute,
    Case,
    CaseAttribute,
    Code,
    Codebook,
    Coder,
    Coding,
    Document,
    Segment,
)
from qualcode.db.session import open_engine, session_scope
from qualcode.nlp import lemma_text, word_count


@dataclass
class DocSpec:
    """A transcript: ``turns`` are (speaker, role, utterance); the text is ``"speaker: utterance"`` lines.

    Each turn becomes one segment covering the utterance (not the speaker label).
    """

    name: str
    case: str | None
    turns: Sequence[tuple[str, str, str]]


@dataclass
class CodingSpec:
    """A coding: ``target`` is a segment ordinal (the whole segment) or a quote (its first occurrence)."""

    document: str
    target: int | str
    code: str  # "codebook/code"
    coder: str
    memo: str | None = None
    source: str = "manual"


@dataclass
class ProjectSpec:
    documents: list[DocSpec]
    codes: dict[str, list[str]]  # codebook -> code names
    cases: dict[str, dict[str, str]] = field(default_factory=dict)  # case -> attribute -> value
    attribute_types: dict[str, str] = field(default_factory=dict)  # attribute -> text|number|boolean
    codings: list[CodingSpec] = field(default_factory=list)


def build_project(engine: Engine, spec: ProjectSpec) -> dict[str, Any]:
    """Write ``spec`` into the (empty) project behind ``engine``; returns name -> id maps."""
    ids: dict[str, Any] = {"documents": {}, "codes": {}, "segments": {}, "codings": []}
    with session_scope(engine) as s:
        attributes: dict[str, Attribute] = {}
        for case_name, values in spec.cases.items():
            case = Case(name=case_name)
            s.add(case)
            for attr_name, value in values.items():
                if attr_name not in attributes:
                    attributes[attr_name] = Attribute(name=attr_name,
                                                      type=spec.attribute_types.get(attr_name, "text"))
                    s.add(attributes[attr_name])
                case.values.append(CaseAttribute(attribute=attributes[attr_name], value=value))
        s.flush()
        cases = {c.name: c for c in s.scalars(select(Case))}
        for book_name, code_names in spec.codes.items():
            book = Codebook(name=book_name)
            s.add(book)
            for pos, code_name in enumerate(code_names):
                code = Code(codebook=book, name=code_name, position=pos)
                s.add(code)
        s.flush()
        codes = {c.path: c for c in s.scalars(select(Code))}
        ids["codes"] = {path: c.id for path, c in codes.items()}
        documents: dict[str, tuple[Document, list[Segment]]] = {}
        for doc in spec.documents:
            lines, spans = [], []
            pos = 0
            for speaker, _role, utterance in doc.turns:
                label = f"{speaker}: "
                spans.append((pos + len(label), pos + len(label) + len(utterance)))
                lines.append(label + utterance)
                pos += len(label) + len(utterance) + 1
            text = "\n".join(lines)
            if doc.case is not None and doc.case not in cases:
                cases[doc.case] = Case(name=doc.case)
                s.add(cases[doc.case])
            row = Document(name=doc.name, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(),
                           format="txt", case=cases.get(doc.case) if doc.case else None,
                           word_count=word_count(text), meta={})
            s.add(row)
            segments = []
            for ordinal, ((speaker, role, utterance), (start, end)) in enumerate(zip(doc.turns, spans, strict=True)):
                seg = Segment(document=row, ordinal=ordinal, start=start, end=end, turn=ordinal, speaker=speaker,
                              speaker_role=role, word_count=word_count(utterance), lemma_text=lemma_text(utterance))
                segments.append(seg)
                s.add(seg)
            documents[doc.name] = (row, segments)
        s.flush()
        ids["documents"] = {name: d.id for name, (d, _) in documents.items()}
        ids["segments"] = {name: [seg.id for seg in segs] for name, (_, segs) in documents.items()}
        coders: dict[str, Coder] = {}
        for c in spec.codings:
            doc_row, segs = documents[c.document]
            if isinstance(c.target, int):
                start, end = segs[c.target].start, segs[c.target].end
            else:
                start = doc_row.text.index(c.target)
                end = start + len(c.target)
            if c.coder not in coders:
                coders[c.coder] = Coder(name=c.coder)
                s.add(coders[c.coder])
            coding = Coding(document=doc_row, code=codes[c.code], coder=coders[c.coder], start=start, end=end,
                            text=doc_row.text[start:end], source=c.source, memo=c.memo)
            s.add(coding)
            s.flush()
            ids["codings"].append(coding.id)
    return ids


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., tuple[Engine, dict[str, Any]]]:
    """Build a project database from a :class:`ProjectSpec`: ``engine, ids = make_project(spec)``."""
    counter = iter(range(1000))

    def build(spec: ProjectSpec, name: str | None = None) -> tuple[Engine, dict[str, Any]]:
        path = tmp_path / (name or f"project{next(counter)}.sqlite")
        engine = open_engine(path)
        return engine, build_project(engine, spec)

    return build


def nav_spec() -> ProjectSpec:
    """Six fictional informants at NAV offices (three enleder, three toleder), two coders.

    ``ingrid`` codes every transcript (and, once, an interviewer turn); ``martin`` codes the first three.
    Segments alternate interviewer (even ordinals) and participant (odd ordinals).
    """
    def interview(name: str, case: str, *pairs: tuple[str, str]) -> DocSpec:
        turns = []
        for question, answer in pairs:
            turns.append(("Intervjuer", "interviewer", question))
            turns.append((case, "participant", answer))
        return DocSpec(name, case, turns)

    documents = [
        interview("intervju1.txt", "Informant 1",
                  ("Hvordan opplever du tilliten på kontoret?",
                   "Vi har stor tillit til hverandre, og lederen stoler på at vi gjør jobben."),
                  ("Hva med målingene dere rapporterer på?",
                   "Målingene tar mye tid, og vi teller det som er lett å telle.")),
        interview("intervju2.txt", "Informant 2",
                  ("Fortell om samarbeidet mellom linjene.",
                   "Vi spiser lunsj sammen og har felles møter hver uke."),
                  ("Og tilliten?",
                   "Jeg har tillit til lederen, men kommunen føler seg ofte som lillebror.")),
        interview("intervju3.txt", "Informant 3",
                  ("Hvordan er det med to ledere?",
                   "Statlig side bestemmer mest, og vi i kommunen blir ikke hørt."),
                  ("Hva måles hos dere?", "Vi måler budsjettet og lite annet.")),
        interview("intervju4.txt", "Informant 4",
                  ("Hva styrer arbeidet ditt?", "Målekortet styrer hverdagen vår, og indikatorene henger på veggen.")),
        interview("intervju5.txt", "Informant 5",
                  ("Stoler dere på hverandre?", "Ja, tilliten mellom kollegene er god her.")),
        interview("intervju6.txt", "Informant 6",
                  ("Er linjene likeverdige?", "Nei, den statlige linjen får all oppmerksomheten.")),
    ]
    cases = {
        "Informant 1": {"ledermodell": "enleder", "linje": "stat", "alder": "45"},
        "Informant 2": {"ledermodell": "enleder", "linje": "kommune", "alder": "52"},
        "Informant 3": {"ledermodell": "toleder", "linje": "kommune", "alder": "38"},
        "Informant 4": {"ledermodell": "toleder", "linje": "stat", "alder": "61"},
        "Informant 5": {"ledermodell": "enleder", "linje": "kommune"},
        "Informant 6": {"ledermodell": "toleder", "linje": "stat"},
    }
    gt = "tillit/gjensidig tillit"
    mk, mf = "måling/målekort og indikatorer", "måling/målforskyvning"
    ub, fa = "likeverd/ubalanse mellom linjene", "likeverd/felles arenaer"
    codings = [
        CodingSpec("intervju1.txt", 1, gt, "ingrid", memo="Tillit begge veier."),
        CodingSpec("intervju1.txt", 3, mf, "ingrid"),
        CodingSpec("intervju1.txt", 0, gt, "ingrid"),  # an interviewer turn
        CodingSpec("intervju2.txt", 1, fa, "ingrid"),
        CodingSpec("intervju2.txt", "Jeg har tillit til lederen", gt, "ingrid"),
        CodingSpec("intervju2.txt", "kommunen føler seg ofte som lillebror", ub, "ingrid"),
        CodingSpec("intervju3.txt", 1, ub, "ingrid"),
        CodingSpec("intervju3.txt", 3, mk, "ingrid"),
        CodingSpec("intervju4.txt", 1, mk, "ingrid"),
        CodingSpec("intervju5.txt", 1, gt, "ingrid"),
        CodingSpec("intervju6.txt", 1, ub, "ingrid"),
        CodingSpec("intervju1.txt", 1, gt, "martin"),
        CodingSpec("intervju1.txt", 3, mk, "martin"),
        CodingSpec("intervju2.txt", 1, fa, "martin"),
        CodingSpec("intervju2.txt", 3, gt, "martin"),
        CodingSpec("intervju3.txt", 1, ub, "martin"),
        CodingSpec("intervju3.txt", 3, mk, "martin"),
    ]
    return ProjectSpec(documents=documents, codes={"tillit": ["gjensidig tillit", "mistillit"],
                                                   "måling": ["målekort og indikatorer", "målforskyvning"],
                                                   "likeverd": ["ubalanse mellom linjene", "felles arenaer"]},
                       cases=cases, attribute_types={"alder": "number"}, codings=codings)


@pytest.fixture
def nav_project(make_project: Callable[..., tuple[Engine, dict[str, Any]]]) -> tuple[Engine, dict[str, Any]]:
    """The :func:`nav_spec` project: ``engine, ids``."""
    return make_project(nav_spec())


@pytest.fixture(scope="session")
def demo_project_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project, built once per test session; copy it before changing it (``demo_copy``)."""
    from qualcode.demo import build_demo

    path = tmp_path_factory.mktemp("demo-project") / "demo.sqlite"
    build_demo(path)
    return path


@pytest.fixture
def demo_copy(demo_project_file: Path, tmp_path: Path) -> Path:
    """A private copy of the demo project for a test that writes to it."""
    import sqlite3

    target = tmp_path / "demo.sqlite"
    with sqlite3.connect(demo_project_file) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target
