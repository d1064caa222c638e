"""Engine, sessions, and init-or-upgrade of a project database.

``open_engine("project.sqlite")`` creates a new database at the newest schema, or upgrades an older
one with Alembic after writing a backup copy next to it. SQLite runs in WAL mode with foreign keys on.
Any SQLAlchemy URL works too (``postgresql+psycopg://...``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from qualcode.db.models import Base, Event
from qualcode.errors import InputError, QualcodeError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest Alembic revision; tests/test_db.py checks it against the migrations. Knowing it lets an
# up-to-date database open without loading Alembic at all.
SCHEMA_HEAD = "0002"


def database_url(db: str | Path) -> str:
    """A path becomes a SQLite URL; a string with ``://`` is taken as a SQLAlchemy URL."""
    text = str(db)
    if "://" in text:
        try:
            make_url(text)
        except ArgumentError as exc:
            raise InputError(f"--db {text}: not a valid database URL ({exc})") from None
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(create_engine("sqlite://"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise QualcodeError("qualcode ships no database migrations; the installation is broken")
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup_sqlite(engine: Engine, label: str) -> Path | None:
    """Copy a SQLite database file (after a WAL checkpoint) to ``<name>.<label>-<time>.bak``."""
    path = engine.url.database
    if engine.url.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return None
    source = Path(path)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = source.with_name(f"{source.name}.{label}-{stamp}.bak")
    shutil.copy2(source, target)
    return target


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)


def init_or_upgrade(engine: Engine) -> Path | None:
    """Bring the database to the newest schema. Returns the backup path if an upgrade made one."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_HEAD:
                return None
    except DBAPIError:
        pass  # no version table yet: a new or a foreign database
    from alembic import command

    tables = set(inspect(engine).get_table_names())
    if not tables - {"alembic_version"}:
        Base.metadata.create_all(engine)
        command.stamp(_alembic_config(engine), "head")
        return None
    revision = current_revision(engine)
    if revision is None:
        raise InputError(
            f"{engine.url.database or engine.url}: holds tables but no qualcode schema version; "
            "is it a qualcode database?"
        )
    head = head_revision()
    if revision == head:
        return None
    backup = backup_sqlite(engine, f"before-{head}")
    upgrade(engine, "head")
    return backup


def open_engine(db: str | Path, *, create: bool = True, upgrade_schema: bool = True) -> Engine:
    """Open (and by default create or upgrade) the project database ``db`` (a path or a URL)."""
    url = database_url(db)
    if url.startswith("sqlite:///") and not create:
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            raise InputError(f"--db {db}: no such database; create it with `qualcode init --db {db}`")
    if url.startswith("sqlite:///"):
        parent = Path(url.removeprefix("sqlite:///")).parent
        if not parent.exists():
            raise InputError(f"--db {db}: folder {parent} does not exist")
    try:
        engine = create_engine(url, future=True)
    except (ImportError, NoSuchModuleError) as exc:
        raise InputError(f"--db {db}: the database driver is not installed ({exc})") from None
    if engine.url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        if upgrade_schema:
            init_or_upgrade(engine)
    except OperationalError as exc:
        raise InputError(f"--db {db}: cannot open the database ({exc.orig})") from None
    return engine


_SESSIONMAKERS: dict[int, sessionmaker[Session]] = {}


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A transaction: commit on success, roll back on any error."""
    maker = _SESSIONMAKERS.setdefault(id(engine), sessionmaker(bind=engine, expire_on_commit=False))
    session = maker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def log_event(
    session: Session,
    kind: str,
    entity: str,
    entity_id: int | None = None,
    data: dict[str, Any] | None = None,
    actor: str | None = None,
) -> Event:
    """Append one row to the event log (in the caller's transaction)."""
    row = Event(kind=kind, entity=entity, entity_id=entity_id, data=data or {}, actor=actor)
    session.add(row)
    return row


@event.listens_for(Session, "before_flush")
def _event_log_is_append_only(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Event):
            raise QualcodeError("the event log is append-only: events cannot be changed or deleted")
