"""The workbench frame: page config, navigation over the seven pages, and the sidebar.

``main()`` is what ``streamlit run`` executes on every rerun (via ``app.py`` or
``qualcode/ui/streamlit_app.py``); ``render_page(name)`` runs a single page with the same frame and is
what the AppTest tests and the benchmark use.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from qualcode.errors import QualcodeError
from qualcode.ui import state, widgets


@dataclass(frozen=True)
class PageSpec:
    name: str  # module in qualcode.ui.views, also the URL path
    title: str
    icon: str
    section: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("prosjekt", "Prosjekt og import", ":material/folder_open:", "Arbeid"),
    PageSpec("kodebok", "Kodebok", ":material/menu_book:", "Arbeid"),
    PageSpec("koding", "Koding", ":material/edit_note:", "Arbeid"),
    PageSpec("forslag", "Forslag", ":material/lightbulb:", "Arbeid"),
    PageSpec("sammenligning", "Sammenligning", ":material/compare_arrows:", "Analyse"),
    PageSpec("veileder", "Veileder", ":material/supervisor_account:", "Analyse"),
    PageSpec("eksport", "Eksport", ":material/download:", "Analyse"),
)


FAVICON = "📝"
DEFAULT_PAGE = "koding"  # served at "/": a new user lands in the transcript (an empty project says where to start)


def run_safely(render: Callable[[], None]) -> None:
    """Call a page's render(); a QualcodeError becomes one red line, anything else a calm message."""
    try:
        render()
    except QualcodeError as exc:
        st.error(str(exc), icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 - last line of defence: never a traceback on screen
        if os.environ.get("QUALCODE_DEBUG"):
            raise
        st.error(f"Noe gikk galt ({type(exc).__name__}: {exc}). Last siden på nytt; skjer det igjen, "
                 "start `qualcode ui` med QUALCODE_DEBUG=1 og meld feilen.", icon=":material/error:")


def _page_function(spec: PageSpec) -> Callable[[], None]:
    def page() -> None:
        # a local favicon: a material page icon would make the browser fetch it from fonts.gstatic.com
        st.set_page_config(page_title=f"{spec.title} · qualcode", page_icon=FAVICON)
        module = importlib.import_module(f"qualcode.ui.views.{spec.name}")
        widgets.show_flash()
        run_safely(module.render)

    page.__name__ = spec.name
    return page


def sidebar() -> None:
    """Project path, the coder's name (stamped on every coding) and a few counts."""
    path = Path(state.db_path())
    with st.sidebar:
        st.text_input("Koder", key=state.CODER_KEY, placeholder="Navnet ditt",
                      help="Navnet stemples på hver koding og hvert forslag du godtar eller avviser.")
        st.caption(f"Prosjekt: `{path.name}`", help=str(path.resolve()) if "://" not in str(path) else str(path))
        try:
            summary = state.summary()
        except QualcodeError as exc:
            st.error(str(exc))
            return
        st.caption(f"{summary.documents} dokumenter · {summary.cases} informanter · "
                   f"{summary.codings} kodinger · {summary.pending_suggestions} ventende forslag")


def _start() -> bool:
    """Page config and shared state; False (with a message) when the project cannot be opened."""
    st.set_page_config(page_title="qualcode", page_icon=FAVICON, layout="wide",
                       initial_sidebar_state="expanded")
    state.init_state()
    state.begin_run()
    try:
        state.engine()
    except QualcodeError as exc:
        st.error(f"Prosjektet kunne ikke åpnes: {exc}", icon=":material/error:")
        return False
    return True


def main() -> None:
    if not _start():
        return
    pages: dict[str, list[st.Page]] = {}
    links: dict[str, st.Page] = {}
    for spec in PAGES:
        page = st.Page(_page_function(spec), title=spec.title, icon=spec.icon, url_path=spec.name,
                       default=spec.name == DEFAULT_PAGE)
        links[spec.name] = page
        pages.setdefault(spec.section, []).append(page)
    st.session_state[state.PAGES_KEY] = links
    current = st.navigation(pages)
    run_safely(sidebar)
    current.run()


def render_page(name: str) -> None:
    """One page inside the frame, without navigation (tests and benchmarks)."""
    spec = next((p for p in PAGES if p.name == name), None)
    if spec is None:
        raise ValueError(f"unknown page {name!r}")
    if not _start():
        return
    st.session_state[state.PAGES_KEY] = {}
    run_safely(sidebar)
    _page_function(spec)()
