"""Codebook management in the project database: import, export, create, rename, move, merge, split, retire.

Every operation keeps existing codings (a code with codings is never deleted), writes one event to
the append-only event log, and raises :class:`~qualcode.errors.CodebookError` or
:class:`~qualcode.errors.NotFoundError` with a one-line message when it cannot be carried out.
Operations run inside the caller's session (``with session_scope(engine) as s: ...``); they flush
but never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode.codebook import (
    DEFAULT_PALETTE,
    CodebookSpec,
    CodeSpec,
    ExampleSpec,
    check_pattern,
)
from qualcode.coding import resolve_code
from qualcode.db.models import Code, Codebook, Coding, Memo, Suggestion
from qualcode.db.session import log_event
from qualcode.errors import CodebookError, IntegrityError, NotFoundError

CodeRef = Code | str


# --------------------------------------------------------------------------- lookups and checks


def get_codebook(session: Session, name: str) -> Codebook:
    """The codebook called ``name``; NotFoundError lists the codebooks that exist."""
    book = session.scalar(select(Codebook).where(Codebook.name == name.strip()))
    if book is None:
        known = ", ".join(session.scalars(select(Codebook.name).order_by(Codebook.name))) or "none yet"
        raise NotFoundError(f"unknown codebook '{name}' (codebooks: {known})")
    return book


def _code(session: Session, ref: CodeRef) -> Code:
    return ref if isinstance(ref, Code) else resolve_code(session, ref)


def _check_name(name: str, what: str = "code name") -> str:
    clean = " ".join(name.split())
    if not clean:
        raise CodebookError(f"{what} is empty")
    if "/" in clean:
        raise CodebookError(f"{what} '{clean}': must not contain '/' (it separates codebook and code)")
    return clean


def _name_taken(session: Session, codebook_id: int, name: str, *, except_id: int | None = None) -> Code | None:
    query = select(Code).where(Code.codebook_id == codebook_id, func.lower(Code.name) == name.lower())
    for code in session.scalars(query):
        if code.id != except_id:
            return code
    return None


def _require_free(session: Session, book: Codebook, name: str, *, except_id: int | None = None) -> None:
    clash = _name_taken(session, book.id, name, except_id=except_id)
    if clash is not None:
        raise CodebookError(f"codebook '{book.name}' already has a code '{clash.name}'")


def _check_patterns(field: str, patterns: Iterable[str]) -> list[str]:
    out: list[str] = []
    for pattern in patterns:
        problem = check_pattern(pattern)
        if problem is not None:
            raise CodebookError(f"field \"{field}\": pattern '{pattern}': {problem}")
        out.append(" ".join(pattern.split()))
    return out


def _check_colour(colour: str) -> str:
    try:
        return CodeSpec(name="x", definition="", color=colour).color or colour
    except ValidationError:
        raise CodebookError(f"field \"color\": '{colour}' is not a hex colour like #4E79A7") from None


def _siblings(session: Session, codebook_id: int, parent_id: int | None) -> list[Code]:
    query = select(Code).where(Code.codebook_id == codebook_id, Code.parent_id.is_(parent_id)
                               if parent_id is None else Code.parent_id == parent_id)
    return list(session.scalars(query.order_by(Code.position, Code.id)))


def _free_colour(siblings: Sequence[Code]) -> str:
    used = {c.color.upper() for c in siblings if c.color}
    return next((colour for colour in DEFAULT_PALETTE if colour not in used), DEFAULT_PALETTE[len(siblings) % 10])


def _descendants(code: Code) -> list[Code]:
    out: list[Code] = []
    for child in code.children:
        out.append(child)
        out.extend(_descendants(child))
    return out


def _coding_count(session: Session, code_id: int) -> int:
    return session.scalar(select(func.count(Coding.id)).where(Coding.code_id == code_id)) or 0


# --------------------------------------------------------------------------- import and export


@dataclass(frozen=True)
class ImportSummary:
    """What :func:`import_codebook_report` did, by code name."""

    codebook: str
    created: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    retired: tuple[str, ...]
    deleted: tuple[str, ...]


_FIELDS = ("definition", "inclusion", "exclusion", "color", "patterns", "weak_patterns", "aliases", "retired")


def _spec_values(spec: CodeSpec) -> dict[str, Any]:
    values = {field: getattr(spec, field) for field in _FIELDS}
    values["patterns"] = list(spec.patterns)
    values["weak_patterns"] = list(spec.weak_patterns)
    values["aliases"] = list(spec.aliases)
    values["examples"] = [example.model_dump(exclude_none=True) for example in spec.examples]
    return values


def import_codebook_report(session: Session, spec: CodebookSpec, actor: str | None = None, *,
                           remove_missing: bool = True) -> tuple[Codebook, ImportSummary]:
    """Create or update a codebook and its codes (matched by name) from ``spec``.

    Codes in the project but not in ``spec`` are deleted when nothing refers to them, and retired
    when they have codings (``remove_missing=False`` leaves them alone). Codings are never touched.
    """
    book = session.scalar(select(Codebook).where(Codebook.name == spec.name))
    if book is None:
        book = Codebook(name=spec.name, description=spec.description)
        session.add(book)
        session.flush()
        log_event(session, "codebook.create", "codebook", book.id, {"name": spec.name}, actor)
    else:
        book.description = spec.description
    existing = {code.name.casefold(): code for code in session.scalars(select(Code).where(Code.codebook_id == book.id))}
    seen: set[int] = set()
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []

    def upsert(codes: Sequence[CodeSpec], parent: Code | None) -> None:
        for position, code_spec in enumerate(codes):
            values = _spec_values(code_spec)
            code = existing.get(code_spec.name.casefold())
            if code is None:
                code = Code(codebook_id=book.id, name=code_spec.name, parent_id=parent.id if parent else None,
                            position=position, **values)
                session.add(code)
                session.flush()
                created.append(code.name)
            else:
                before = {f: getattr(code, f) for f in (*values, "name", "parent_id", "position")}
                for field, value in values.items():
                    setattr(code, field, value)
                code.name, code.parent_id, code.position = code_spec.name, parent.id if parent else None, position
                after = {f: getattr(code, f) for f in before}
                (updated if after != before else unchanged).append(code.name)
            seen.add(code.id)
            upsert(code_spec.children, code)

    upsert(spec.codes, None)
    session.flush()
    retired: list[str] = []
    deleted: list[str] = []
    if remove_missing:
        missing = [code for code in existing.values() if code.id not in seen]
        for code in sorted(missing, key=lambda c: -_depth(c)):
            session.refresh(code, ["children"])
            if _coding_count(session, code.id) or code.children:
                if not code.retired:
                    code.retired = True
                    retired.append(code.name)
            else:
                _delete_code(session, code)
                deleted.append(code.name)
    session.flush()
    summary = ImportSummary(spec.name, tuple(created), tuple(updated), tuple(unchanged), tuple(retired),
                            tuple(deleted))
    log_event(session, "codebook.import", "codebook", book.id,
              {"name": spec.name, "created": created, "updated": updated, "retired": retired,
               "deleted": deleted, "unchanged": len(unchanged)}, actor)
    session.refresh(book, ["codes"])
    return book, summary


def import_codebook(session: Session, spec: CodebookSpec, actor: str | None = None, *,
                    remove_missing: bool = True) -> Codebook:
    """Create or update a codebook from ``spec`` (see :func:`import_codebook_report`)."""
    return import_codebook_report(session, spec, actor, remove_missing=remove_missing)[0]


def _depth(code: Code) -> int:
    depth, node = 0, code
    while node.parent is not None:
        depth, node = depth + 1, node.parent
    return depth


def _delete_code(session: Session, code: Code) -> None:
    """Delete an unused code with its pending suggestions and its memos."""
    for memo in session.scalars(select(Memo).where(Memo.target_type == "code", Memo.target_id == code.id)):
        session.delete(memo)
    for suggestion in session.scalars(select(Suggestion).where(Suggestion.code_id == code.id)):
        session.delete(suggestion)
    session.delete(code)
    session.flush()


def _code_spec(code: Code) -> CodeSpec:
    try:
        return CodeSpec(
            name=code.name, definition=code.definition or "", inclusion=code.inclusion or "",
            exclusion=code.exclusion or "", examples=[ExampleSpec.model_validate(e) for e in code.examples or []],
            color=code.color, patterns=list(code.patterns or []), weak_patterns=list(code.weak_patterns or []),
            aliases=list(code.aliases or []), retired=bool(code.retired),
            children=[_code_spec(child) for child in sorted(code.children, key=lambda c: (c.position, c.id))],
        )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "?"
        raise IntegrityError(f"code '{code.path}' (id {code.id}): field \"{field}\": {first['msg']}") from None


def export_codebook(session: Session, name: str) -> CodebookSpec:
    """One codebook of the project as a :class:`CodebookSpec` (retired codes included, flagged)."""
    book = get_codebook(session, name)
    roots = sorted((c for c in book.codes if c.parent_id is None), key=lambda c: (c.position, c.id))
    return CodebookSpec(name=book.name, description=book.description or "", codes=[_code_spec(c) for c in roots])


def export_codebooks(session: Session) -> list[CodebookSpec]:
    """Every codebook of the project, sorted by name."""
    names = session.scalars(select(Codebook.name).order_by(Codebook.name))
    return [export_codebook(session, name) for name in names]


# --------------------------------------------------------------------------- code operations


def create_codebook(session: Session, name: str, description: str = "", actor: str | None = None) -> Codebook:
    """A new, empty codebook; CodebookError if the name is taken."""
    clean = _check_name(name, "codebook name")
    if session.scalar(select(Codebook).where(func.lower(Codebook.name) == clean.lower())) is not None:
        raise CodebookError(f"a codebook '{clean}' already exists")
    book = Codebook(name=clean, description=description)
    session.add(book)
    session.flush()
    log_event(session, "codebook.create", "codebook", book.id, {"name": clean}, actor)
    return book


def create_code(
    session: Session, codebook: str, name: str, *, parent: CodeRef | None = None, definition: str = "",
    inclusion: str = "", exclusion: str = "", color: str | None = None, patterns: Sequence[str] = (),
    weak_patterns: Sequence[str] = (), aliases: Sequence[str] = (),
    examples: Sequence[Mapping[str, Any]] = (), actor: str | None = None,
) -> Code:
    """A new code in ``codebook`` (optionally under ``parent``), placed after its siblings."""
    book = get_codebook(session, codebook)
    clean = _check_name(name)
    _require_free(session, book, clean)
    parent_code = _code(session, parent) if parent is not None else None
    if parent_code is not None and parent_code.codebook_id != book.id:
        raise CodebookError(f"parent '{parent_code.path}' is not in codebook '{book.name}'")
    siblings = _siblings(session, book.id, parent_code.id if parent_code else None)
    try:
        example_rows = [ExampleSpec.model_validate(dict(e)).model_dump(exclude_none=True) for e in examples]
    except ValidationError as exc:
        raise CodebookError(f"field \"examples\": {exc.errors(include_url=False)[0]['msg']}") from None
    code = Code(
        codebook_id=book.id, parent_id=parent_code.id if parent_code else None, name=clean,
        position=max((c.position for c in siblings), default=-1) + 1, definition=definition,
        inclusion=inclusion, exclusion=exclusion,
        color=_check_colour(color) if color else _free_colour(siblings),
        patterns=_check_patterns("patterns", patterns), weak_patterns=_check_patterns("weak_patterns", weak_patterns),
        aliases=[a.strip() for a in aliases if a.strip()], examples=example_rows,
    )
    session.add(code)
    session.flush()
    session.refresh(book, ["codes"])
    log_event(session, "code.create", "code", code.id,
              {"code": code.path, "parent": parent_code.path if parent_code else None}, actor)
    return code


def update_code(session: Session, code: CodeRef, *, actor: str | None = None, **fields: Any) -> Code:
    """Change descriptive fields (definition, inclusion, exclusion, color, patterns, weak_patterns,
    aliases, examples) of a code; the name, place and codings are untouched."""
    target = _code(session, code)
    allowed = {"definition", "inclusion", "exclusion", "color", "patterns", "weak_patterns", "aliases", "examples"}
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise CodebookError(f"code '{target.path}': cannot set {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")
    changes: dict[str, Any] = {}
    for field, value in fields.items():
        if value is None:
            continue
        if field == "color":
            value = _check_colour(value)
        elif field in ("patterns", "weak_patterns"):
            value = _check_patterns(field, value)
        elif field == "examples":
            try:
                value = [ExampleSpec.model_validate(dict(e)).model_dump(exclude_none=True) for e in value]
            except ValidationError as exc:
                raise CodebookError(f"field \"examples\": {exc.errors(include_url=False)[0]['msg']}") from None
        elif field == "aliases":
            value = [a.strip() for a in value if a.strip()]
        if getattr(target, field) != value:
            changes[field] = {"old": getattr(target, field), "new": value}
            setattr(target, field, value)
    if changes:
        session.flush()
        log_event(session, "code.update", "code", target.id, {"code": target.path, "changes": changes}, actor)
    return target


def rename_code(session: Session, code: CodeRef, new_name: str, *, keep_alias: bool = True,
                actor: str | None = None) -> Code:
    """Rename a code within its codebook; the old name stays as an alias unless ``keep_alias=False``."""
    target = _code(session, code)
    clean = _check_name(new_name)
    if clean == target.name:
        raise CodebookError(f"code '{target.path}' is already called '{clean}'")
    _require_free(session, target.codebook, clean, except_id=target.id)
    old_path, old_name = target.path, target.name
    target.name = clean
    aliases = [a for a in (target.aliases or []) if a != clean]
    if keep_alias and old_name.casefold() != clean.casefold() and old_name not in aliases:
        aliases.append(old_name)
    target.aliases = aliases
    session.flush()
    log_event(session, "code.rename", "code", target.id,
              {"code": target.path, "old": old_path, "new": target.path}, actor)
    return target


def move_code(session: Session, code: CodeRef, new_parent: CodeRef | None = None, *,
              codebook: str | None = None, actor: str | None = None) -> Code:
    """Move a code (with its sub-codes) under ``new_parent``, or to the top level of ``codebook``.

    Without ``new_parent`` the code becomes a top-level code of ``codebook`` (default: its own).
    """
    target = _code(session, code)
    parent = _code(session, new_parent) if new_parent is not None else None
    if parent is not None:
        if codebook is not None and parent.codebook.name != codebook:
            raise CodebookError(f"parent '{parent.path}' is not in codebook '{codebook}'")
        book = parent.codebook
        if parent.id == target.id:
            raise CodebookError(f"cannot move '{target.path}' under itself")
        if parent.id in {d.id for d in _descendants(target)}:
            raise CodebookError(f"cannot move '{target.path}' under its own sub-code '{parent.path}'")
    else:
        book = get_codebook(session, codebook) if codebook is not None else target.codebook
    old = {"codebook": target.codebook.name, "parent": target.parent.path if target.parent else None}
    if (parent.id if parent else None) == target.parent_id and book.id == target.codebook_id:
        raise CodebookError(f"code '{target.path}' is already there")
    subtree = [target, *_descendants(target)]
    old_book = target.codebook
    if book.id != target.codebook_id:
        for member in subtree:
            _require_free(session, book, member.name)
    siblings = _siblings(session, book.id, parent.id if parent else None)
    old_path = target.path
    target.parent_id = parent.id if parent else None
    target.position = max((c.position for c in siblings), default=-1) + 1
    for member in subtree:
        member.codebook_id = book.id
    session.flush()
    for member in subtree:
        session.refresh(member, ["codebook", "parent"])
    for touched in {old_book, book}:
        session.expire(touched, ["codes"])
    if parent is not None:
        session.expire(parent, ["children"])
    log_event(session, "code.move", "code", target.id,
              {"code": target.path, "old": old_path, "old_parent": old["parent"],
               "new_parent": parent.path if parent else None, "old_codebook": old["codebook"],
               "new_codebook": book.name, "moved": len(subtree)}, actor)
    return target


@dataclass(frozen=True)
class MergeResult:
    """What :func:`merge_codes` did: codings moved to the target, duplicates collapsed into it."""

    target_id: int
    moved: int
    collapsed: int
    source_deleted: bool


def merge_codes(session: Session, source: CodeRef, target: CodeRef, *, delete_source: bool = False,
                actor: str | None = None) -> MergeResult:
    """Move every coding, suggestion, memo and sub-code of ``source`` to ``target``.

    A source coding on the same span by the same coder as a target coding collapses into it (its
    memo is kept). The source is then retired (default) or deleted (``delete_source=True``); its
    name becomes an alias of the target.
    """
    src, dst = _code(session, source), _code(session, target)
    if src.id == dst.id:
        raise CodebookError(f"cannot merge '{src.path}' into itself")
    if dst.id in {d.id for d in _descendants(src)}:
        raise CodebookError(f"cannot merge '{src.path}' into its own sub-code '{dst.path}'")
    if src.codebook_id != dst.codebook_id:
        for member in _descendants(src):
            _require_free(session, dst.codebook, member.name)
    source_path = src.path
    moved = collapsed = 0
    target_codings = {(c.document_id, c.start, c.end, c.coder_id): c
                      for c in session.scalars(select(Coding).where(Coding.code_id == dst.id))}
    for coding in list(session.scalars(select(Coding).where(Coding.code_id == src.id))):
        twin = target_codings.get((coding.document_id, coding.start, coding.end, coding.coder_id))
        if twin is None:
            coding.code_id = dst.id
            moved += 1
            continue
        if coding.memo and coding.memo != twin.memo:
            twin.memo = f"{twin.memo}\n{coding.memo}" if twin.memo else coding.memo
        for suggestion in session.scalars(select(Suggestion).where(Suggestion.coding_id == coding.id)):
            suggestion.coding_id = twin.id
        session.delete(coding)
        collapsed += 1
    pending_on_target = set(session.scalars(select(Suggestion.segment_id).where(
        Suggestion.code_id == dst.id, Suggestion.status == "pending")))
    for suggestion in list(session.scalars(select(Suggestion).where(Suggestion.code_id == src.id))):
        if suggestion.status == "pending" and suggestion.segment_id in pending_on_target:
            session.delete(suggestion)
        else:
            suggestion.code_id = dst.id
    for memo in list(session.scalars(select(Memo).where(Memo.target_type == "code", Memo.target_id == src.id))):
        memo.target_id = dst.id
    for child in list(src.children):
        move_code(session, child, dst, actor=actor)
    aliases = list(dst.aliases or [])
    for alias in [src.name, *(src.aliases or [])]:
        if alias not in aliases and alias != dst.name:
            aliases.append(alias)
    dst.aliases = aliases
    session.flush()
    session.refresh(src, ["children"])
    if delete_source:
        _delete_code(session, src)
    else:
        src.retired = True
    session.flush()
    log_event(session, "code.merge", "code", dst.id,
              {"code": dst.path, "source": source_path, "moved": moved, "collapsed": collapsed,
               "source_deleted": delete_source}, actor)
    return MergeResult(dst.id, moved, collapsed, delete_source)


def split_code(session: Session, code: CodeRef, new_names: Sequence[str], *, as_children: bool = True,
               reassign: Mapping[str, Sequence[int]] | None = None, actor: str | None = None) -> list[Code]:
    """Create ``new_names`` as sub-codes (or, ``as_children=False``, siblings) of ``code``.

    Codings stay on the original code unless ``reassign`` maps a new name to ids of the original's
    codings, which then move to that new code.
    """
    original = _code(session, code)
    names = [_check_name(n) for n in new_names]
    if not names:
        raise CodebookError(f"split '{original.path}': give at least one new code name")
    folded = [n.casefold() for n in names]
    if len(set(folded)) != len(folded):
        raise CodebookError(f"split '{original.path}': a new code name is given twice")
    reassign = dict(reassign or {})
    unknown = sorted(set(reassign) - set(names))
    if unknown:
        raise CodebookError(f"split '{original.path}': reassign names '{unknown[0]}', which is not a new code")
    own = set(session.scalars(select(Coding.id).where(Coding.code_id == original.id)))
    claimed: dict[int, str] = {}
    for name, ids in reassign.items():
        for coding_id in ids:
            if coding_id not in own:
                raise CodebookError(f"split '{original.path}': coding {coding_id} is not coded with this code")
            if coding_id in claimed and claimed[coding_id] != name:
                raise CodebookError(f"split '{original.path}': coding {coding_id} is given to two new codes")
            claimed[coding_id] = name
    parent = original if as_children else original.parent
    created = [
        create_code(session, original.codebook.name, name, parent=parent, actor=actor,
                    definition=f"Delt ut fra «{original.name}».")
        for name in names
    ]
    by_name = {c.name: c for c in created}
    for coding_id, name in claimed.items():
        coding = session.get(Coding, coding_id)
        if coding is not None:
            coding.code_id = by_name[name].id
    session.flush()
    log_event(session, "code.split", "code", original.id,
              {"code": original.path, "new": [c.path for c in created], "as_children": as_children,
               "reassigned": {name: len(ids) for name, ids in reassign.items()}}, actor)
    return created


def retire_code(session: Session, code: CodeRef, *, retired: bool = True, actor: str | None = None) -> Code:
    """Mark a code retired (no new codings; existing codings kept), or active again with ``retired=False``."""
    target = _code(session, code)
    if bool(target.retired) == retired:
        state = "retired" if retired else "active"
        raise CodebookError(f"code '{target.path}' is already {state}")
    target.retired = retired
    session.flush()
    log_event(session, "code.retire" if retired else "code.unretire", "code", target.id,
              {"code": target.path, "codings": _coding_count(session, target.id)}, actor)
    return target
