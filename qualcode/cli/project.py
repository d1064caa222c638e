"""Project commands: init, import, import-codings, export, demo, ui."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli import (
    DEFAULT_DB,
    DbOption,
    FormatOption,
    OutOption,
    OutputFormat,
    app,
    emit,
    err_console,
    fail,
    handle_errors,
    open_project,
    out_console,
)
from qualcode.errors import InputError


@app.command("init")
@handle_errors
def init_cmd(
    db: DbOption = DEFAULT_DB,
    no_codebooks: Annotated[bool, typer.Option("--no-codebooks", help="Do not load the shipped codebooks.")] = False,
    codebooks: Annotated[
        Path | None, typer.Option("--codebooks", help="Folder of codebook files to load (default: the shipped four).")
    ] = None,
) -> None:
    """Create a project database (or upgrade an older one) and load the codebooks."""
    from qualcode.project import init_project

    summary = init_project(db, load_codebooks=not no_codebooks, codebooks_dir=codebooks)
    out_console.print(summary, markup=False)


@app.command("import")
@handle_errors
def import_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Transcript files or folders (.txt .md .docx .pdf .vtt .srt .odt).")],
    db: DbOption = DEFAULT_DB,
    meta: Annotated[
        Path | None, typer.Option("--meta", help="CSV with columns file, case and one column per case attribute.")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Import changed files again, keeping codings whose text is unchanged.")
    ] = False,
    mode: Annotated[str, typer.Option("--segment", help="Segment unit: turn, paragraph or sentence.")] = "turn",
    max_words: Annotated[int, typer.Option("--max-words", help="Split turns longer than this into sentence windows.")] = 150,
    interviewer: Annotated[
        list[str] | None, typer.Option("--interviewer", help="Speaker name(s) to treat as the interviewer.")
    ] = None,
) -> None:
    """Import transcripts, each file in its own transaction; failed files are named with their reason."""
    from rich.progress import Progress

    from qualcode.importer import FileResult, import_paths
    from qualcode.ingest.speakers import SpeakerConfig
    from qualcode.segment import SEGMENT_MODES

    if mode not in SEGMENT_MODES:
        raise InputError(f"--segment {mode}: choose one of {', '.join(SEGMENT_MODES)}")
    engine = open_project(db, create=True)
    speakers = SpeakerConfig(interviewer_names=tuple(interviewer)) if interviewer else None
    started = time.monotonic()
    progress: Progress | None = None
    task = None
    done = 0

    def report(result: FileResult) -> None:
        nonlocal progress, task, done
        done += 1
        if progress is None and time.monotonic() - started > 1.0 and sys.stderr.isatty():
            progress = Progress(console=err_console, transient=True)
            progress.start()
            task = progress.add_task("importing", total=None)
        if progress is not None and task is not None:
            progress.update(task, completed=done, description=result.path.name)
        style = {"imported": "green", "replaced": "green", "unchanged": "dim", "failed": "red"}[result.status]
        target = err_console if result.status == "failed" else out_console
        target.print(f"[{style}]{result.status:9}[/] ", end="")
        target.print(result.message, markup=False)
        for dropped in result.dropped_codings:
            out_console.print(f"          not kept: {dropped}", markup=False)

    try:
        results = import_paths(engine, paths, meta_csv=meta, replace=replace, speakers=speakers,
                               mode=mode, max_words=max_words, progress=report)  # type: ignore[arg-type]
    finally:
        if progress is not None:
            progress.stop()
    failed = [r for r in results if r.status == "failed"]
    counts = {s: sum(r.status == s for r in results) for s in ("imported", "replaced", "unchanged", "failed")}
    out_console.print(", ".join(f"{n} {s}" for s, n in counts.items()), markup=False)
    if failed:
        fail(f"{len(failed)} of {len(results)} file(s) failed (reasons above): "
             + ", ".join(r.path.name or str(r.path) for r in failed))


@app.command("import-codings")
@handle_errors
def import_codings_cmd(
    file: Annotated[Path, typer.Argument(help="CSV with columns document, start, end, code, coder (memo, text optional).")],
    db: DbOption = DEFAULT_DB,
    coder: Annotated[str | None, typer.Option("--coder", help="Coder for rows without one.")] = None,
) -> None:
    """Import codings from a CSV file; every row is checked first, and a bad row imports nothing."""
    from qualcode.coding import import_codings

    engine = open_project(db)
    result = import_codings(engine, file, default_coder=coder)
    out_console.print(f"{result.added} codings imported, {result.unchanged} already present", markup=False)


class ExportKind(StrEnum):
    segments = "segments"
    cases = "cases"
    documents = "documents"
    codings = "codings"
    codebooks = "codebooks"


@app.command("export")
@handle_errors
def export_cmd(
    kind: Annotated[ExportKind, typer.Argument(help="What to export.")],
    db: DbOption = DEFAULT_DB,
    fmt: FormatOption = OutputFormat.csv,
    out: OutOption = None,
    include_interviewer: Annotated[
        bool, typer.Option("--include-interviewer", help="Also export interviewer turns and their codings.")
    ] = False,
) -> None:
    """Export segments, cases, documents, codings or codebooks as CSV, XLSX or JSON."""
    from qualcode.project import export_table

    engine = open_project(db)
    if kind is ExportKind.codebooks:
        from qualcode.project import export_codebooks_file

        export_codebooks_file(engine, fmt.value, out)
        return
    emit(export_table(engine, kind.value, include_interviewer=include_interviewer), fmt, out)


@app.command("demo")
@handle_errors
def demo_cmd(
    db: Annotated[str, typer.Option("--db", help="Where to build the demo project.")] = "qualcode-demo.sqlite",
    no_ui: Annotated[bool, typer.Option("--no-ui", help="Only build the project; do not open the UI.")] = False,
    port: Annotated[int, typer.Option("--port", help="Port for the UI.")] = 8501,
) -> None:
    """Build the demo project (codebooks, 16 transcripts, attributes, two coders) and open the UI on it."""
    from qualcode.demo import build_demo

    summary = build_demo(db)
    out_console.print(summary.describe(), markup=False)
    if not no_ui:
        _run_ui(db, port, "127.0.0.1")


def _run_ui(db: str, port: int, host: str) -> None:
    app_file = Path(__file__).resolve().parent.parent / "ui" / "streamlit_app.py"
    env = dict(os.environ, QUALCODE_DB=db)
    if host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(
            f"warning: the UI will listen on {host}: anyone who can reach this machine can read the interviews",
            markup=False,
        )
    from qualcode.ui import streamlit_flags

    # the flags repeat .streamlit/config.toml, which streamlit reads only from the folder it starts in
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_file), *streamlit_flags(), "--server.port", str(port),
           "--server.address", host, "--browser.gatherUsageStats", "false", "--server.headless", "true"]
    out_console.print(f"qualcode UI: http://{host}:{port}  (Ctrl+C to stop)", markup=False)
    try:
        subprocess.run(cmd, env=env, check=False)
    except KeyboardInterrupt:
        pass


@app.command("ui")
@handle_errors
def ui_cmd(
    db: DbOption = DEFAULT_DB,
    port: Annotated[int, typer.Option("--port", help="Port for the UI.")] = 8501,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (default only this machine).")] = "127.0.0.1",
) -> None:
    """Open the Streamlit workbench on a project database."""
    open_project(db, create=True)
    _run_ui(db, port, host)
