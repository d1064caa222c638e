"""Read models and one-call actions for the Streamlit workbench (``qualcode.ui``).

The UI never opens a session or writes SQL: every page calls one function here (or a library
function through :func:`call`), which runs in its own transaction and returns plain dataclasses or
DataFrames. Functions that only reshape frames (``coding_progress``, ``highlight_runs``,
``cell_quotes``) are pure. Split by noun:

- :mod:`~qualcode.workbench.project` -- open a project, counts and data versions, documents, cases
  and their attributes, importing uploaded files;
- :mod:`~qualcode.workbench.reading` -- codes and codebooks, the reading view of a document, coding
  and memo actions;
- :mod:`~qualcode.workbench.review` -- suggestions of a document, the review queue, decisions,
  training and the model-as-coder report;
- :mod:`~qualcode.workbench.overview` -- quotes behind a comparison cell, coding progress, agreement
  labels, recent events, download bytes.

``Engine`` is importable from here so that UI type hints need not import SQLAlchemy.
"""

from sqlalchemy import Engine

from qualcode.workbench.overview import (
    PROGRESS_COLUMNS,
    QUOTE_COLUMNS,
    EventRow,
    agreement_label,
    cell_quotes,
    coding_progress,
    file_bytes,
    frame_bytes,
    recent_events,
)
from qualcode.workbench.project import (
    AttributeChange,
    DataVersion,
    DocumentChoice,
    ProjectSummary,
    attribute_changes,
    attribute_names,
    call,
    case_attribute_table,
    coder_names,
    data_version,
    data_versions,
    document_choices,
    documents_overview,
    import_uploads,
    natural_key,
    open_project,
    project_summary,
    save_case_attributes,
    supported_extensions,
)
from qualcode.workbench.reading import (
    FALLBACK_COLOUR,
    CodebookView,
    CodeDetail,
    CodeInfo,
    CodingMark,
    DocumentView,
    Run,
    SegmentView,
    apply_code,
    code_choices,
    codebook_views,
    document_view,
    highlight_runs,
    remove_coding,
    safe_colour,
    set_coding_memo,
    set_document_memo,
    word_positions,
)
from qualcode.workbench.review import (
    ANSWER_COLUMNS,
    DECISIONS,
    QueueItem,
    QueueStatus,
    SuggestionView,
    Turn,
    answer_summary,
    decide_suggestion,
    document_suggestions,
    model_report,
    next_suggestion,
    queue_status,
    train_and_suggest,
)

__all__ = [
    "ANSWER_COLUMNS",
    "AttributeChange",
    "CodeDetail",
    "CodeInfo",
    "CodebookView",
    "CodingMark",
    "DECISIONS",
    "DataVersion",
    "DocumentChoice",
    "DocumentView",
    "Engine",
    "EventRow",
    "FALLBACK_COLOUR",
    "PROGRESS_COLUMNS",
    "ProjectSummary",
    "QUOTE_COLUMNS",
    "QueueItem",
    "QueueStatus",
    "Run",
    "SegmentView",
    "SuggestionView",
    "Turn",
    "agreement_label",
    "answer_summary",
    "apply_code",
    "attribute_changes",
    "attribute_names",
    "call",
    "case_attribute_table",
    "cell_quotes",
    "code_choices",
    "codebook_views",
    "coder_names",
    "coding_progress",
    "data_version",
    "data_versions",
    "decide_suggestion",
    "document_choices",
    "document_suggestions",
    "document_view",
    "documents_overview",
    "file_bytes",
    "frame_bytes",
    "highlight_runs",
    "import_uploads",
    "model_report",
    "natural_key",
    "next_suggestion",
    "open_project",
    "project_summary",
    "queue_status",
    "recent_events",
    "remove_coding",
    "safe_colour",
    "save_case_attributes",
    "set_coding_memo",
    "set_document_memo",
    "supported_extensions",
    "train_and_suggest",
    "word_positions",
]
