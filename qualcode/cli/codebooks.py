"""CLI commands: ``qualcode codebook ...`` (import, list, create) and ``qualcode code ...`` (code management).

Codes are named ``codebook/code`` (or by a code name that is unique in the project). Every change is
written to the event log with ``--actor`` as the person who made it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from qualcode.cli import DEFAULT_DB, DbOption, app, handle_errors, open_project, out_console
from qualcode.errors import CodebookError

codebook_app = typer.Typer(help="Codebooks: import files, list, create.", no_args_is_help=True)
code_app = typer.Typer(help="Codes: create, rename, move, merge, split, retire (codings are always kept).",
                       no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")
app.add_typer(code_app, name="code")

ActorOption = Annotated[str | None, typer.Option("--actor", help="Who makes the change (written to the event log).")]
CodeArg = Annotated[str, typer.Argument(help="The code: codebook/code, or a code name unique in the project.")]


def _say(text: str) -> None:
    out_console.print(text, markup=False)


def _split_ref(ref: str) -> tuple[str, str]:
    book, slash, name = ref.partition("/")
    if not slash or not book.strip() or not name.strip():
        raise CodebookError(f"'{ref}': write the new code as codebook/code, e.g. tillit/ny kode")
    return book.strip(), name.strip()


@codebook_app.command("import")
@handle_errors
def import_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Codebook files (.yaml .yml .json) or folders of them.")],
    db: DbOption = DEFAULT_DB,
    keep_missing: Annotated[
        bool, typer.Option("--keep-missing", help="Leave codes that are not in the file alone (default: delete "
                                                  "unused ones, retire ones with codings).")
    ] = False,
    actor: ActorOption = None,
) -> None:
    """Create or update codebooks from files; codes are matched by name and codings are never lost."""
    from qualcode.codebook import load_codebook, load_codebooks
    from qualcode.codebook_ops import import_codebook_report
    from qualcode.db.session import session_scope

    specs = [spec for path in paths for spec in (load_codebooks(path) if path.is_dir() else [load_codebook(path)])]
    if not specs:
        raise CodebookError(f"{', '.join(map(str, paths))}: no codebook files found")
    engine = open_project(db)
    with session_scope(engine) as session:
        for spec in specs:
            _book, summary = import_codebook_report(session, spec, actor, remove_missing=not keep_missing)
            parts = [f"{len(summary.created)} new", f"{len(summary.updated)} updated",
                     f"{len(summary.unchanged)} unchanged"]
            if summary.retired:
                parts.append(f"retired (have codings): {', '.join(summary.retired)}")
            if summary.deleted:
                parts.append(f"deleted (unused): {', '.join(summary.deleted)}")
            _say(f"{spec.name}: {'; '.join(parts)}")


@codebook_app.command("list")
@handle_errors
def list_cmd(
    db: DbOption = DEFAULT_DB,
    retired: Annotated[bool, typer.Option("--retired", help="Show retired codes too.")] = False,
) -> None:
    """Show every codebook as a tree of codes with the number of codings."""
    from sqlalchemy import func, select

    from qualcode.db.models import Codebook, Coding
    from qualcode.db.session import session_scope

    engine = open_project(db)
    with session_scope(engine) as session:
        counts = dict(session.execute(select(Coding.code_id, func.count(Coding.id)).group_by(Coding.code_id)).all())
        books = session.scalars(select(Codebook).order_by(Codebook.name)).all()
        if not books:
            _say("no codebooks yet: load some with `qualcode codebook import FILE`")
        for book in books:
            _say(f"{book.name} ({sum(1 for c in book.codes if not c.retired)} codes)")
            _show_codes([c for c in book.codes if c.parent_id is None], 1, counts, retired)


def _show_codes(codes: list[Any], depth: int, counts: dict[int, int], retired: bool) -> None:
    for code in sorted(codes, key=lambda item: (item.position, item.id)):
        if code.retired and not retired:
            continue
        flag = " [retired]" if code.retired else ""
        _say(f"{'  ' * depth}{code.name}  {code.color}  {counts.get(code.id, 0)} codings{flag}")
        _show_codes(list(code.children), depth + 1, counts, retired)


@codebook_app.command("create")
@handle_errors
def create_book_cmd(
    name: Annotated[str, typer.Argument(help="Name of the new codebook.")],
    db: DbOption = DEFAULT_DB,
    description: Annotated[str, typer.Option("--description", help="What the codebook is about.")] = "",
    actor: ActorOption = None,
) -> None:
    """Create an empty codebook."""
    from qualcode.codebook_ops import create_codebook
    from qualcode.db.session import session_scope

    with session_scope(open_project(db)) as session:
        book = create_codebook(session, name, description, actor)
        _say(f"created codebook {book.name}")


@codebook_app.command("export")
@handle_errors
def export_book_cmd(
    db: DbOption = DEFAULT_DB,
    name: Annotated[str | None, typer.Option("--name", help="One codebook (default: all).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="yaml or json.")] = "yaml",
    out: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="A file, or a folder for one file per codebook (default: standard output)."),
    ] = None,
) -> None:
    """Export codebooks as YAML or JSON files that `qualcode codebook import` reads back."""
    from qualcode.codebook import codebook_to_text
    from qualcode.codebook_ops import export_codebook, export_codebooks
    from qualcode.db.session import session_scope

    if fmt not in ("yaml", "json"):
        raise CodebookError(f"--format {fmt}: choose yaml or json")
    with session_scope(open_project(db)) as session:
        specs = [export_codebook(session, name)] if name else export_codebooks(session)
    if out is not None and (out.is_dir() or (len(specs) > 1 and not out.suffix)):
        out.mkdir(parents=True, exist_ok=True)
        for spec in specs:
            target = out / f"{spec.name}.{fmt}"
            target.write_text(codebook_to_text(spec, fmt), encoding="utf-8")
            _say(f"wrote {target}")
        return
    if len(specs) != 1:
        raise CodebookError("several codebooks go to a folder (-o FOLDER) or to standard output one at a time "
                            "(--name NAME)")
    text = codebook_to_text(specs[0], fmt)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        _say(f"wrote {out}")


@code_app.command("create")
@handle_errors
def create_cmd(
    ref: Annotated[str, typer.Argument(help="The new code as codebook/code.")],
    db: DbOption = DEFAULT_DB,
    parent: Annotated[str | None, typer.Option("--parent", help="Parent code (same codebook).")] = None,
    definition: Annotated[str, typer.Option("--definition", help="What the code means.")] = "",
    color: Annotated[str | None, typer.Option("--color", help="Hex colour like #4E79A7 (default: a free one).")] = None,
    pattern: Annotated[list[str] | None, typer.Option("--pattern", help="Keyword pattern (repeatable).")] = None,
    actor: ActorOption = None,
) -> None:
    """Create a code."""
    from qualcode.codebook_ops import create_code
    from qualcode.db.session import session_scope

    book, name = _split_ref(ref)
    with session_scope(open_project(db)) as session:
        code = create_code(session, book, name, parent=parent, definition=definition, color=color,
                           patterns=pattern or [], actor=actor)
        _say(f"created {code.path}")


@code_app.command("rename")
@handle_errors
def rename_cmd(
    ref: CodeArg,
    new_name: Annotated[str, typer.Argument(help="The new name (same codebook).")],
    db: DbOption = DEFAULT_DB,
    no_alias: Annotated[bool, typer.Option("--no-alias", help="Do not keep the old name as an alias.")] = False,
    actor: ActorOption = None,
) -> None:
    """Rename a code; its codings stay."""
    from qualcode.codebook_ops import rename_code
    from qualcode.db.session import session_scope

    with session_scope(open_project(db)) as session:
        code = rename_code(session, ref, new_name, keep_alias=not no_alias, actor=actor)
        _say(f"renamed {ref} to {code.path}")


@code_app.command("move")
@handle_errors
def move_cmd(
    ref: CodeArg,
    db: DbOption = DEFAULT_DB,
    parent: Annotated[str | None, typer.Option("--parent", help="New parent code (omit for the top level).")] = None,
    codebook: Annotated[str | None, typer.Option("--codebook", help="Move into this codebook.")] = None,
    actor: ActorOption = None,
) -> None:
    """Move a code (with its sub-codes) under another parent, to the top level, or to another codebook."""
    from qualcode.codebook_ops import move_code
    from qualcode.db.session import session_scope

    with session_scope(open_project(db)) as session:
        code = move_code(session, ref, parent, codebook=codebook, actor=actor)
        where = code.parent.path if code.parent else f"the top of {code.codebook.name}"
        _say(f"moved {code.path} under {where}")


@code_app.command("merge")
@handle_errors
def merge_cmd(
    source: Annotated[str, typer.Argument(help="The code to merge away.")],
    target: Annotated[str, typer.Argument(help="The code that receives its codings.")],
    db: DbOption = DEFAULT_DB,
    delete: Annotated[bool, typer.Option("--delete", help="Delete the source afterwards (default: retire it).")] = False,
    actor: ActorOption = None,
) -> None:
    """Merge SOURCE into TARGET: codings move; identical spans by the same coder collapse into one."""
    from qualcode.codebook_ops import merge_codes
    from qualcode.db.session import session_scope

    with session_scope(open_project(db)) as session:
        result = merge_codes(session, source, target, delete_source=delete, actor=actor)
        fate = "deleted" if result.source_deleted else "retired"
        _say(f"merged {source} into {target}: {result.moved} codings moved, {result.collapsed} duplicates "
             f"collapsed; {source} {fate}")


@code_app.command("split")
@handle_errors
def split_cmd(
    ref: CodeArg,
    new_names: Annotated[list[str], typer.Argument(help="Names of the new codes.")],
    db: DbOption = DEFAULT_DB,
    siblings: Annotated[bool, typer.Option("--siblings", help="Create siblings instead of sub-codes.")] = False,
    reassign: Annotated[
        list[str] | None,
        typer.Option("--reassign", help="NAME=ID,ID: move these coding ids to the new code NAME (repeatable)."),
    ] = None,
    actor: ActorOption = None,
) -> None:
    """Split a code into new sub-codes; codings stay on the original unless reassigned by id."""
    from qualcode.codebook_ops import split_code
    from qualcode.db.session import session_scope

    moves: dict[str, list[int]] = {}
    for item in reassign or []:
        name, eq, ids = item.partition("=")
        try:
            numbers = [int(part) for part in ids.split(",") if part.strip()]
        except ValueError:
            numbers = []
        if not eq or not name.strip() or not numbers:
            raise CodebookError(f"--reassign {item}: write NAME=ID,ID with coding ids, e.g. helg=12,15")
        moves.setdefault(name.strip(), []).extend(numbers)
    with session_scope(open_project(db)) as session:
        created = split_code(session, ref, new_names, as_children=not siblings, reassign=moves, actor=actor)
        _say(f"split {ref}: created {', '.join(c.path for c in created)}")


@code_app.command("retire")
@handle_errors
def retire_cmd(
    ref: CodeArg,
    db: DbOption = DEFAULT_DB,
    undo: Annotated[bool, typer.Option("--undo", help="Make a retired code active again.")] = False,
    actor: ActorOption = None,
) -> None:
    """Retire a code: it keeps its codings but takes no new ones."""
    from qualcode.codebook_ops import retire_code
    from qualcode.db.session import session_scope

    with session_scope(open_project(db)) as session:
        code = retire_code(session, ref, retired=not undo, actor=actor)
        _say(f"{code.path} is {'active again' if undo else 'retired'}")
