"""Suggestion commands: suggest, review, decide, similar, suggestion-report, evaluate-suggestions.

``suggest`` retrains on the project's human decisions and stores pending suggestions; ``review``
lists the queue; ``decide`` accepts, rejects or skips one suggestion; ``suggestion-report`` shows
the suggester as a coder (cross-validated by document); ``evaluate-suggestions`` scores the
suggesters on theme-labelled quotes.
"""

from __future__ import annotations

import json
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
    handle_errors,
    open_project,
    out_console,
)

ThresholdOption = Annotated[
    float, typer.Option("--threshold", min=0.0, max=1.0, help="A code is suggested when its score reaches this.")
]


class Order(StrEnum):
    uncertainty = "uncertainty"
    confidence = "confidence"


class ExtraTraining(StrEnum):
    none = "none"
    demo = "demo"


class Decision(StrEnum):
    accept = "accept"
    reject = "reject"
    skip = "skip"


@app.command("suggest")
@handle_errors
def suggest_cmd(
    db: DbOption = DEFAULT_DB,
    code: Annotated[list[str] | None, typer.Option("--code", help="Only this code (repeatable; codebook/code).")] = None,
    threshold: ThresholdOption = 0.3,
    min_score: Annotated[float | None, typer.Option(
        "--min-score", min=0.0, max=1.0, help="Store suggestions from this score (default: the threshold).")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Name written to the event log.")] = None,
) -> None:
    """Retrain on the human decisions and store pending suggestions for participant turns."""
    from qualcode.db.session import session_scope
    from qualcode.suggest.project import score_project

    engine = open_project(db)
    with session_scope(engine) as session:
        summary = score_project(session, codes=code, threshold=threshold, min_score=min_score, actor=actor)
    out_console.print(
        f"{summary.created} pending suggestions on {summary.segments} participant segments "
        f"(model {summary.model_version}; {summary.decided_segments} decided segments)", markup=False)
    if summary.trained_codes:
        out_console.print(f"learned model for: {', '.join(summary.trained_codes)}", markup=False)
    if summary.pattern_only_codes:
        out_console.print(f"patterns only (too few decisions): {', '.join(summary.pattern_only_codes)}",
                          markup=False)


@app.command("review")
@handle_errors
def review_cmd(
    db: DbOption = DEFAULT_DB,
    fmt: FormatOption = OutputFormat.csv,
    out: OutOption = None,
    order: Annotated[Order, typer.Option("--order", help="uncertainty (active learning) or confidence.")]
    = Order.uncertainty,
    code: Annotated[str | None, typer.Option("--code", help="Only this code (codebook/code).")] = None,
    document: Annotated[str | None, typer.Option("--document", help="Only this document (file name).")] = None,
    status: Annotated[str, typer.Option("--status", help="pending, skipped, accepted or rejected.")] = "pending",
    threshold: ThresholdOption = 0.3,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows.")] = 50,
) -> None:
    """List the review queue: suggestion id, code, score, evidence and the segment text."""
    import pandas as pd

    from qualcode.db.session import session_scope
    from qualcode.suggest.queue import review_queue

    engine = open_project(db)
    with session_scope(engine) as session:
        items = review_queue(session, order=order.value, code=code, document=document, status=status,
                             threshold=threshold, limit=limit)
    frame = pd.DataFrame(
        [{"suggestion_id": i.suggestion_id, "code": i.code_path, "document": i.document, "segment_id": i.segment_id,
          "score": i.score, "uncertainty": round(i.uncertainty, 4), "evidence": "; ".join(i.evidence),
          "model_version": i.model_version, "text": i.text} for i in items],
        columns=["suggestion_id", "code", "document", "segment_id", "score", "uncertainty", "evidence",
                 "model_version", "text"],
    )
    emit(frame, fmt, out)


@app.command("decide")
@handle_errors
def decide_cmd(
    suggestion_id: Annotated[int, typer.Argument(help="Suggestion id (see `qualcode review`).")],
    decision: Annotated[Decision, typer.Argument(help="accept, reject or skip.")],
    coder: Annotated[str, typer.Option("--coder", help="Who decides (required).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Accept (creates the coding), reject (kept as a negative) or skip one suggestion."""
    from qualcode.db.session import session_scope
    from qualcode.suggest.queue import DECISIONS

    engine = open_project(db)
    with session_scope(engine) as session:
        result = DECISIONS[decision.value](session, suggestion_id, coder)
        coding_id = result.id if decision is Decision.accept else None
    suffix = f" (coding {coding_id})" if coding_id is not None else ""
    out_console.print(f"suggestion {suggestion_id}: {decision.value}{suffix}", markup=False)


@app.command("similar")
@handle_errors
def similar_cmd(
    segment_id: Annotated[int, typer.Argument(help="A segment id.")],
    db: DbOption = DEFAULT_DB,
    fmt: FormatOption = OutputFormat.csv,
    out: OutOption = None,
    k: Annotated[int, typer.Option("--k", min=1, help="How many segments.")] = 10,
) -> None:
    """More like this: the most similar participant segments not yet coded with the segment's codes."""
    import pandas as pd

    from qualcode.db.session import session_scope
    from qualcode.suggest.queue import more_like_this

    engine = open_project(db)
    with session_scope(engine) as session:
        found = more_like_this(session, segment_id, k)
    frame = pd.DataFrame([{"segment_id": f.segment_id, "document": f.document, "similarity": f.similarity,
                           "text": f.text} for f in found], columns=["segment_id", "document", "similarity", "text"])
    emit(frame, fmt, out)


@app.command("suggestion-report")
@handle_errors
def suggestion_report_cmd(
    db: DbOption = DEFAULT_DB,
    fmt: FormatOption = OutputFormat.csv,
    out: OutOption = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Cross-validation folds (grouped by document).")] = 5,
    threshold: ThresholdOption = 0.3,
) -> None:
    """Per code precision, recall, F1 and Cohen's kappa of the suggester against the human coding."""
    from qualcode.cli import err_console
    from qualcode.db.session import session_scope
    from qualcode.suggest.report import suggestion_report

    engine = open_project(db)
    with session_scope(engine) as session:
        report = suggestion_report(session, folds=folds, threshold=threshold)
    err_console.print(
        f"{report.folds}-fold cross-validation grouped by document: {report.documents} documents, "
        f"{report.segments} decided segments, threshold {report.threshold}", markup=False)
    emit(report.frame(), fmt, out)


@app.command("evaluate-suggestions")
@handle_errors
def evaluate_suggestions_cmd(
    train: Annotated[Path, typer.Option("--train", help="Training quotes (JSON lines with text and themes).")],
    test: Annotated[Path, typer.Option("--test", help="Test quotes (JSON lines with text and themes).")],
    codebooks: Annotated[Path | None, typer.Option(
        "--codebooks", help="Codebook folder (default: the shipped codebooks).")] = None,
    extra_training: Annotated[ExtraTraining, typer.Option(
        "--extra-training", help="Extra training rows for the trained suggester: none (default) or demo "
        "(the demo corpus's reference coding).")] = ExtraTraining.none,
    extra_weight: Annotated[float, typer.Option(
        "--extra-weight", min=0.0, help="Weight of each demo row relative to a TRAIN quote.")] = 0.5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Macro/micro F1 and per-theme precision, recall, F1 of the pattern and the trained suggester."""
    from qualcode.suggest.evaluate import evaluate_suggestions

    result = evaluate_suggestions(train, test, codebooks, extra_training=extra_training.value,
                                  extra_weight=extra_weight)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    for mode in ("patterns", "trained"):
        block = result[mode]
        out_console.print(f"{mode}: macro-F1 {block['macro_f1']:.3f}, micro-F1 {block['micro_f1']:.3f}",
                          markup=False)
        for theme, values in block["per_code"].items():
            out_console.print(f"  {theme:10s} P {values['precision']:.3f}  R {values['recall']:.3f}  "
                              f"F1 {values['f1']:.3f}", markup=False)
