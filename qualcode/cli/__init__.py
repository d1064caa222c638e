"""The ``qualcode`` command line: thin typer commands over library functions.

Shared pieces live here (the app, the ``--db`` option, error handling, output); the commands live in
``project`` (init, import, export, demo, ui), ``codebooks``, ``suggest`` and ``analysis`` and register
themselves on ``app`` when imported at the bottom of this module.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from qualcode.errors import QualcodeError

app = typer.Typer(
    name="qualcode",
    help="qualcode: qualitative coding of Norwegian interview transcripts (import, code, suggest, compare).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
out_console = Console(highlight=False, soft_wrap=True)

DEFAULT_DB = "qualcode.sqlite"

DbOption = Annotated[
    str,
    typer.Option("--db", envvar="QUALCODE_DB", help="Project database: a SQLite file path or a SQLAlchemy URL."),
]


class OutputFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
OutOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Output file (default: standard output; xlsx needs a file).")
]
CoderOption = Annotated[str | None, typer.Option("--coder", help="Count only this coder's codings.")]

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 1) -> None:
    """Print one line on standard error and exit."""
    err_console.print(f"error: {message}", markup=False)
    raise typer.Exit(code)


def handle_errors(func: F) -> F:
    """Turn a QualcodeError into one line on stderr and exit 1; never show a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except QualcodeError as exc:
            fail(str(exc).replace("\n", " "))
        except (typer.Exit, typer.Abort, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - last line of defence: one line, no traceback
            if os.environ.get("QUALCODE_DEBUG"):
                raise
            fail(f"internal error: {type(exc).__name__}: {exc} (set QUALCODE_DEBUG=1 for details)", 2)

    return wrapper  # type: ignore[return-value]


def open_project(db: str, *, create: bool = False) -> Any:
    """Open the project database (and upgrade it if it is older). Refuses a missing SQLite file unless create."""
    from qualcode.db.session import open_engine

    return open_engine(db, create=create)


def emit(df: Any, fmt: OutputFormat, out: Path | None) -> None:
    """Write a DataFrame as csv/xlsx/json to ``out`` or standard output."""
    from qualcode.export import write_frame

    write_frame(df, fmt.value, out)
    if out is not None:
        err_console.print(f"wrote {out}", markup=False)


def main() -> None:  # pragma: no cover - console entry for `python -m qualcode.cli`
    app()


from qualcode.cli import analysis, codebooks, project, suggest  # noqa: E402,F401  (register commands)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
