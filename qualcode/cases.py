"""Cases and their typed attributes: the metadata CSV, type inference, and edits.

A metadata CSV has the required columns ``file`` and ``case``; every other column is an attribute of
that case. Types are inferred per column: ``number`` when every value parses as a number, ``boolean``
when every value is one of ja/nei/yes/no/true/false, else ``text``. Empty cells mean "no value".
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.db.models import Attribute, Case, CaseAttribute
from qualcode.db.session import log_event
from qualcode.errors import InputError, NotFoundError

TRUE_WORDS = frozenset({"ja", "yes", "true", "sann", "j", "y"})
FALSE_WORDS = frozenset({"nei", "no", "false", "usann", "n"})
REQUIRED_COLUMNS = ("file", "case")


@dataclass(frozen=True)
class MetaRow:
    row: int  # 1-based line number in the CSV (the header is row 1)
    file: str
    case: str
    attributes: dict[str, str]


@dataclass(frozen=True)
class MetaTable:
    path: Path
    rows: tuple[MetaRow, ...]
    types: dict[str, str]  # attribute -> text | number | boolean

    def for_file(self, name: str) -> MetaRow | None:
        for row in self.rows:
            if row.file == name or Path(row.file).name == name:
                return row
        return None


def _is_number(value: str) -> bool:
    try:
        float(value.replace(",", ".").replace(" ", ""))
    except ValueError:
        return False
    return True


def infer_type(values: list[str]) -> str:
    """``number``, ``boolean`` or ``text`` for a column of non-empty string values."""
    present = [v.strip() for v in values if v and v.strip()]
    if not present:
        return "text"
    if all(_is_number(v) for v in present):
        return "number"
    if all(v.lower() in TRUE_WORDS | FALSE_WORDS for v in present):
        return "boolean"
    return "text"


def normalise_value(value: str, type_: str) -> str:
    """Store numbers with a dot and booleans as ``ja``/``nei``."""
    value = value.strip()
    if type_ == "number":
        return value.replace(",", ".").replace(" ", "")
    if type_ == "boolean":
        return "ja" if value.lower() in TRUE_WORDS else "nei"
    return value


def read_meta_csv(path: Path) -> MetaTable:
    """Read and validate a metadata CSV; errors name the file and row."""
    if not path.exists():
        raise InputError(f"{path}: metadata file does not exist")
    try:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
    except OSError as exc:
        raise InputError(f"{path.name}: cannot read the metadata file ({exc.strerror})") from None
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(text.splitlines(), dialect)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{path.name}: the metadata file is empty") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(
            f"{path.name}: missing required column(s) {', '.join(missing)}; found {', '.join(header) or 'none'}"
        )
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise InputError(f"{path.name}: duplicate column(s) {', '.join(duplicates)}")
    attr_names = [h for h in header if h not in REQUIRED_COLUMNS]
    if any(not h for h in attr_names):
        raise InputError(f"{path.name}: a column has no name")
    rows: list[MetaRow] = []
    seen: dict[str, int] = {}
    for lineno, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise InputError(f"{path.name}: row {lineno}: {len(values)} fields, expected {len(header)}")
        record = dict(zip(header, values, strict=True))
        file, case = record["file"].strip(), record["case"].strip()
        if not file:
            raise InputError(f"{path.name}: row {lineno}: field 'file' is empty")
        if not case:
            raise InputError(f"{path.name}: row {lineno}: field 'case' is empty")
        if file in seen:
            raise InputError(f"{path.name}: row {lineno}: file {file} is already listed in row {seen[file]}")
        seen[file] = lineno
        rows.append(MetaRow(lineno, file, case, {a: record[a].strip() for a in attr_names}))
    types = {a: infer_type([r.attributes[a] for r in rows]) for a in attr_names}
    return MetaTable(path=path, rows=tuple(rows), types=types)


def get_or_create_case(session: Session, name: str, actor: str | None = None) -> Case:
    case = session.scalar(select(Case).where(Case.name == name))
    if case is None:
        case = Case(name=name)
        session.add(case)
        session.flush()
        log_event(session, "case.create", "case", case.id, {"name": name}, actor)
    return case


def _attribute(session: Session, name: str, type_: str) -> Attribute:
    attr = session.scalar(select(Attribute).where(Attribute.name == name))
    if attr is None:
        attr = Attribute(name=name, type=type_)
        session.add(attr)
        session.flush()
    elif attr.type != type_ and type_ == "text":
        attr.type = "text"  # widen: a text value in a number column makes the column text
    return attr


def set_case_attribute(
    session: Session, case_name: str, attribute: str, value: str | None, actor: str | None = None
) -> None:
    """Set (or with ``None``/empty clear) one attribute of an existing case; the type is checked."""
    case = session.scalar(select(Case).where(Case.name == case_name))
    if case is None:
        raise NotFoundError(f"unknown case '{case_name}'")
    attribute = attribute.strip()
    if not attribute or attribute in REQUIRED_COLUMNS:
        raise InputError(f"attribute name '{attribute}' is not allowed")
    existing = session.scalar(select(Attribute).where(Attribute.name == attribute))
    type_ = existing.type if existing else infer_type([value or ""])
    if value and value.strip() and existing and infer_type([value]) != type_ and type_ != "text":
        raise InputError(f"attribute '{attribute}' holds {type_} values; '{value}' is not one")
    attr = _attribute(session, attribute, type_)
    row = session.get(CaseAttribute, (case.id, attr.id))
    old = row.value if row else None
    if value is None or not value.strip():
        if row is not None:
            case.values.remove(row)  # delete-orphan removes the row
    elif row is None:
        session.add(CaseAttribute(case_id=case.id, attribute_id=attr.id, value=normalise_value(value, type_)))
    else:
        row.value = normalise_value(value, type_)
    log_event(session, "case.attribute", "case", case.id, {"attribute": attribute, "old": old, "new": value}, actor)


def apply_meta_row(session: Session, row: MetaRow, types: dict[str, str], actor: str | None = None) -> Case:
    """Create the row's case if needed and set its attributes (empty cells leave a value unset)."""
    case = get_or_create_case(session, row.case, actor)
    for name, value in row.attributes.items():
        if not value:
            continue
        attr = _attribute(session, name, types[name])
        stored = normalise_value(value, attr.type)
        current = session.get(CaseAttribute, (case.id, attr.id))
        if current is None:
            session.add(CaseAttribute(case_id=case.id, attribute_id=attr.id, value=stored))
        elif current.value != stored:
            log_event(
                session, "case.attribute", "case", case.id,
                {"attribute": name, "old": current.value, "new": stored}, actor,
            )
            current.value = stored
    return case
