"""Project-level actions: create or upgrade a project, and the plain table exports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func, select

from qualcode.db.models import Code, Codebook, Document
from qualcode.db.session import open_engine, session_scope
from qualcode.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

EXPORT_KINDS = ("segments", "cases", "documents", "codings")


def load_codebook_dir(engine: Engine, directory: Path | None = None, actor: str | None = None) -> list[str]:
    """Load every codebook file of ``directory`` (default: the shipped four) into the project."""
    from qualcode.codebook import load_codebooks, shipped_codebook_dir
    from qualcode.codebook_ops import import_codebook

    specs = load_codebooks(directory or shipped_codebook_dir())
    with session_scope(engine) as session:
        for spec in specs:
            import_codebook(session, spec, actor=actor)
    return [spec.name for spec in specs]


def init_project(db: str | Path, *, load_codebooks: bool = True, codebooks_dir: Path | None = None) -> str:
    """Create (or upgrade) the database ``db`` and load codebooks; returns a one-line summary."""
    engine = open_engine(db, create=True)
    names = load_codebook_dir(engine, codebooks_dir) if load_codebooks else []
    with session_scope(engine) as session:
        n_docs = session.scalar(select(func.count(Document.id))) or 0
        n_codes = session.scalar(select(func.count(Code.id))) or 0
        n_books = session.scalar(select(func.count(Codebook.id))) or 0
    loaded = f"; loaded codebooks {', '.join(names)}" if names else ""
    return f"project {db}: {n_docs} documents, {n_books} codebooks with {n_codes} codes{loaded}"


def export_table(engine: Engine, kind: str, *, include_interviewer: bool = False) -> pd.DataFrame:
    """The table behind ``qualcode export KIND``: segments, cases, documents or codings.

    Codings come one row per coding with the case attributes joined on (for R, SPSS or Excel); the
    snapshot of every coding is checked against its document first.
    """
    from qualcode import frames

    if kind not in EXPORT_KINDS:
        raise InputError(f"export {kind}: choose one of {', '.join(EXPORT_KINDS)} or codebooks")
    with session_scope(engine) as session:
        if kind == "segments":
            df = frames.segments_frame(session, include_interviewer=include_interviewer)
            df = df.rename(columns={"ordinal": "segment"})
            first = ["document", "case", "segment", "start", "end", "speaker", "speaker_role", "text"]
        elif kind == "cases":
            df = frames.cases_frame(session)
            first = ["case"]
        elif kind == "codings":
            from qualcode.analysis.common import with_attributes

            df = with_attributes(frames.codings_frame(session, include_interviewer=include_interviewer),
                                 frames.cases_frame(session))
            first = ["document", "case", "start", "end", "code", "codebook", "coder", "source", "text"]
        else:
            df = frames.documents_frame(session)
            first = ["document", "case"]
    rest = [c for c in df.columns if c not in first]
    return df[[c for c in first if c in df.columns] + rest]


def export_codebooks_file(engine: Engine, fmt: str, out: Path | None) -> None:
    """Write every codebook of the project as JSON (a list) or YAML; csv/xlsx give one row per code."""
    import json
    import sys

    import yaml

    from qualcode.codebook import codebook_to_dict
    from qualcode.codebook_ops import export_codebooks

    with session_scope(engine) as session:
        data = [codebook_to_dict(spec) for spec in export_codebooks(session)]
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "yaml":
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    else:
        from qualcode.export import write_frame

        write_frame(codebook_rows(data), fmt, out)  # type: ignore[arg-type]
        return
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def codebook_rows(data: list[dict[str, object]]) -> pd.DataFrame:
    """One row per code (children flattened with their path) for CSV/XLSX codebook exports."""
    import pandas as pd

    rows: list[dict[str, object]] = []

    def walk(book: str, codes: list[dict[str, object]], parent: str | None) -> None:
        for code in codes:
            rows.append({
                "codebook": book, "code": code["name"], "parent": parent,
                "definition": code.get("definition", ""), "inclusion": code.get("inclusion", ""),
                "exclusion": code.get("exclusion", ""), "color": code.get("color", ""),
                "patterns": "; ".join(code.get("patterns", []) or []),  # type: ignore[arg-type]
            })
            walk(book, code.get("children", []) or [], str(code["name"]))  # type: ignore[arg-type]

    for book in data:
        walk(str(book["name"]), book.get("codes", []), None)  # type: ignore[arg-type]
    return pd.DataFrame(rows)
