"""The demo project: four fictional NAV offices, 16 interviews, the four codebooks, two coders.

``build_demo(db)`` is idempotent: running it again on the same database changes nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from qualcode.cases import read_meta_csv
from qualcode.coding import import_codings
from qualcode.db.models import Case, Coder, Coding, Document, Segment, Suggestion
from qualcode.db.session import open_engine, session_scope
from qualcode.errors import InputError
from qualcode.importer import import_paths
from qualcode.project import load_codebook_dir
from qualcode.suggest.project import score_project

DEMO_ENV = "QUALCODE_DEMO_DIR"


def demo_corpus_dir() -> Path:
    """``corpora/demo`` of the checkout (or ``$QUALCODE_DEMO_DIR``)."""
    candidates = [Path(os.environ[DEMO_ENV])] if os.environ.get(DEMO_ENV) else []
    candidates += [Path(__file__).resolve().parents[1] / "corpora" / "demo", Path.cwd() / "corpora" / "demo"]
    for path in candidates:
        if (path / "meta.csv").exists():
            return path
    raise InputError(f"the demo corpus (corpora/demo/meta.csv) was not found; set {DEMO_ENV} to its folder")


@dataclass(frozen=True)
class DemoSummary:
    db: str
    documents: int
    cases: int
    participant_words: int
    codings_by_coder: dict[str, int]
    failed: list[str]

    def describe(self) -> str:
        coders = ", ".join(f"{name}: {n}" for name, n in sorted(self.codings_by_coder.items()))
        text = (f"demo project {self.db}: {self.documents} documents, {self.cases} cases, "
                f"{self.participant_words} participant words, codings ({coders})")
        if self.failed:
            text += "; failed: " + "; ".join(self.failed)
        return text


def build_demo(db: str | Path, corpus_dir: Path | None = None) -> DemoSummary:
    """Build (or complete) the demo project in ``db``: codebooks, transcripts, attributes, codings."""
    corpus = corpus_dir or demo_corpus_dir()
    engine = open_engine(db, create=True)
    load_codebook_dir(engine, actor="demo")
    meta_path = corpus / "meta.csv"
    meta = read_meta_csv(meta_path)
    files = [corpus / row.file for row in meta.rows]
    results = import_paths(engine, files, meta_csv=meta_path, actor="demo")
    failed = [r.message for r in results if r.status == "failed"]
    if failed:
        raise InputError("the demo corpus did not import: " + "; ".join(failed))
    codings_csv = corpus / "codings.csv"
    if codings_csv.exists():
        import_codings(engine, codings_csv)
    with session_scope(engine) as session:
        if session.scalar(select(func.count(Suggestion.id))) == 0:
            # a first round of suggestions, so a new user has something to accept or reject at once
            score_project(session, actor="demo")
    with session_scope(engine) as session:
        documents = session.scalar(select(func.count(Document.id))) or 0
        cases = session.scalar(select(func.count(Case.id))) or 0
        words = session.scalar(
            select(func.coalesce(func.sum(Segment.word_count), 0)).where(Segment.speaker_role == "participant")
        ) or 0
        by_coder = dict(session.execute(
            select(Coder.name, func.count(Coding.id)).join(Coding, Coding.coder_id == Coder.id).group_by(Coder.name)
        ).all())
    return DemoSummary(str(db), documents, cases, int(words), by_coder, failed)
