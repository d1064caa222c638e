"""Codebook files: the schema, loading, validation and saving.

A codebook file (YAML or JSON) holds one codebook: a name, a description and a tree of codes.
Each code carries a definition, inclusion and exclusion criteria, examples, a colour and keyword
patterns for the suggester. Every problem found while loading is raised as one
:class:`~qualcode.errors.CodebookError` whose message names the file, the code path
(``"tillit/gjensidig tillit"``) and the field, on one line.

Pattern syntax (matched by ``qualcode.patterns``): space-separated terms matching consecutive
tokens; ``ord`` exact, ``ord*`` prefix, ``*ord`` suffix, ``*ord*`` infix; a single term starting
with ``-`` is an exclusion (a token matching it never counts as a hit for the code).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from qualcode.errors import CodebookError, NotFoundError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from qualcode.db.models import Codebook

CODEBOOK_SUFFIXES = (".yaml", ".yml", ".json")
CODEBOOKS_ENV = "QUALCODE_CODEBOOKS"
EXAMPLE_KINDS = ("typical", "borderline", "negative")
_HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_TERM_BODY = re.compile(r"^\*?[^*\s]+\*?$")

# Calm palette used for codes that come without a colour (Tableau 10, muted).
DEFAULT_PALETTE = (
    "#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#76B7B2",
    "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC",
)

#: The repository's ``codebooks/`` directory (a source checkout); see :func:`shipped_codebook_dir`.
SHIPPED_CODEBOOK_DIR: Path = Path(__file__).resolve().parent.parent / "codebooks"


def check_pattern(pattern: str) -> str | None:
    """Return why ``pattern`` is not valid pattern syntax, or ``None`` when it is fine."""
    terms = pattern.split()
    if not terms:
        return "empty pattern"
    exclusions = [term for term in terms if term.startswith("-")]
    if exclusions and len(terms) > 1:
        return f"exclusion {exclusions[0]!r} must stand alone as a one-term pattern"
    for term in terms:
        body = term[1:] if term.startswith("-") else term
        if not body:
            return "empty exclusion term '-'"
        if body.strip("*") == "":
            return f"term {term!r} has no letters besides '*'"
        if not _TERM_BODY.match(body):
            return f"term {term!r}: '*' is allowed only at the start or end of a term"
    return None


class ExampleSpec(BaseModel):
    """One worked example: a short text and whether it is typical, borderline or negative."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    kind: Literal["typical", "borderline", "negative"]
    note: str | None = None


class CodeSpec(BaseModel):
    """One code of a codebook file, with optional sub-codes in ``children``."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str
    definition: str
    inclusion: str = ""
    exclusion: str = ""
    examples: list[ExampleSpec] = Field(default_factory=list)
    color: str | None = None
    patterns: list[str] = Field(default_factory=list)
    weak_patterns: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    retired: bool = False
    children: list[CodeSpec] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise PydanticCustomError("empty_name", "must not be empty")
        if "/" in value:
            raise PydanticCustomError("slash_name", "must not contain '/' (it separates code paths)")
        return value

    @field_validator("color")
    @classmethod
    def _check_colour(cls, value: str | None) -> str | None:
        if value is not None and not _HEX_COLOUR.match(value):
            raise PydanticCustomError("colour", "not a hex colour like #4E79A7")
        return value.upper() if value is not None else None

    @field_validator("patterns", "weak_patterns")
    @classmethod
    def _check_patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            problem = check_pattern(pattern)
            if problem is not None:
                raise PydanticCustomError("pattern", "pattern '{pattern}': {problem}",
                                          {"pattern": pattern, "problem": problem})
        return [" ".join(pattern.split()) for pattern in value]

    @model_validator(mode="after")
    def _check_children(self) -> CodeSpec:
        _check_unique_names(self.children)
        return self

    def descendants(self) -> Iterator[CodeSpec]:
        """All sub-codes below this code, depth first."""
        for child in self.children:
            yield child
            yield from child.descendants()


class CodebookSpec(BaseModel):
    """A whole codebook file: name, description and the top-level codes."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    name: str
    description: str = ""
    codes: list[CodeSpec] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise PydanticCustomError("empty_name", "must not be empty")
        if "/" in value:
            raise PydanticCustomError("slash_name", "must not contain '/' (it separates code paths)")
        return value

    @model_validator(mode="after")
    def _check_codes(self) -> CodebookSpec:
        _check_unique_names(self.codes)
        seen: dict[str, str] = {}
        for indices, names, code in _walk_indexed(self.codes, (), ()):
            key = code.name.casefold()
            if key in seen:
                raise PydanticCustomError(
                    "duplicate_code", "code name '{name}' is already used by '{other}' in this codebook",
                    {"name": code.name, "other": seen[key], "indices": list(indices)},
                )
            seen[key] = "/".join((self.name, *names))
        _fill_colours(self.codes)
        return self

    def walk(self) -> Iterator[tuple[str, CodeSpec]]:
        """Yield ``(path, code)`` for every code, depth first; ``path`` is ``"codebook/code"``.

        Code names are unique within a codebook, so the flat path names a code exactly, as
        ``Code.path`` does in the database.
        """
        for _indices, _names, code in _walk_indexed(self.codes, (), ()):
            yield f"{self.name}/{code.name}", code

    def find(self, path: str) -> CodeSpec:
        """The code at ``path`` (``"tillit/mistillit"`` or ``"mistillit"``); NotFoundError if absent."""
        wanted = path if path.startswith(f"{self.name}/") else f"{self.name}/{path}"
        for code_path, code in self.walk():
            if code_path == wanted:
                return code
        raise NotFoundError(f'codebook "{self.name}": no code "{wanted}"')


CodeSpec.model_rebuild()


def _walk_indexed(
    codes: list[CodeSpec], indices: tuple[int, ...], names: tuple[str, ...]
) -> Iterator[tuple[tuple[int, ...], tuple[str, ...], CodeSpec]]:
    """Depth first: (index path, name path, code) for every code below ``codes``."""
    for index, code in enumerate(codes):
        yield (*indices, index), (*names, code.name), code
        yield from _walk_indexed(code.children, (*indices, index), (*names, code.name))


def _check_unique_names(codes: list[CodeSpec]) -> None:
    seen: set[str] = set()
    for index, code in enumerate(codes):
        key = code.name.casefold()
        if key in seen:
            raise PydanticCustomError(
                "duplicate_code", "code name '{name}' is used twice among siblings",
                {"name": code.name, "indices": [index]},
            )
        seen.add(key)


def _fill_colours(codes: list[CodeSpec]) -> None:
    """Give codes without a colour the first palette colour their siblings do not use."""
    used = {code.color for code in codes if code.color}
    free = [colour for colour in DEFAULT_PALETTE if colour not in used] or list(DEFAULT_PALETTE)
    position = 0
    for code in codes:
        if code.color is None:
            object.__setattr__(code, "color", free[position % len(free)])
            position += 1
        _fill_colours(code.children)


# --------------------------------------------------------------------------- errors


def _describe(error: dict[str, Any], data: Any, source: str) -> str:
    """One line naming the file, the code path and the field of a pydantic error."""
    loc = list(error["loc"])
    ctx = error.get("ctx") or {}
    if error["type"] == "duplicate_code":  # raised by a parent: point at the duplicate itself
        for index in ctx.get("indices", [0]):
            loc = [*loc, "children" if loc else "codes", int(index)]
    raw_name = data.get("name") if isinstance(data, dict) else None
    book_name = raw_name if isinstance(raw_name, str) else "?"
    path: list[str] = [book_name]
    node: Any = data
    field: list[str] = []
    index = 0
    while index < len(loc):
        key = loc[index]
        if key in ("codes", "children") and index + 1 < len(loc) and isinstance(loc[index + 1], int):
            node = node[key][loc[index + 1]] if isinstance(node, dict) else None
            name = node.get("name") if isinstance(node, dict) else None
            path.append(str(name) if isinstance(name, str) and name.strip() else f"#{loc[index + 1] + 1}")
            index += 2
            continue
        field = [str(part) if not isinstance(part, int) else f"[{part}]" for part in loc[index:]]
        break
    field_text = ".".join(field).replace(".[", "[")
    where = f'code "{"/".join(path)}"' if len(path) > 1 else f'codebook "{book_name}"'
    model: type[BaseModel] = CodebookSpec
    if "examples[" in field_text:
        model = ExampleSpec
    elif len(path) > 1:
        model = CodeSpec
    message = _message(error, field_text, model)
    if error["type"] == "duplicate_code":
        return f"{source}: {where}: field \"name\": {message}"
    return f'{source}: {where}: field "{field_text or "(top level)"}": {message}'


def _message(error: dict[str, Any], field: str, model: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return f"unknown key; allowed keys are {', '.join(model.model_fields)}"
    if kind == "literal_error" and field.endswith("kind"):
        return f"must be one of {', '.join(EXAMPLE_KINDS)}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind in ("string_type", "list_type", "model_type", "bool_type", "model_attributes_type"):
        expected = {"string_type": "text", "list_type": "a list", "bool_type": "true or false"}.get(kind, "a mapping")
        return f"must be {expected}, got {type(error.get('input')).__name__}"
    return str(error["msg"]).removeprefix("Value error, ")


def _validate(data: Any, source: str) -> CodebookSpec:
    if not isinstance(data, dict):
        raise CodebookError(f"{source}: the top level must be a mapping with name, description and codes")
    try:
        return CodebookSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise CodebookError(_describe(dict(first), data, source)) from None


# --------------------------------------------------------------------------- reading


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses duplicate keys instead of silently keeping the last one."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_codebook_text(text: str, source: str, fmt: str = "yaml") -> CodebookSpec:
    """Parse and validate codebook text; ``source`` names it in error messages."""
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CodebookError(f"{source}: line {exc.lineno}: JSON syntax error: {exc.msg}") from None
    else:
        try:
            data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = f"line {mark.line + 1}: " if mark is not None else ""
            problem = " ".join(part for part in (exc.problem, exc.context) if part) or "invalid YAML"
            raise CodebookError(f"{source}: {line}YAML syntax error: {problem}") from None
        except yaml.YAMLError as exc:
            raise CodebookError(f"{source}: YAML syntax error: {' '.join(str(exc).split())}") from None
    return _validate(data, source)


def load_codebook(path: str | Path) -> CodebookSpec:
    """Read one codebook file (.yaml, .yml or .json) and validate it."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in CODEBOOK_SUFFIXES:
        raise CodebookError(f"{file}: not a codebook file (expected {', '.join(CODEBOOK_SUFFIXES)})")
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"{file}: codebook file not found") from None
    except UnicodeDecodeError:
        raise CodebookError(f"{file}: not UTF-8 text") from None
    return parse_codebook_text(text, str(file), "json" if suffix == ".json" else "yaml")


def load_codebooks(directory: str | Path) -> list[CodebookSpec]:
    """Every codebook file in ``directory``, read in file-name order; codebook names must be unique."""
    folder = Path(directory)
    if not folder.is_dir():
        raise NotFoundError(f"{folder}: codebook directory not found")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in CODEBOOK_SUFFIXES)
    specs: list[CodebookSpec] = []
    origin: dict[str, Path] = {}
    for file in files:
        spec = load_codebook(file)
        key = spec.name.casefold()
        if key in origin:
            raise CodebookError(f'{file}: codebook "{spec.name}" is already defined in {origin[key]}')
        origin[key] = file
        specs.append(spec)
    return specs


def shipped_codebook_dir() -> Path:
    """The directory with the shipped codebooks: ``$QUALCODE_CODEBOOKS``, else the repository's codebooks/."""
    configured = os.environ.get(CODEBOOKS_ENV)
    if configured:
        folder = Path(configured).expanduser()
        if not folder.is_dir():
            raise NotFoundError(f"{CODEBOOKS_ENV}={configured}: not a directory")
        return folder
    for folder in (SHIPPED_CODEBOOK_DIR, Path(__file__).resolve().parent / "data" / "codebooks"):
        if folder.is_dir():
            return folder
    raise NotFoundError(f"no codebooks directory found; set {CODEBOOKS_ENV} to the folder with the codebook files")


# --------------------------------------------------------------------------- writing


def _code_to_dict(code: CodeSpec) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": code.name,
        "definition": code.definition,
        "inclusion": code.inclusion,
        "exclusion": code.exclusion,
        "examples": [
            {"text": ex.text, "kind": ex.kind, **({"note": ex.note} if ex.note is not None else {})}
            for ex in code.examples
        ],
        "color": code.color,
        "patterns": list(code.patterns),
        "weak_patterns": list(code.weak_patterns),
        "aliases": list(code.aliases),
    }
    if code.retired:
        out["retired"] = True
    out["children"] = [_code_to_dict(child) for child in code.children]
    return out


def codebook_to_dict(spec: CodebookSpec) -> dict[str, Any]:
    """The export shape: ``{"name", "description", "codes": [{"name", "definition", ...}]}``."""
    return {
        "name": spec.name,
        "description": spec.description,
        "codes": [_code_to_dict(code) for code in spec.codes],
    }


def codebook_to_text(spec: CodebookSpec, fmt: str = "yaml") -> str:
    """The codebook as YAML or JSON text (UTF-8, Norwegian letters kept)."""
    data = codebook_to_dict(spec)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def dump_codebook(spec: CodebookSpec, path: str | Path) -> Path:
    """Write ``spec`` to ``path``; the suffix (.yaml, .yml or .json) picks the format."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in CODEBOOK_SUFFIXES:
        raise CodebookError(f"{file}: cannot write a codebook here (use {', '.join(CODEBOOK_SUFFIXES)})")
    file.write_text(codebook_to_text(spec, "json" if suffix == ".json" else "yaml"), encoding="utf-8")
    return file


# --------------------------------------------------------------------------- database (see codebook_ops)


def import_codebook(session: Session, spec: CodebookSpec, actor: str | None = None, *,
                    remove_missing: bool = True) -> Codebook:
    """Create or update ``spec`` in the project database; see :func:`qualcode.codebook_ops.import_codebook`."""
    from qualcode import codebook_ops

    return codebook_ops.import_codebook(session, spec, actor, remove_missing=remove_missing)


def export_codebooks(session: Session) -> list[CodebookSpec]:
    """Every codebook in the project database as a spec; see :mod:`qualcode.codebook_ops`."""
    from qualcode import codebook_ops

    return codebook_ops.export_codebooks(session)
