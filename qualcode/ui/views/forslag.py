"""Forslag: the review queue, one suggestion at a time, plus training and the model-as-coder report."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qualcode import workbench
from qualcode.ui import state, suggestions, widgets
from qualcode.workbench import QueueItem, Turn

ORDER_KEY = "forslag_order"
TABS_KEY = "forslag_tabs"
CODE_KEY = "forslag_code"
ORDERS = {"uncertainty": "Mest usikre først", "confidence": "Sikreste først"}
ALL = 0


def render() -> None:
    st.title("Forslag")
    if not state.summary().documents:
        widgets.empty_project()
        return
    st.caption("Modellen foreslår, du bestemmer: bare forslag du godtar blir kodinger. Hvert svar brukes "
               "når modellen trenes på nytt.")
    codes = state.codes()
    by_id = {c.id: c for c in codes}
    st.session_state.setdefault(ORDER_KEY, "uncertainty")
    if st.session_state.get(CODE_KEY) not in (ALL, *by_id):
        st.session_state[CODE_KEY] = ALL
    left, right = st.columns(2)
    order = left.selectbox("Rekkefølge", list(ORDERS), format_func=ORDERS.__getitem__, key=ORDER_KEY,
                           help="Usikre forslag lærer modellen mest; sikre forslag går raskest å gå gjennom.")
    code_id = right.selectbox("Kode", [ALL, *by_id], key=CODE_KEY,
                              format_func=lambda i: "Alle koder" if i == ALL else widgets.code_label(by_id[i]))
    chosen = None if code_id == ALL else code_id
    status = workbench.queue_status(state.engine(), chosen)
    total = status.pending + status.decided
    st.progress(status.decided / total if total else 0.0,
                text=f"{status.decided} av {total} besvart · {status.accepted} godtatt · {status.rejected} avvist · "
                     f"{status.skipped} hoppet over · {status.pending} igjen")
    tab_queue, tab_train, tab_report = widgets.lazy_tabs(["Gjennomgang", "Tren på nytt", "Modellen som koder"],
                                                         TABS_KEY)
    with tab_queue:
        if tab_queue.open:
            item = workbench.next_suggestion(state.engine(), order, chosen)
            if item is None:
                st.success("Ingen ventende forslag. Tren modellen på nytt for å få nye forslag.",
                           icon=":material/task_alt:")
            else:
                _review(item)
    with tab_train:
        if tab_train.open:
            _train()
    with tab_report:
        if tab_report.open:
            _report()


def _turn_html(turn: Turn, evidence: tuple[str, ...] = ()) -> str:
    who = widgets.esc(turn.speaker or ("Intervjuer" if turn.speaker_role == "interviewer" else "Informant"))
    muted = turn.speaker_role == "interviewer"
    style = "color:#6B6B6B;font-style:italic;" if muted else ""
    return (f'<div style="{style}"><span style="font-weight:600;font-style:normal">{who}:</span>'
            f"{widgets.quote_html(turn.text, evidence)}</div>")


def _review(item: QueueItem) -> None:
    coder = state.coder()
    text_col, code_col = st.columns([3, 2], gap="large")
    with text_col:
        st.caption(f"{item.document} · {item.case or 'ingen informant'} · segment {item.ordinal + 1}")
        if item.before is not None:
            widgets.html_block(f'<div style="opacity:.7">{_turn_html(item.before)}</div>')
        widgets.html_block(f'<div style="outline:2px solid #3F6E8C;border-radius:4px;padding:.2em .4em">'
                           f"{_turn_html(item.segment, item.suggestion.evidence)}</div>")
        if item.after is not None:
            widgets.html_block(f'<div style="opacity:.7">{_turn_html(item.after)}</div>')
    with code_col:
        widgets.html_block(f'<div style="font-size:1.15em">{widgets.code_chip(item.code.path, item.code.color)}</div>')
        st.metric("Konfidens", suggestions.confidence_label(item.suggestion.score))
        if item.suggestion.evidence:
            st.markdown("**Bevisord:** " + ", ".join(item.suggestion.evidence))
        st.markdown(f"**Definisjon.** {item.code.definition or '–'}")
        if item.code.inclusion or item.code.exclusion:
            with st.expander("Ta med / ikke ta med"):
                if item.code.inclusion:
                    st.markdown(f"**Ta med:** {item.code.inclusion}")
                if item.code.exclusion:
                    st.markdown(f"**Ikke ta med:** {item.code.exclusion}")
        if not coder:
            widgets.require_coder()
        sid = item.suggestion.id
        with st.container(horizontal=True):
            st.button("Godta", key="forslag_accept", type="primary", icon=":material/check:", shortcut="G",
                      disabled=not coder, on_click=suggestions.decide, args=(sid, "accepted"))
            st.button("Avvis", key="forslag_reject", icon=":material/close:", shortcut="A", disabled=not coder,
                      on_click=suggestions.decide, args=(sid, "rejected"))
            st.button("Hopp over", key="forslag_skip", icon=":material/skip_next:", shortcut="H",
                      disabled=not coder, on_click=suggestions.decide, args=(sid, "skipped"))
        st.caption(f"Modell {item.suggestion.model_version}")


def _train() -> None:
    st.markdown("Tren modellen på kodingene og svarene så langt, og lag nye forslag for segmenter som ikke er "
                "kodet. Det tar vanligvis noen sekunder.")
    if st.button("Tren og lag nye forslag", key="forslag_train", icon=":material/model_training:",
                 disabled=not state.coder()):
        with st.spinner("Trener modellen …"), widgets.guard("Treningen stoppet: "):
            result = workbench.train_and_suggest(state.engine(), actor=state.coder())
            state.flash("success", f"Modellen er trent. {result.created} nye forslag på {result.segments} segmenter.")
            st.rerun()


REPORT_LABELS = {"code": "Kode", "mode": "Modell", "positives": "Kodet av folk", "decided": "Avgjorte segmenter",
                 "tp": "Riktig foreslått", "fp": "Feil foreslått", "fn": "Oversett", "tn": "Riktig utelatt",
                 "precision": "Presisjon", "recall": "Dekning", "f1": "F1", "kappa": "Kappa"}


@st.cache_data(show_spinner="Kryssvaliderer modellen …", max_entries=8)
def _model_report(path: str, version: str) -> pd.DataFrame:
    return workbench.model_report(state.engine_for(path))


def _report() -> None:
    st.markdown("**Svarene så langt**")
    answers = workbench.answer_summary(state.engine())
    if answers.empty:
        st.caption("Ingen forslag ennå.")
    else:
        st.dataframe(answers.rename(columns={
            "code_path": "Kode", "suggestions": "Forslag", "accepted": "Godtatt", "rejected": "Avvist",
            "skipped": "Hoppet over", "pending": "Venter", "precision": "Andel godtatt"}),
            hide_index=True, width="stretch",
            column_config={"Andel godtatt": st.column_config.NumberColumn(format="percent")})
    st.markdown("**Modellen som koder**")
    st.caption("Modellen trenes på noen dokumenter og foreslår koder i de andre (kryssvalidering per dokument); "
               "forslagene sammenlignes med kodingene og svarene deres. Kappa leses som enighet mellom to kodere.")
    if st.toggle("Lag rapporten (tar noen sekunder)", key="forslag_show_report"):
        with widgets.guard():
            report = _model_report(state.db_path(), state.version())
            st.dataframe(report.rename(columns=REPORT_LABELS), hide_index=True, width="stretch", column_config={
                name: st.column_config.NumberColumn(format="%.2f") for name in ("Presisjon", "Dekning", "F1", "Kappa")})
