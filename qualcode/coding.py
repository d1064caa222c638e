"""The only writer of codings: apply, remove, memo, and import from a CSV file.

A coding is ``document.text[start:end]`` plus a snapshot of that text; the snapshot is checked against
the document whenever codings are loaded or exported (``verify_snapshots``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from qualcode.db.models import CODING_SOURCES, Code, Codebook, Coder, Coding, Document, Memo
from qualcode.db.session import log_event, session_scope
from qualcode.errors import InputError, IntegrityError, NotFoundError


def get_or_create_coder(session: Session, name: str) -> Coder:
    name = name.strip()
    if not name:
        raise InputError("coder name is empty")
    coder = session.scalar(select(Coder).where(Coder.name == name))
    if coder is None:
        coder = Coder(name=name)
        session.add(coder)
        session.flush()
        log_event(session, "coder.create", "coder", coder.id, {"name": name}, name)
    return coder


def resolve_code(session: Session, ref: str) -> Code:
    """A code from ``codebook/code``, a unique code name, or a unique alias."""
    ref = ref.strip()
    if "/" in ref:
        book, _, name = ref.partition("/")
        code = session.scalar(
            select(Code).join(Codebook).where(Codebook.name == book.strip(), Code.name == name.strip())
        )
        if code is None:
            raise NotFoundError(f"unknown code '{ref}'")
        return code
    matches = session.scalars(select(Code).where(Code.name == ref)).all()
    if not matches:
        matches = [c for c in session.scalars(select(Code)) if ref in (c.aliases or [])]
    if not matches:
        raise NotFoundError(f"unknown code '{ref}'")
    if len(matches) > 1:
        options = ", ".join(sorted(c.path for c in matches))
        raise InputError(f"code name '{ref}' is ambiguous; write one of: {options}")
    return matches[0]


def get_document(session: Session, ref: str | int) -> Document:
    if isinstance(ref, int):
        document = session.get(Document, ref)
    else:
        document = session.scalar(select(Document).where(Document.name == ref))
    if document is None:
        raise NotFoundError(f"unknown document '{ref}'")
    return document


def find_coding(session: Session, document_id: int, start: int, end: int, code_id: int,
                coder_id: int) -> Coding | None:
    """The coding of exactly this span with this code by this coder, if there is one."""
    return session.scalar(select(Coding).where(
        Coding.document_id == document_id, Coding.start == start, Coding.end == end,
        Coding.code_id == code_id, Coding.coder_id == coder_id,
    ))


def apply_code(
    session: Session,
    document_id: int,
    start: int,
    end: int,
    code_id: int,
    coder: str,
    *,
    source: str = "manual",
    memo: str | None = None,
    model_version: str | None = None,
    score: float | None = None,
) -> Coding:
    """Code ``text[start:end]`` of a document. An identical coding (same span, code, coder) is returned as is."""
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(f"unknown document id {document_id}")
    code = session.get(Code, code_id)
    if code is None:
        raise NotFoundError(f"unknown code id {code_id}")
    if code.retired:
        raise InputError(f"code '{code.path}' is retired; codings cannot be added to it")
    if source not in CODING_SOURCES:
        raise InputError(f"coding source '{source}': choose one of {', '.join(CODING_SOURCES)}")
    if not (0 <= start < end <= len(document.text)):
        raise InputError(
            f"{document.name}: offsets {start}-{end} are outside the text (0-{len(document.text)}) or empty"
        )
    coder_row = get_or_create_coder(session, coder)
    existing = find_coding(session, document_id, start, end, code_id, coder_row.id)
    if existing is not None:
        return existing
    coding = Coding(
        document_id=document_id, code_id=code_id, coder_id=coder_row.id, start=start, end=end,
        text=document.text[start:end], source=source, memo=memo, model_version=model_version, score=score,
    )
    session.add(coding)
    session.flush()
    log_event(session, "coding.apply", "coding", coding.id,
              {"document": document.name, "start": start, "end": end, "code": code.path, "source": source},
              coder_row.name)
    return coding


def remove_coding(session: Session, coding_id: int, actor: str | None = None) -> None:
    coding = session.get(Coding, coding_id)
    if coding is None:
        raise NotFoundError(f"unknown coding id {coding_id}")
    log_event(session, "coding.remove", "coding", coding.id,
              {"document": coding.document.name, "start": coding.start, "end": coding.end,
               "code": coding.code.path, "coder": coding.coder.name, "text": coding.text}, actor)
    session.delete(coding)


def set_coding_memo(session: Session, coding_id: int, memo: str | None, actor: str | None = None) -> None:
    coding = session.get(Coding, coding_id)
    if coding is None:
        raise NotFoundError(f"unknown coding id {coding_id}")
    old = coding.memo
    coding.memo = memo.strip() if memo and memo.strip() else None
    log_event(session, "coding.memo", "coding", coding.id, {"old": old, "new": coding.memo}, actor)


def set_memo(session: Session, target_type: str, target_id: int | None, text: str,
             coder: str | None = None) -> Memo | None:
    """Create, update or (with empty text) delete the memo of a target; one memo per target and coder."""
    coder_row = get_or_create_coder(session, coder) if coder else None
    memo = session.scalar(select(Memo).where(
        Memo.target_type == target_type, Memo.target_id == target_id,
        Memo.coder_id == (coder_row.id if coder_row else None),
    ))
    if not text.strip():
        if memo is not None:
            log_event(session, "memo.delete", "memo", memo.id, {"target": target_type, "text": memo.text}, coder)
            session.delete(memo)
        return None
    if memo is None:
        memo = Memo(target_type=target_type, target_id=target_id, coder_id=coder_row.id if coder_row else None,
                    text=text.strip())
        session.add(memo)
        session.flush()
    else:
        memo.text = text.strip()
    log_event(session, "memo.set", "memo", memo.id,
              {"target_type": target_type, "target_id": target_id, "text": memo.text}, coder)
    return memo


@dataclass(frozen=True)
class SnapshotMismatch:
    coding_id: int
    document: str
    start: int
    end: int
    snapshot: str
    actual: str

    def __str__(self) -> str:
        return (f"coding {self.coding_id} in {self.document} ({self.start}-{self.end}): stored text "
                f"'{self.snapshot[:40]}' differs from the document's '{self.actual[:40]}'")


def verify_snapshots(session: Session) -> list[SnapshotMismatch]:
    """Every coding whose snapshot differs from ``document.text[start:end]``."""
    rows = session.execute(
        select(Coding.id, Coding.start, Coding.end, Coding.text, Document.name, Document.text)
        .join(Document, Coding.document_id == Document.id)
    )
    return [
        SnapshotMismatch(cid, name, s, e, snap, text[s:e])
        for cid, s, e, snap, name, text in rows
        if text[s:e] != snap
    ]


def require_consistent(session: Session) -> None:
    """Raise IntegrityError naming the first mismatching coding (and how many there are)."""
    problems = verify_snapshots(session)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise IntegrityError(f"{problems[0]}{more}")


CODINGS_CSV_COLUMNS = ("document", "start", "end", "code", "coder")


@dataclass(frozen=True)
class CodingImportResult:
    added: int
    unchanged: int


def import_codings(engine: Engine, path: Path, *, default_coder: str | None = None,
                   source: str = "import") -> CodingImportResult:
    """Import codings from a CSV (document, start, end, code, coder[, memo, text]) in one transaction.

    Every row is checked first; if any is bad, nothing is imported and the error lists the bad rows.
    A ``text`` column, when present, must equal the document's text at the offsets.
    """
    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: not a UTF-8 CSV file") from None
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    required = [c for c in CODINGS_CSV_COLUMNS if not (c == "coder" and default_coder)]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{path.name}: missing required column(s) {', '.join(missing)}")
    errors: list[str] = []
    added = unchanged = 0
    with session_scope(engine) as session:
        documents = {d.name: d for d in session.scalars(select(Document))}
        code_cache: dict[str, Code | str] = {}
        planned: list[tuple[Document, int, int, Code, str, str | None]] = []
        for lineno, row in enumerate(reader, start=2):
            where = f"row {lineno}"
            doc = documents.get((row.get("document") or "").strip())
            if doc is None:
                errors.append(f"{where}: unknown document '{row.get('document')}'")
                continue
            try:
                start, end = int(row["start"]), int(row["end"])
            except (TypeError, ValueError):
                errors.append(f"{where}: start/end must be whole numbers, got '{row.get('start')}'/'{row.get('end')}'")
                continue
            if not (0 <= start < end <= len(doc.text)):
                errors.append(f"{where}: offsets {start}-{end} outside {doc.name} (0-{len(doc.text)})")
                continue
            ref = (row.get("code") or "").strip()
            if ref not in code_cache:
                try:
                    code_cache[ref] = resolve_code(session, ref)
                except (NotFoundError, InputError) as exc:
                    code_cache[ref] = str(exc)
            code = code_cache[ref]
            if isinstance(code, str):
                errors.append(f"{where}: {code}")
                continue
            coder = (row.get("coder") or "").strip() or (default_coder or "")
            if not coder:
                errors.append(f"{where}: field 'coder' is empty")
                continue
            expected = row.get("text")
            if expected is not None and expected != "" and expected != doc.text[start:end]:
                errors.append(f"{where}: text does not match {doc.name}[{start}:{end}]")
                continue
            planned.append((doc, start, end, code, coder, (row.get("memo") or None)))
        if errors:
            shown = "; ".join(errors[:5]) + (f"; … {len(errors) - 5} more" if len(errors) > 5 else "")
            raise InputError(f"{path.name}: {len(errors)} bad row(s), nothing imported: {shown}")
        for doc, start, end, code, coder, memo in planned:
            if find_coding(session, doc.id, start, end, code.id, get_or_create_coder(session, coder).id) is not None:
                unchanged += 1
                continue
            apply_code(session, doc.id, start, end, code.id, coder, source=source, memo=memo)
            added += 1
        log_event(session, "codings.import", "project", None,
                  {"file": path.name, "added": added, "unchanged": unchanged})
    return CodingImportResult(added, unchanged)
