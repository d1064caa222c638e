"""File -> Document -> Segments, one transaction per file.

``import_paths`` reads every file (folders are walked), and for each file: reads it with the
matching reader, segments it, and stores the document and its segments in its own transaction, so a
bad file leaves nothing behind while the good files of the same call still import. An identical file
(same sha256) changes nothing. A changed file under a known name is refused unless ``replace=True``,
which keeps every coding whose text is still found in the new version and reports the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from qualcode.cases import MetaTable, apply_meta_row, get_or_create_case, read_meta_csv
from qualcode.db.models import Case, Document, Segment
from qualcode.db.session import log_event, session_scope
from qualcode.errors import InputError, QualcodeError
from qualcode.ingest import SUPPORTED_EXTENSIONS, read_transcript
from qualcode.ingest.base import Transcript
from qualcode.ingest.speakers import SpeakerConfig
from qualcode.nlp import lemma_text
from qualcode.segment import DEFAULT_MAX_WORDS, SegmentMode, segment_transcript

Status = Literal["imported", "unchanged", "replaced", "failed"]


@dataclass
class FileResult:
    path: Path
    status: Status
    message: str = ""
    document_id: int | None = None
    segments: int = 0
    words: int = 0
    kept_codings: int = 0
    dropped_codings: list[str] = field(default_factory=list)


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[FileResult]]:
    """Files to import (folders walked for supported extensions) and failures for missing paths."""
    files: list[Path] = []
    failures: list[FileResult] = []
    for path in paths:
        if not path.exists():
            failures.append(FileResult(path, "failed", f"{path}: no such file or folder"))
        elif path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS and not p.name.startswith(".")
            )
            if not found:
                failures.append(FileResult(path, "failed", f"{path}: folder holds no supported transcript files"))
            files.extend(found)
        else:
            files.append(path)
    return files, failures


def _relocate(old_text: str, new_text: str, start: int, end: int, snapshot: str) -> tuple[int, int] | None:
    """Where a coded span is in a new version of its document: the occurrence nearest the old place."""
    if not snapshot:
        return None
    positions: list[int] = []
    pos = new_text.find(snapshot)
    while pos != -1:
        positions.append(pos)
        pos = new_text.find(snapshot, pos + 1)
    if not positions:
        return None
    expected = start * len(new_text) / max(len(old_text), 1)
    best = min(positions, key=lambda p: abs(p - expected))
    return best, best + len(snapshot)


def _store_segments(session: Session, document: Document, transcript: Transcript, mode: SegmentMode,
                    max_words: int) -> list[dict[str, object]]:
    """Segment the transcript and insert the segments in one batch; returns the inserted rows."""
    spans = segment_transcript(transcript, mode=mode, max_words=max_words)
    text = transcript.text
    rows = [
        {
            "document_id": document.id,
            "ordinal": i,
            "start": s.start,
            "end": s.end,
            "turn": s.turn,
            "speaker": s.speaker,
            "speaker_role": s.speaker_role,
            "time_start": s.time_start,
            "time_end": s.time_end,
            "word_count": s.word_count,
            "lemma_text": lemma_text(text[s.start : s.end]),
        }
        for i, s in enumerate(spans)
    ]
    if rows:  # a Core insert: executemany without the ORM's per-row bookkeeping
        session.execute(insert(Segment.__table__), rows)
    return rows


def import_file(
    engine: Engine,
    path: Path,
    *,
    meta: MetaTable | None = None,
    replace: bool = False,
    speakers: SpeakerConfig | None = None,
    mode: SegmentMode = "turn",
    max_words: int = DEFAULT_MAX_WORDS,
    actor: str | None = None,
) -> FileResult:
    """Import one file in its own transaction. Raises nothing for bad files: the result says why."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return FileResult(path, "failed", f"{name}: cannot read the file ({exc.strerror})")
    sha = hashlib.sha256(raw).hexdigest()
    meta_row = meta.for_file(name) if meta else None
    try:
        with session_scope(engine) as session:
            existing = session.scalar(select(Document).where(Document.name == name))
            if existing is not None and existing.sha256 == sha:
                if meta_row is not None and meta is not None:
                    case = apply_meta_row(session, meta_row, meta.types, actor)
                    _move_to_case(session, existing, case, actor)
                return FileResult(path, "unchanged", f"{name}: identical to the imported version; nothing changed",
                                  existing.id)
            if existing is None:
                twin = session.scalar(select(Document).where(Document.sha256 == sha))
                if twin is not None:
                    return FileResult(path, "unchanged",
                                      f"{name}: identical to the already imported {twin.name}; not imported again",
                                      twin.id)
            if existing is not None and not replace:
                return FileResult(path, "failed",
                                  f"{name}: differs from the imported version; use --replace to import the new "
                                  "version (codings whose text is unchanged are kept)")
            transcript = read_transcript(path, speakers)
            if meta_row is not None and meta is not None:
                case = apply_meta_row(session, meta_row, meta.types, actor)
            elif existing is not None and existing.case is not None:
                case = existing.case
            else:
                case = get_or_create_case(session, path.stem, actor)
            if existing is None:
                document = Document(
                    name=name, text=transcript.text, sha256=sha, source_path=str(path.resolve()),
                    format=transcript.format, case_id=case.id, word_count=0, meta=dict(transcript.meta),
                )
                session.add(document)
                session.flush()
                rows = _store_segments(session, document, transcript, mode, max_words)
                n, words = len(rows), sum(int(r["word_count"]) for r in rows)  # type: ignore[call-overload]
                document.word_count = words
                log_event(session, "document.import", "document", document.id,
                          {"name": name, "sha256": sha, "segments": n}, actor)
                return FileResult(path, "imported", f"{name}: imported, {n} segments, {words} words",
                                  document.id, n, words)
            return _replace(session, existing, transcript, path, sha, case.id, mode, max_words, actor)
    except QualcodeError as exc:
        return FileResult(path, "failed", str(exc))


def _replace(session: Session, document: Document, transcript: Transcript, path: Path, sha: str, case_id: int,
             mode: SegmentMode, max_words: int, actor: str | None) -> FileResult:
    old_text = document.text
    kept, dropped = 0, []
    for coding in list(document.codings):
        where = _relocate(old_text, transcript.text, coding.start, coding.end, coding.text)
        if where is None:
            dropped.append(f"coding {coding.id} ({coding.code.path}, {coding.coder.name}): '{coding.text[:60]}'")
            session.delete(coding)
        else:
            coding.start, coding.end = where
            kept += 1
    session.execute(delete(Segment).where(Segment.document_id == document.id))
    old_sha = document.sha256
    document.text = transcript.text
    document.sha256 = sha
    document.format = transcript.format
    document.source_path = str(path.resolve())
    document.case_id = case_id
    document.meta = dict(transcript.meta)
    session.flush()
    rows = _store_segments(session, document, transcript, mode, max_words)
    n, words = len(rows), sum(int(r["word_count"]) for r in rows)  # type: ignore[call-overload]
    document.word_count = words
    log_event(session, "document.replace", "document", document.id,
              {"name": document.name, "old_sha256": old_sha, "sha256": sha, "kept_codings": kept,
               "dropped_codings": dropped}, actor)
    message = f"{document.name}: replaced, {n} segments, {kept} codings kept"
    if dropped:
        message += f", {len(dropped)} codings could not be kept"
    return FileResult(path, "replaced", message, document.id, n, words, kept, dropped)


def _move_to_case(session: Session, document: Document, case: Case, actor: str | None) -> None:
    """Give a document its case from the metadata; a case left with no documents and no attributes
    (the automatic one named after the file) is removed."""
    old = document.case
    if old is not None and old.id == case.id:
        return
    document.case = case
    session.flush()
    if old is not None and not old.documents and not old.values:
        log_event(session, "case.delete", "case", old.id, {"name": old.name, "reason": "no documents left"}, actor)
        session.delete(old)


def check_meta_files(meta: MetaTable, files: list[Path], known_documents: set[str]) -> None:
    """Every row of the metadata CSV must name a file being imported or already in the project."""
    names = {f.name for f in files} | known_documents
    for row in meta.rows:
        if Path(row.file).name not in names:
            raise InputError(f"{meta.path.name}: row {row.row}: file {row.file} is neither being imported nor "
                             "in the project")


def import_paths(
    engine: Engine,
    paths: Iterable[Path],
    *,
    meta_csv: Path | None = None,
    replace: bool = False,
    speakers: SpeakerConfig | None = None,
    mode: SegmentMode = "turn",
    max_words: int = DEFAULT_MAX_WORDS,
    actor: str | None = None,
    progress: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Import files and folders; returns one result per file (and per missing path).

    A bad metadata CSV raises InputError before anything is imported.
    """
    files, results = expand_paths(list(paths))
    meta = read_meta_csv(meta_csv) if meta_csv else None
    if meta is not None:
        files = [f for f in files if f.resolve() != meta.path.resolve()]
        with session_scope(engine) as session:
            known = set(session.scalars(select(Document.name)))
        check_meta_files(meta, files, known)
    for result in results:
        if progress:
            progress(result)
    for path in files:
        result = import_file(engine, path, meta=meta, replace=replace, speakers=speakers, mode=mode,
                             max_words=max_words, actor=actor)
        results.append(result)
        if progress:
            progress(result)
    if meta is not None:
        _apply_meta_to_known(engine, meta, {f.name for f in files}, actor)
    return results


def _apply_meta_to_known(engine: Engine, meta: MetaTable, imported: set[str], actor: str | None) -> None:
    """Metadata rows for documents already in the project (not in this import) update their cases too."""
    with session_scope(engine) as session:
        for row in meta.rows:
            name = Path(row.file).name
            if name in imported:
                continue  # handled with its file
            document = session.scalar(select(Document).where(Document.name == name))
            if document is not None:
                _move_to_case(session, document, apply_meta_row(session, row, meta.types, actor), actor)

