"""Small building blocks shared by the pages: error boundaries, actions, escaped HTML, labels.

Transcript text only ever reaches the page through :func:`segment_html` / :func:`quote_html`, which
escape it with ``html.escape``; ``st.html`` additionally sanitises the markup and runs no script.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd
import streamlit as st

from qualcode.errors import QualcodeError
from qualcode.ui import state
from qualcode.workbench import CodeInfo, CodingMark, Run, SegmentView, safe_colour

# --------------------------------------------------------------------------- errors and actions


@contextmanager
def guard(prefix: str = "") -> Iterator[None]:
    """Show a QualcodeError as one red line instead of a traceback."""
    try:
        yield
    except QualcodeError as exc:
        st.error(f"{prefix}{exc}", icon=":material/error:")


def action(func: Callable[..., Any], *args: Any, ok: str | None = None, **kwargs: Any) -> bool:
    """Run a library call from a widget callback; success or error is flashed on the next run."""
    try:
        func(*args, **kwargs)
    except QualcodeError as exc:
        state.flash("error", str(exc))
        return False
    except Exception as exc:  # noqa: BLE001 - a callback never puts a traceback on screen
        if os.environ.get("QUALCODE_DEBUG"):
            raise
        state.flash("error", f"Noe gikk galt ({type(exc).__name__}: {exc}).")
        return False
    finally:
        state.touch()
    if ok:
        state.flash("success", ok)
    return True


def show_flash() -> None:
    """Messages queued by callbacks during the last interaction."""
    for kind, text in state.take_flash():
        if kind == "error":
            st.error(text, icon=":material/error:")
        elif kind == "warning":
            st.warning(text, icon=":material/warning:")
        elif kind == "info":
            st.info(text, icon=":material/info:")
        else:
            st.toast(text, icon=":material/check_circle:")


def require_coder() -> str | None:
    """The coder name, or a gentle warning (and None) when the sidebar field is empty."""
    name = state.coder()
    if not name:
        st.warning("Skriv navnet ditt i feltet **Koder** i sidepanelet før du koder.", icon=":material/person:")
        return None
    return name


def empty_project(message: str = "Prosjektet har ingen dokumenter ennå.") -> None:
    st.info(f"{message} Last opp intervjuer under **Prosjekt og import**.", icon=":material/folder_open:")
    page_link("prosjekt", "Gå til Prosjekt og import", ":material/arrow_forward:")


def page_link(name: str, label: str, icon: str) -> None:
    """A link to another page of the navigation (nothing when a page runs on its own, as in tests)."""
    page = st.session_state.get(state.PAGES_KEY, {}).get(name)
    if page is not None:
        st.page_link(page, label=label, icon=icon)


# --------------------------------------------------------------------------- escaped HTML


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def tint(colour: str, alpha: str = "40") -> str:
    """A translucent version of a ``#RRGGBB`` colour (for highlights)."""
    return safe_colour(colour)[:7] + alpha


def code_chip(path: str, colour: str, retired: bool = False) -> str:
    """A colour dot and the code path, escaped."""
    style = "text-decoration: line-through; opacity: .6;" if retired else ""
    return (f'<span style="display:inline-block;width:.8em;height:.8em;border-radius:50%;'
            f'background:{safe_colour(colour)};margin-right:.35em;vertical-align:-0.05em"></span>'
            f'<span style="{style}">{esc(path)}</span>')


def _run_html(run: Run, highlight: bool) -> str:
    text = esc(run.text).replace("\n", "<br>")
    if not run.marks or not highlight:
        return text
    first = run.marks[0]
    shadows = [f"inset 0 -{3 * (i + 1)}px 0 {safe_colour(m.color)}" for i, m in enumerate(run.marks[1:3])]
    shadow = f"box-shadow:{', '.join(shadows)};" if shadows else ""
    title = esc("; ".join(sorted({f"{m.code_path} ({m.coder})" for m in run.marks})))
    return (f'<mark title="{title}" style="background:{tint(first.color)};{shadow}'
            f'border-bottom:2px solid {safe_colour(first.color)};padding:0 1px;color:inherit">{text}</mark>')


def segment_html(segment: SegmentView, *, selected: bool = False, highlight: bool = True,
                 marks: Sequence[CodingMark] | None = None) -> str:
    """One turn: the speaker label and the text with codings highlighted; interviewer turns are muted."""
    from qualcode.workbench import highlight_runs

    runs = highlight_runs(segment.text, segment.start, segment.marks if marks is None else marks)
    body = "".join(_run_html(run, highlight) for run in runs)
    speaker = esc(segment.speaker or ("Intervjuer" if segment.is_interviewer else "Informant"))
    if segment.is_interviewer:
        box = "color:#6B6B6B;font-style:italic;background:#F3F2EE;border-left:3px solid #C9C6BD;"
    else:
        box = "background:#FFFFFF;border-left:3px solid #3F6E8C;"
    if selected:
        box += "outline:2px solid #3F6E8C;outline-offset:1px;"
    return (f'<div style="{box}padding:.45em .7em;border-radius:4px;line-height:1.55;margin:0">'
            f'<span style="font-weight:600;font-style:normal;color:#4A4A4A;margin-right:.4em">{speaker}:</span>'
            f"{body}</div>")


def quote_html(text: str, evidence: Sequence[str] = ()) -> str:
    """A quotation block; words starting with an ``evidence`` word are marked (case-insensitive)."""
    import re

    words = sorted({w.strip() for w in evidence if w and w.strip()}, key=len, reverse=True)
    pieces: list[str] = []
    pos = 0
    if words:
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.IGNORECASE)
        for match in pattern.finditer(text):
            pieces.append(esc(text[pos:match.start()]))
            pieces.append(f'<b style="background:#F6E7B5">{esc(match.group(0))}</b>')
            pos = match.end()
    pieces.append(esc(text[pos:]))
    body = "".join(pieces).replace("\n", "<br>")
    return (f'<blockquote style="margin:.2em 0;padding:.4em .8em;border-left:3px solid #B9B4A8;'
            f'background:#FFFFFF;line-height:1.55">{body}</blockquote>')


def lazy_tabs(labels: list[str], key: str) -> list[Any]:
    """Tabs whose hidden panels do not run: render a panel only when ``tab.open`` is true."""
    return list(st.tabs(labels, key=key, on_change="rerun"))


def html_block(markup: str) -> None:
    """Render already escaped markup (DOMPurify-sanitised, scripts never run)."""
    st.html(markup)


def code_label(info: CodeInfo) -> str:
    suffix = " (utgått)" if info.retired else ""
    return f"{info.codebook} / {info.name}{suffix}"


# --------------------------------------------------------------------------- Norwegian labels


COLUMN_LABELS: dict[str, str] = {
    "document": "Dokument", "case": "Informant", "coder": "Koder", "codings": "Kodinger",
    "coded_segments": "Kodede segmenter", "segments": "Segmenter", "share": "Andel kodet",
    "code": "Kode", "code_path": "Kode", "codebook": "Kodebok", "words": "Ord", "documents": "Dokumenter",
    "informants": "Informanter", "format": "Format", "word_count": "Ord", "participant_words": "Informantord",
    "imported_at": "Importert", "text": "Tekst", "source": "Kilde", "memo": "Notat", "created_at": "Tidspunkt",
    "status": "Status", "message": "Melding", "file": "Fil", "score": "Konfidens", "group": "Gruppe",
}

STATUS_LABELS = {"imported": "Importert", "replaced": "Erstattet", "unchanged": "Uendret", "failed": "Feilet"}
SOURCE_LABELS = {"manual": "manuell", "suggestion": "forslag", "import": "importert"}

EVENT_LABELS: dict[str, str] = {
    "coding.apply": "kodet", "coding.remove": "fjernet koding", "coding.memo": "notat på koding",
    "memo.set": "skrev notat", "memo.delete": "slettet notat", "coder.create": "ny koder",
    "case.create": "ny informant", "case.attribute": "endret egenskap", "document.import": "importerte dokument",
    "document.replace": "erstattet dokument", "codings.import": "importerte kodinger",
    "code.create": "ny kode", "code.rename": "nytt kodenavn", "code.move": "flyttet kode",
    "code.merge": "slo sammen koder", "code.split": "delte kode", "code.retire": "kode utgått",
    "codebook.import": "importerte kodebok", "codebook.create": "ny kodebok",
    "suggestion.accept": "godtok forslag", "suggestion.reject": "avviste forslag", "suggestion.skip": "hoppet over forslag",
    "suggest.run": "lagde forslag", "suggest.train": "trente modellen",
}


def norwegian_columns(frame: pd.DataFrame, extra: dict[str, str] | None = None) -> pd.DataFrame:
    labels = {**COLUMN_LABELS, **(extra or {})}
    return frame.rename(columns={c: labels.get(str(c), c) for c in frame.columns})


def event_detail(kind: str, data: dict[str, Any]) -> str:
    """A short human description of an event's data."""
    keys = ("code", "document", "name", "attribute", "new", "file", "text", "target_type")
    parts = []
    for key in keys:
        value = data.get(key)
        if value not in (None, "", [], {}):
            parts.append(str(value)[:80])
    return " · ".join(parts[:3])


def percent(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{value * 100:.0f} %"
