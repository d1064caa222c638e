"""Storage: schema creation, pragmas, migrations with backup, the append-only event log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from qualcode.db.models import Event
from qualcode.db.session import (
    current_revision,
    database_url,
    head_revision,
    log_event,
    open_engine,
    session_scope,
    upgrade,
)
from qualcode.errors import InputError, QualcodeError


def test_new_database_is_at_head_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "p.sqlite")
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    for table in ("case", "attribute", "case_attribute", "document", "segment", "codebook", "code", "coder",
                  "coding", "memo", "suggestion", "event"):
        assert table in tables
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_old_revision_database_is_upgraded_after_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    old = create_engine(f"sqlite:///{path}")
    upgrade(old, "0001")
    with old.begin() as conn:
        conn.execute(text("INSERT INTO \"case\" (name, created_at) VALUES ('Informant 1', '2026-01-01')"))
    old.dispose()
    assert "lemma_text" not in {c["name"] for c in inspect(create_engine(f"sqlite:///{path}")).get_columns("segment")}

    engine = open_engine(path)

    assert current_revision(engine) == head_revision()
    assert "lemma_text" in {c["name"] for c in inspect(engine).get_columns("segment")}
    backups = list(tmp_path.glob("old.sqlite.before-*.bak"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:  # the backup is the old schema with the old data
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
        assert conn.execute('SELECT name FROM "case"').fetchall() == [("Informant 1",)]
    with engine.connect() as conn:
        assert conn.execute(text('SELECT name FROM "case"')).scalar() == "Informant 1"


def test_schema_head_constant_matches_the_migrations() -> None:
    from qualcode.db.session import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD


def test_opening_twice_makes_no_backup(tmp_path: Path) -> None:
    open_engine(tmp_path / "p.sqlite")
    open_engine(tmp_path / "p.sqlite")
    assert not list(tmp_path.glob("*.bak"))


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE stuff (x INTEGER)")
    with pytest.raises(InputError, match="no qualcode schema version"):
        open_engine(path)


def test_missing_database_is_refused_without_create(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such database"):
        open_engine(tmp_path / "none.sqlite", create=False)


def test_missing_driver_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="driver is not installed"):
        open_engine("nosuchdb+nodriver://user@localhost/q")


def test_database_url_accepts_paths_and_urls(tmp_path: Path) -> None:
    assert database_url(tmp_path / "a.sqlite") == f"sqlite:///{tmp_path / 'a.sqlite'}"
    assert database_url("postgresql+psycopg://u@localhost/q") == "postgresql+psycopg://u@localhost/q"


def test_event_log_is_append_only(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "p.sqlite")
    with session_scope(engine) as session:
        log_event(session, "test.event", "project", None, {"x": 1}, "kari")
    with pytest.raises(QualcodeError, match="append-only"), session_scope(engine) as session:
        event = session.scalars(select(Event)).one()
        event.kind = "changed"
    with pytest.raises(QualcodeError, match="append-only"), session_scope(engine) as session:
        session.delete(session.scalars(select(Event)).one())
    with session_scope(engine) as session:
        event = session.scalars(select(Event)).one()
        assert (event.kind, event.actor, event.data) == ("test.event", "kari", {"x": 1})


def test_schema_compiles_for_postgresql() -> None:
    """Nothing SQLite-only in the models: every table's DDL compiles for PostgreSQL."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateTable

    from qualcode.db.models import Base

    for table in Base.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=postgresql.dialect()))
        assert ddl.startswith("\nCREATE TABLE") and "AUTOINCREMENT" not in ddl
