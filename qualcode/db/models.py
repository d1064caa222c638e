"""Typed SQLAlchemy 2 models of a qualcode project.

Nothing here is SQLite-only: the same models run on PostgreSQL. Constraints carry stable names
(naming convention) so that Alembic batch migrations can find them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SPEAKER_ROLES = ("interviewer", "participant")
CODING_SOURCES = ("manual", "suggestion", "import")
SUGGESTION_STATUSES = ("pending", "accepted", "rejected", "skipped")
ATTRIBUTE_TYPES = ("text", "number", "boolean")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Case(Base):
    """A unit of analysis, usually one informant; carries typed attributes."""

    __tablename__ = "case"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    values: Mapped[list[CaseAttribute]] = relationship(back_populates="case", cascade="all, delete-orphan")
    documents: Mapped[list[Document]] = relationship(back_populates="case")


class Attribute(Base):
    """A case attribute's name and type (text, number or boolean)."""

    __tablename__ = "attribute"
    __table_args__ = (CheckConstraint(f"type IN {ATTRIBUTE_TYPES}", name="type"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(20), default="text")


class CaseAttribute(Base):
    """One attribute value of one case, stored as text and typed by its Attribute."""

    __tablename__ = "case_attribute"
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), primary_key=True)
    attribute_id: Mapped[int] = mapped_column(ForeignKey("attribute.id", ondelete="CASCADE"), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="values")
    attribute: Mapped[Attribute] = relationship()


class Document(Base):
    """An imported transcript. ``text`` is NFC with \\n newlines and never changes after import."""

    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(400), unique=True)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_path: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(10))
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"), index=True)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case | None] = relationship(back_populates="documents")
    segments: Mapped[list[Segment]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Segment.ordinal"
    )
    codings: Mapped[list[Coding]] = relationship(back_populates="document", cascade="all, delete-orphan")


class Segment(Base):
    """A unit of analysis inside a document: a speaker turn, a sentence window, a paragraph or a sentence."""

    __tablename__ = "segment"
    __table_args__ = (
        UniqueConstraint("document_id", "ordinal", name="document_ordinal"),
        CheckConstraint('start >= 0 AND "end" > start', name="offsets"),
        CheckConstraint(f"speaker_role IN {SPEAKER_ROLES}", name="speaker_role"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    turn: Mapped[int] = mapped_column(Integer, default=0)
    speaker: Mapped[str | None] = mapped_column(String(200))
    speaker_role: Mapped[str] = mapped_column(String(20), default="participant")
    time_start: Mapped[float | None] = mapped_column(Float)
    time_end: Mapped[float | None] = mapped_column(Float)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    lemma_text: Mapped[str | None] = mapped_column(Text)

    document: Mapped[Document] = relationship(back_populates="segments")


class Codebook(Base):
    __tablename__ = "codebook"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    codes: Mapped[list[Code]] = relationship(back_populates="codebook", order_by="Code.position")


class Code(Base):
    """A code in a codebook; hierarchical through ``parent_id``. Names are unique within a codebook."""

    __tablename__ = "code"
    __table_args__ = (UniqueConstraint("codebook_id", "name", name="codebook_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    codebook_id: Mapped[int] = mapped_column(ForeignKey("codebook.id", ondelete="RESTRICT"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("code.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    definition: Mapped[str] = mapped_column(Text, default="")
    inclusion: Mapped[str] = mapped_column(Text, default="")
    exclusion: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    color: Mapped[str] = mapped_column(String(9), default="#888888")
    patterns: Mapped[list[str]] = mapped_column(JSON, default=list)
    weak_patterns: Mapped[list[str]] = mapped_column(JSON, default=list)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    codebook: Mapped[Codebook] = relationship(back_populates="codes")
    parent: Mapped[Code | None] = relationship(remote_side="Code.id", back_populates="children")
    children: Mapped[list[Code]] = relationship(back_populates="parent", order_by="Code.position")

    @property
    def path(self) -> str:
        """``codebook/code`` — the name used in files and on the command line."""
        return f"{self.codebook.name}/{self.name}"


class Coder(Base):
    __tablename__ = "coder"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Coding(Base):
    """A code applied by a coder to ``document.text[start:end]``; ``text`` is the snapshot of that span."""

    __tablename__ = "coding"
    __table_args__ = (
        CheckConstraint('start >= 0 AND "end" > start', name="offsets"),
        CheckConstraint(f"source IN {CODING_SOURCES}", name="source"),
        Index("ix_coding_document_start", "document_id", "start"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="RESTRICT"), index=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coder.id", ondelete="RESTRICT"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default="manual")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    memo: Mapped[str | None] = mapped_column(Text)
    model_version: Mapped[str | None] = mapped_column(String(100))
    score: Mapped[float | None] = mapped_column(Float)

    document: Mapped[Document] = relationship(back_populates="codings")
    code: Mapped[Code] = relationship()
    coder: Mapped[Coder] = relationship()


class Memo(Base):
    """A free-text memo on a document, case, code, coding or the project (``target_id`` NULL)."""

    __tablename__ = "memo"
    __table_args__ = (
        CheckConstraint("target_type IN ('project', 'document', 'case', 'code', 'coding')", name="target_type"),
        Index("ix_memo_target", "target_type", "target_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(Integer)
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Suggestion(Base):
    """A model's proposal that a code applies to a segment. Only a person's accept turns it into a coding."""

    __tablename__ = "suggestion"
    __table_args__ = (
        CheckConstraint(f"status IN {SUGGESTION_STATUSES}", name="status"),
        Index("ix_suggestion_status_code", "status", "code_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segment.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    model_version: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    coding_id: Mapped[int | None] = mapped_column(ForeignKey("coding.id", ondelete="SET NULL"))

    segment: Mapped[Segment] = relationship()
    code: Mapped[Code] = relationship()
    decided_by: Mapped[Coder | None] = relationship()


class Event(Base):
    """Append-only audit trail: one row per change (who, what, when)."""

    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
