"""Suggestion widgets shared by the Koding and Forslag pages: confidence, evidence, accept/reject."""

from __future__ import annotations

import streamlit as st

from qualcode import workbench
from qualcode.ui import state, widgets
from qualcode.workbench import SuggestionView

DECISION_TEXT = {"accepted": "Forslaget er godtatt og kodet.", "rejected": "Forslaget er avvist.",
                 "skipped": "Forslaget er hoppet over."}


@st.cache_data(show_spinner=False, max_entries=32)
def _for_document(path: str, data_version: str, document_id: int) -> dict[int, list[SuggestionView]]:
    return workbench.document_suggestions(state.engine_for(path), document_id)


def for_document(document_id: int) -> dict[int, list[SuggestionView]]:
    """Pending suggestions of a document by segment id (cached per data version)."""
    return _for_document(state.db_path(), state.version(), document_id)


def decide(suggestion_id: int, decision: str) -> None:
    """Widget callback: accept, reject or skip one suggestion as the sidebar coder."""
    coder = state.coder()
    if not coder:
        state.flash("warning", "Skriv navnet ditt i feltet Koder i sidepanelet før du svarer på forslag.")
        return
    widgets.action(workbench.decide_suggestion, state.engine(), suggestion_id, decision, coder,
                   ok=DECISION_TEXT.get(decision))


def confidence_label(score: float) -> str:
    level = "høy" if score >= 0.75 else "middels" if score >= 0.5 else "lav"
    return f"{score * 100:.0f} % ({level})"


def segment_panel(pending: list[SuggestionView], coder: str) -> None:
    """The suggestions for the current segment, each with one-click accept and reject."""
    st.markdown(f"**Forslag til segmentet** ({len(pending)})")
    if not pending:
        st.caption("Ingen ventende forslag her.")
        return
    for item in pending:
        line, buttons = st.columns([5, 2], vertical_alignment="center")
        evidence = ", ".join(item.evidence[:6])
        with line:
            widgets.html_block(
                f"<div>{widgets.code_chip(item.code_path, item.color)}"
                f'<span style="color:#555;font-size:.85em"> · {confidence_label(item.score)}</span>'
                + (f'<div style="color:#666;font-size:.85em">Bevisord: {widgets.esc(evidence)}</div>'
                   if evidence else "") + "</div>")
        with buttons, st.container(horizontal=True):
            st.button("Godta", key=f"sugg_accept_{item.id}", icon=":material/check:", disabled=not coder,
                      on_click=decide, args=(item.id, "accepted"), help="Godta forslaget og kod segmentet")
            st.button("Avvis", key=f"sugg_reject_{item.id}", icon=":material/close:", disabled=not coder,
                      on_click=decide, args=(item.id, "rejected"), help="Avvis forslaget")
