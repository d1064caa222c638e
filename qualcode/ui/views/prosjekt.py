"""Prosjekt og import: project overview, upload of transcripts and metadata, cases and attributes."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from qualcode import workbench
from qualcode.importer import FileResult
from qualcode.ui import state, widgets

RESULTS_KEY = "prosjekt_results"
TABS_KEY = "prosjekt_tabs"
NEW_ATTRS_KEY = "prosjekt_new_attributes"
SEGMENT_MODES = {"turn": "Taletur (anbefalt)", "paragraph": "Avsnitt", "sentence": "Setning"}


def render() -> None:
    st.title("Prosjekt og import")
    summary = state.summary()
    cols = st.columns(5)
    cols[0].metric("Dokumenter", summary.documents)
    cols[1].metric("Informanter", summary.cases)
    cols[2].metric("Segmenter", summary.segments)
    cols[3].metric("Kodinger", summary.codings)
    cols[4].metric("Kodere", summary.coders)
    if summary.documents:
        widgets.page_link("koding", "Fortsett å kode", ":material/edit_note:")
    results: list[FileResult] | None = st.session_state.get(RESULTS_KEY)
    if results:
        _show_results(results)
    tab_docs, tab_import, tab_cases = widgets.lazy_tabs(["Dokumenter", "Importer", "Informanter og egenskaper"],
                                                        TABS_KEY)
    with tab_docs:
        if tab_docs.open:
            _documents(summary.documents)
    with tab_import:
        if tab_import.open:
            _import_form()
    with tab_cases:
        if tab_cases.open:
            _cases()


def _documents(n_documents: int) -> None:
    if not n_documents:
        st.info("Ingen dokumenter ennå. Last opp intervjuene under **Importer**.", icon=":material/upload_file:")
        return
    table = _overview(state.db_path(), state.frames_version())
    st.dataframe(widgets.norwegian_columns(table), hide_index=True, width="stretch",
                 column_config={"Importert": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})


@st.cache_data(show_spinner=False, max_entries=8)
def _overview(path: str, version: str) -> pd.DataFrame:
    return workbench.documents_overview(state.engine_for(path))


def _import_form() -> None:
    extensions = workbench.supported_extensions()
    with st.form("prosjekt_import", clear_on_submit=True, border=True):
        files = st.file_uploader(
            "Transkripsjoner", type=extensions, accept_multiple_files=True,
            help=f"Støttede formater: {', '.join('.' + e for e in extensions)}. Dokumentnavnet blir filnavnet.",
        )
        meta = st.file_uploader(
            "Metadata (CSV, valgfritt)", type=["csv"],
            help="Kolonnene file og case er påkrevd; hver annen kolonne blir en egenskap ved informanten "
                 "(for eksempel ledermodell med verdiene enleder/toleder).",
        )
        left, right = st.columns(2)
        mode = left.selectbox("Segmenter etter", list(SEGMENT_MODES), format_func=SEGMENT_MODES.__getitem__)
        interviewers = right.text_input("Intervjuerens navn (valgfritt)", placeholder="f.eks. Kari, Ola",
                                        help="Navn på talere som skal regnes som intervjuer, skilt med komma.")
        replace = st.checkbox("Erstatt endrede filer (kodinger med uendret tekst beholdes)")
        submitted = st.form_submit_button("Importer", type="primary", icon=":material/upload:")
    if submitted:
        _run_import(files or [], meta, mode, interviewers, replace)


def _run_import(files: list[UploadedFile], meta: UploadedFile | None, mode: str, interviewers: str,
                replace: bool) -> None:
    if not files and meta is None:
        st.warning("Velg minst én fil å importere.", icon=":material/upload_file:")
        return
    uploads = [(f.name, f.getvalue()) for f in files]
    meta_upload = (meta.name, meta.getvalue()) if meta is not None else None
    total = max(len(uploads), 1)
    bar = st.progress(0.0, text="Importerer …")
    done = 0

    def progress(result: FileResult) -> None:
        nonlocal done
        done += 1
        bar.progress(min(done / total, 1.0), text=f"{done} av {total}: {result.path.name}")

    names = [n.strip() for n in interviewers.split(",") if n.strip()]
    with widgets.guard("Importen ble stoppet: "):
        results = workbench.import_uploads(state.engine(), uploads, meta=meta_upload, mode=mode,
                                           interviewer_names=names, replace=replace, actor=state.coder() or None,
                                           progress=progress)
        st.session_state[RESULTS_KEY] = results
        state.touch()
        st.rerun()  # show the new documents and counts everywhere on the page
    bar.empty()


def _show_results(results: list[FileResult]) -> None:
    failed = [r for r in results if r.status == "failed"]
    ok = len(results) - len(failed)
    if failed:
        st.error(f"{len(failed)} av {len(results)} filer ble ikke importert. Se meldingene under.",
                 icon=":material/error:")
    else:
        st.success(f"{ok} filer behandlet uten feil.", icon=":material/check_circle:")
    rows = [{
        "Fil": r.path.name,
        "Status": widgets.STATUS_LABELS.get(r.status, r.status),
        "Segmenter": r.segments or None,
        "Ord": r.words or None,
        "Melding": r.message if r.status == "failed" else _ok_message(r),
    } for r in results]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.button("Skjul importresultatet", key="prosjekt_hide_results", on_click=st.session_state.pop,
              args=(RESULTS_KEY, None))


def _ok_message(result: FileResult) -> str:
    if result.status == "imported":
        return f"{result.segments} segmenter, {result.words} ord"
    if result.status == "replaced":
        text = f"ny versjon: {result.segments} segmenter, {result.kept_codings} kodinger beholdt"
        if result.dropped_codings:
            text += f", {len(result.dropped_codings)} kodinger kunne ikke beholdes"
        return text
    return "identisk med versjonen som allerede er importert"


def _cases() -> None:
    table = workbench.case_attribute_table(state.engine())
    if table.empty:
        st.info("Ingen informanter ennå. De opprettes ved import (kolonnen case i metadatafilen).",
                icon=":material/person:")
        return
    new_attributes: list[str] = st.session_state.setdefault(NEW_ATTRS_KEY, [])
    for name in new_attributes:
        if name not in table.columns:
            table[name] = ""
    st.caption("Rediger verdiene direkte i tabellen og trykk **Lagre endringer**. En tom celle fjerner verdien.")
    with st.form("prosjekt_cases", border=False):
        edited = st.data_editor(
            table, hide_index=True, width="stretch", num_rows="fixed", key="prosjekt_case_editor",
            disabled=["case", "documents"],
            column_config={"case": st.column_config.TextColumn("Informant"),
                           "documents": st.column_config.TextColumn("Dokumenter")},
        )
        saved = st.form_submit_button("Lagre endringer", type="primary", icon=":material/save:")
    if saved:
        changes = workbench.attribute_changes(table, edited)
        if not changes:
            st.info("Ingen endringer å lagre.")
        else:
            with widgets.guard("Ingenting ble lagret: "):
                n = workbench.save_case_attributes(state.engine(), changes, actor=state.coder() or None)
                state.touch()
                st.session_state[NEW_ATTRS_KEY] = []
                state.flash("success", f"{n} endringer lagret.")
                st.rerun()
    with st.form("prosjekt_new_attribute", clear_on_submit=True, border=False):
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        name = left.text_input("Ny egenskap", placeholder="f.eks. region")
        if right.form_submit_button("Legg til kolonne", icon=":material/add:") and name.strip():
            if name.strip() in table.columns or name.strip() in ("case", "file"):
                st.warning(f"Egenskapen «{name.strip()}» finnes allerede.")
            else:
                new_attributes.append(name.strip())
                st.rerun()
