"""Shared state of the workbench: the project database, the coder, cached frames, flash messages.

Streamlit hygiene: session keys are set once with ``setdefault`` (page keys are prefixed with the
page name); ``cache_resource`` holds only the engine (the NLP tables are cached by ``qualcode.nlp``);
frames are cached with ``cache_data`` keyed on the database path and its data version, so every edit
shows at once.
"""

from __future__ import annotations

import getpass
import os

import streamlit as st

from qualcode import workbench
from qualcode.frames import ProjectFrames, project_frames
from qualcode.workbench import Engine

DB_ENV = "QUALCODE_DB"
CODER_ENV = "QUALCODE_CODER"
DEFAULT_DB = "qualcode.sqlite"

CODER_KEY = "qc_coder"
FLASH_KEY = "qc_flash"
RUN_VERSION_KEY = "qc_run_version"
PAGES_KEY = "qc_pages"  # page name -> st.Page of this session's navigation (for st.page_link)


def db_path() -> str:
    """The project database: ``$QUALCODE_DB`` or ``qualcode.sqlite`` in the current folder."""
    return os.environ.get(DB_ENV) or DEFAULT_DB


@st.cache_resource(show_spinner=False)
def engine_for(path: str) -> Engine:
    return workbench.open_project(path)


def engine() -> Engine:
    return engine_for(db_path())


def _default_coder() -> str:
    name = os.environ.get(CODER_ENV)
    if name:
        return name.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def init_state() -> None:
    """Shared keys, set once per browser session."""
    st.session_state.setdefault(CODER_KEY, _default_coder())
    st.session_state.setdefault(FLASH_KEY, [])


def coder() -> str:
    """The coder name chosen in the sidebar ('' when none)."""
    return str(st.session_state.get(CODER_KEY) or "").strip()


def begin_run() -> None:
    """Start of a script run: the data version is read again (once) for this run."""
    st.session_state[RUN_VERSION_KEY] = None


def touch() -> None:
    """After a write in the middle of a run: the next ``version()`` call reads the database again."""
    st.session_state[RUN_VERSION_KEY] = None


def _versions() -> workbench.DataVersion:
    current = st.session_state.get(RUN_VERSION_KEY)
    if not isinstance(current, workbench.DataVersion):
        current = workbench.data_versions(engine())
        st.session_state[RUN_VERSION_KEY] = current
    return current


def version() -> str:
    """The project's data version (changes with every write), read once per run."""
    return _versions().full


def frames_version() -> str:
    """The version of the analysis frames: unchanged by answers to suggestions."""
    return _versions().frames


@st.cache_data(show_spinner=False, max_entries=16)
def frames_at(path: str, data_version: str, include_interviewer: bool, coder_name: str | None) -> ProjectFrames:
    """The frames of the project at ``path`` as of ``data_version`` (cached; callers pass the current one).

    Pass every argument positionally, always the same way: the cache key is built from the arguments.
    """
    return workbench.call(engine_for(path), project_frames, include_interviewer=include_interviewer, coder=coder_name)


def frames(include_interviewer: bool = False, coder_name: str | None = None) -> ProjectFrames:
    """Codings, coded segments, segments, cases, codes and documents frames (cached per data version)."""
    return frames_at(db_path(), frames_version(), include_interviewer, coder_name)


@st.cache_data(show_spinner=False, max_entries=64)
def _document_view(path: str, data_version: str, document_id: int) -> workbench.DocumentView:
    return workbench.document_view(engine_for(path), document_id)


def document_view(document_id: int) -> workbench.DocumentView:
    return _document_view(db_path(), version(), document_id)


@st.cache_data(show_spinner=False, max_entries=16)
def _summary(path: str, data_version: str) -> workbench.ProjectSummary:
    return workbench.project_summary(engine_for(path))


def summary() -> workbench.ProjectSummary:
    return _summary(db_path(), version())


@st.cache_data(show_spinner=False, max_entries=16)
def _codes(path: str, data_version: str, include_retired: bool) -> list[workbench.CodeInfo]:
    return workbench.code_choices(engine_for(path), include_retired=include_retired)


def codes(include_retired: bool = False) -> list[workbench.CodeInfo]:
    return _codes(db_path(), version(), include_retired)


@st.cache_data(show_spinner=False, max_entries=16)
def _documents(path: str, data_version: str) -> list[workbench.DocumentChoice]:
    return workbench.document_choices(engine_for(path))


def documents() -> list[workbench.DocumentChoice]:
    return _documents(db_path(), version())


def flash(kind: str, text: str) -> None:
    """Queue a message (success, info, warning, error) to show at the top of the next page run."""
    st.session_state.setdefault(FLASH_KEY, []).append((kind, text))


def take_flash() -> list[tuple[str, str]]:
    messages = list(st.session_state.get(FLASH_KEY, []))
    st.session_state[FLASH_KEY] = []
    return messages
