"""Analysis commands: frequencies, matrix, stats, cooccurrence, framework, agreement, presence,
retrieve, search, report.

Each command loads tidy frames (``qualcode.frames``), calls one analysis function and writes the
result with ``--format csv|xlsx|json`` to ``-o FILE`` or standard output. Interviewer turns are left
out unless ``--include-interviewer``; codings by all coders count unless ``--coder NAME``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from qualcode.cli import (
    DEFAULT_DB,
    CoderOption,
    DbOption,
    FormatOption,
    OutOption,
    OutputFormat,
    app,
    emit,
    err_console,
    handle_errors,
    open_project,
)
from qualcode.errors import InputError

InterviewerOption = Annotated[
    bool, typer.Option("--include-interviewer", help="Count interviewer turns too (left out by default).")
]
WhereOption = Annotated[
    list[str] | None,
    typer.Option("--where", help="Keep cases with ATTRIBUTE=VALUE (repeatable), e.g. --where ledermodell=toleder."),
]
AttributionOption = Annotated[
    str | None,
    typer.Option("--attribution", help="Comma-separated attributes shown after the case name "
                 "(default: ledermodell,linje where present)."),
]


class ReportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"
    docx = "docx"


def _frames(db: str, include_interviewer: bool, coder: str | None) -> Any:
    from qualcode.db.session import session_scope
    from qualcode.frames import project_frames

    engine = open_project(db)
    with session_scope(engine) as session:
        return project_frames(session, include_interviewer=include_interviewer, coder=coder)


def _split(value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


def _wrote(out: Path) -> None:
    err_console.print(f"wrote {out}", markup=False)


@app.command("frequencies")
@handle_errors
def frequencies_cmd(
    db: DbOption = DEFAULT_DB,
    fmt: FormatOption = OutputFormat.csv,
    out: OutOption = None,
    coder: CoderOption = None,
    include_interviewer: InterviewerOption = False,
    level: Annotated[str, typer.Option("--level", help="code or codebook.")] = "code",
    by_coder: Annotated[bool, typer.Option("--by-coder", help="One row per coder and code.")] = False,
) -> None:
    """Codings, coded segments, documents, informants and coded words per code or codebook."""
    from qualcode.analysis import frequencies

    pf = _frames(db, include_interviewer, coder)
    emit(frequencies(pf.codings, pf.coded_segments, level=level, by_coder=by_coder, codes=pf.codes), fmt, out)


@app.command("matrix")
@handle_errors
def matrix_cmd(
    cols: Annotated[str, typer.Option("--cols", help="Column dimension: a case attribute (e.g. ledermodell), "
                                      "case, document, coder, code or codebook.")],
    db: DbOption = DEFAULT_DB,
    rows: Annotated[str, typer.Option("--rows", help="Row dimension: code (default), codebook, case, document, "
                                      "coder or a case attribute.")] = "code",
    measure: Annotated[str, typer.Option("--measure", help="codings, segments, informants, documents, words, "
                                         "per1000 (codings per 1,000 participant words) or share "
                                         "(share of the group's informants).")] = "codings",
    fmt: FormatOption = OutputFormat.csv,
    out: OutOption = None,
    coder: CoderOption = None,
    include_interviewer: InterviewerOption = False,
) -> None:
    """A code x attribute matrix (crosstab), e.g. --cols ledermodell gives code,enleder,toleder."""
    from qualcode.analysis import code_matrix

    pf = _frames(db, include_interviewer, coder)
    table = code_matrix(pf.codings, pf.coded_segments, pf.segments, pf.cases, cols=cols, measure=measure,
                        rows=rows, codes=pf.codes)
    emit(table, fmt, out)


@app.command("presence")
@handle_errors
def presence_cmd(
    db: DbOption = DEFAULT_DB,
    fmt: FormatOption = OutputFormat.csv,
    out: OutOption = None,
    coder: CoderOption = None,
    include_interviewer: InterviewerOption = False,
    no_attributes: Annotated[bool, typer.Option("--no-attributes", help="Leave out the case attributes.")] = False,
) -> None:
    """One row per case, one 0/1 column per code (ready for R or SPSS)."""
    from qualcode.analysis import presence_table

    pf = _frames(db, include_interviewer, coder)
    emit(presence_table(pf.codings, pf.cases, pf.codes, attributes=not no_attributes), fmt, out)


@app.command("stats")
@handle_errors
def stats_cmd(
    attribute: Annotated[str, typer.Option("--attribute", "--cols", help="Case attribute that splits the "
                                           "informants into groups, e.g. ledermodell.")],
    db: DbOption = DEFAULT_DB,
    rows: Annotated[str, typer.Option("--rows", help="code or codebook.")] = "code",
    fmt: FormatOption = OutputFormat.csv,
    out: OutOption = None,
    coder: CoderOption = None,
    include_interviewer: InterviewerOption = False,
) -> None:
    """Informants mentioning each code by group: Fisher's exact test (2 groups) or chi-square, with warnings."""
    from qualcode.analysis import CAVEAT, compare_groups

    pf = _frames(db, include_interviewer, coder)
    table = compare_groups(pf.codings, pf.segments, pf.cases, attribute, rows=rows, codes=pf.codes)
    emit(table, fmt, out)
    err_console.print(f"Merk: {CAVEAT}", markup=False)


@app.command("cooccurrence")
@handle_errors
def cooccurrence_cmd(
    db: DbOption = DEFAULT_DB,
    unit: Annotated[str, typer.Option("--unit", help="segment (segments coded with both) or span "
                                      "(overlapping codings).")] = "segment",
    measure: Annotated[str, typer.Option("--measure", help="count or jaccard (segment unit).")] = "count",
    jaccard: Annotated[bool, typer.Option("--jaccard", help="Same as --measure jaccard.")] = False,
    fmt: FormatOption = OutputFormat.csv,
    out: OutOption = None,
    coder: CoderOption = None,
    include_interviewer: InterviewerOption = False,
) -> None:
    """Codes x codes: how often two codes are applied to the same segment (or overlapping spans)."""
    from qualcode.analysis import cooccurrence

    pf = _frames(db, include_interviewer, coder)
    frame = pf.coded_segments if unit == "segment" else pf.codings
    emit(cooccurrence(frame, unit=unit, measure="jaccard" if jaccard else measure, codes=pf.codes), fmt, out)


@app.command("framework")
@handle_errors
def framework_cmd(
    db: DbOption = DEFAULT_DB,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="csv, xlsx, json or docx.")] = ReportFormat.csv,
    out: OutOption = None,
    coder: CoderOption = None,
    include_interviewer: InterviewerOption = False,
    value: Annotated[str, typer.Option("--value", help="Cell content for csv/json: quotes, memo or codings.")]
    = "quotes",
) -> None:
    """Framework matrix: informants x codes with the coded quotes and memos per cell (XLSX, DOCX)."""
    from qualcode.analysis import framework_long, framework_matrix
    from qualcode.db.session import session_scope
    from qualcode.export import check_format, framework_docx, write_frame, write_xlsx
    from qualcode.frames import memos_frame, project_frames

    if value not in ("quotes", "memo", "codings"):
        raise InputError(f"--value {value}: use quotes, memo or codings")
    if fmt is ReportFormat.docx and out is None:
        raise InputError("--format docx needs an output file: add -o FILE.docx")
    if fmt is not ReportFormat.docx:
        check_format(fmt.value, out)
    with session_scope(open_project(db)) as session:
        pf = project_frames(session, include_interviewer=include_interviewer, coder=coder)
        memos = memos_frame(session)
    if fmt is ReportFormat.docx:
        framework_docx(framework_long(pf.codings, pf.cases, pf.codes, memos), out)  # type: ignore[arg-type]
        _wrote(out)  # type: ignore[arg-type]
    elif fmt is ReportFormat.xlsx:
        sheets = {name: framework_matrix(pf.codings, pf.cases, pf.codes, memos, value=v)
                  for name, v in (("sitater", "quotes"), ("memo", "memo"), ("antall", "codings"))}
        write_xlsx(sheets, out)  # type: ignore[arg-type]
        _wrote(out)  # type: ignore[arg-type]
    else:
        write_frame(framework_matrix(pf.codings, pf.cases, pf.codes, memos, value=value), fmt.value, out)
        if out is not None:
            _wrote(out)


@app.command("agreement")
@handle_errors
def agreement_cmd(
    coders: Annotated[str, typer.Option("--coders", help="Two or more coder names, comma-separated: A,B.")],
    db: DbOption = DEFAULT_DB,
    unit: Annotated[str, typer.Option("--unit", help="Unit of agreement: segment (participant segments).")]
    = "segment",
    fmt: FormatOption = OutputFormat.csv,
    out: OutOption = None,
    disagreements: Annotated[bool, typer.Option("--disagreements", help="List the disagreeing units "
                                                "(for adjudication) instead of the statistics.")] = False,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Bootstrap resamples for the 95 % intervals.")]
    = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the bootstrap.")] = 20240917,
) -> None:
    """Intercoder agreement per code and overall: percent agreement, Cohen's kappa, Krippendorff's alpha."""
    from qualcode.analysis import agreement
    from qualcode.db.session import session_scope
    from qualcode.export import check_format, to_json_text, write_frame, write_xlsx
    from qualcode.frames import check_coders, project_frames

    names = _split(coders) or []
    if len(set(names)) < 2:
        raise InputError(f"--coders {coders}: name at least two different coders, e.g. --coders ingrid,martin")
    if bootstrap < 0:
        raise InputError("--bootstrap must be 0 or more")
    check_format(fmt.value, out)
    with session_scope(open_project(db)) as session:
        check_coders(session, names)
        pf = project_frames(session)
    result = agreement(pf.codings, pf.coded_segments, pf.segments, names, unit=unit, codes=pf.codes,
                       n_boot=bootstrap, seed=seed)
    for note in result.notes:
        err_console.print(f"Merk: {note}", markup=False)
    if disagreements:
        write_frame(result.disagreements, fmt.value, out)
    elif fmt is OutputFormat.json:
        text = to_json_text(result.to_dict()) + "\n"
        if out is None:
            typer.echo(text, nl=False)
        else:
            Path(out).write_text(text, encoding="utf-8")
    elif fmt is OutputFormat.xlsx:
        write_xlsx({"enighet": result.table(), "uenigheter": result.disagreements,
                    "dokumenter": result.documents}, out)  # type: ignore[arg-type]
    else:
        write_frame(result.table(), fmt.value, out)
    if out is not None:
        _wrote(out)


@app.command("retrieve")
@handle_errors
def retrieve_cmd(
    db: DbOption = DEFAULT_DB,
    code: Annotated[list[str] | None, typer.Option("--code", help="Code (codebook/code or a unique name); "
                                                   "repeatable. Default: all codes.")] = None,
    where: WhereOption = None,
    coder: CoderOption = None,
    source: Annotated[str | None, typer.Option("--source", help="manual, suggestion or import.")] = None,
    document: Annotated[str | None, typer.Option("--document", help="Only this document (file name).")] = None,
    context: Annotated[int, typer.Option("--context", help="Characters of context on each side.")] = 80,
    attribution: AttributionOption = None,
    fmt: FormatOption = OutputFormat.csv,
    out: OutOption = None,
    include_interviewer: InterviewerOption = False,
) -> None:
    """Coded passages with context and attribution, filtered by code, case attributes, coder and source."""
    from qualcode.db.session import session_scope
    from qualcode.search import parse_filters, retrieve

    with session_scope(open_project(db)) as session:
        frame = retrieve(session, code, where=parse_filters(where), coder=coder, source=source, document=document,
                         include_interviewer=include_interviewer, context=context,
                         attribution=_split(attribution))
    emit(frame, fmt, out)


@app.command("search")
@handle_errors
def search_cmd(
    query: Annotated[str, typer.Argument(help="Word(s) to find; matched on lemmas (måling finds målingene).")],
    db: DbOption = DEFAULT_DB,
    where: WhereOption = None,
    document: Annotated[str | None, typer.Option("--document", help="Only this document (file name).")] = None,
    context: Annotated[int, typer.Option("--context", help="Characters of context on each side.")] = 40,
    compounds: Annotated[bool, typer.Option("--compounds", help="Also match compounds ending in the word "
                                            "(brukermålingene for måling).")] = False,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many hits.")] = None,
    attribution: AttributionOption = None,
    fmt: FormatOption = OutputFormat.csv,
    out: OutOption = None,
    include_interviewer: InterviewerOption = False,
) -> None:
    """Full-text search with Norwegian lemmas; one keyword-in-context row per hit."""
    from qualcode.db.session import session_scope
    from qualcode.search import parse_filters, search

    with session_scope(open_project(db)) as session:
        frame = search(session, query, where=parse_filters(where), document=document,
                       include_interviewer=include_interviewer, context=context, compounds=compounds,
                       attribution=_split(attribution), limit=limit)
    emit(frame, fmt, out)


@app.command("report")
@handle_errors
def report_cmd(
    out: Annotated[Path, typer.Option("--output", "-o", help="The .docx file to write.")],
    db: DbOption = DEFAULT_DB,
    code: Annotated[list[str] | None, typer.Option("--code", help="Code(s) to include; default all.")] = None,
    where: WhereOption = None,
    coder: CoderOption = None,
    attribution: AttributionOption = None,
    title: Annotated[str, typer.Option("--title", help="Report title.")] = "Sitatrapport",
    include_interviewer: InterviewerOption = False,
) -> None:
    """A Word (DOCX) quote report grouped by codebook and code, with attributions."""
    from qualcode.db.session import session_scope
    from qualcode.export import quote_report_docx
    from qualcode.search import parse_filters, retrieve

    with session_scope(open_project(db)) as session:
        quotes = retrieve(session, code, where=parse_filters(where), coder=coder,
                          include_interviewer=include_interviewer, attribution=_split(attribution))
    quote_report_docx(quotes, out, title=title)
    _wrote(out)
