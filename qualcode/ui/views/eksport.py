"""Eksport: every table and report of the project as a download (CSV, Excel, JSON, Word, YAML).

Files are built only when a button is clicked (deferred downloads), from the same library functions
the command line uses.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from qualcode import workbench
from qualcode.analysis import (
    agreement,
    code_matrix,
    compare_groups,
    cooccurrence,
    framework_long,
    framework_matrix,
    frequencies,
    presence_table,
)
from qualcode.frames import ProjectFrames, memos_frame, project_frames
from qualcode.search import retrieve, search
from qualcode.ui import state, widgets
from qualcode.ui.views.sammenligning import MEASURES

FORMAT_KEY = "eksport_format"
ATTR_KEY = "eksport_attribute"
MEASURE_KEY = "eksport_measure"
FORMATS = {"csv": "CSV", "xlsx": "Excel", "json": "JSON"}
MIME = {"csv": "text/csv", "json": "application/json",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "yaml": "application/x-yaml"}


@dataclass(frozen=True)
class TableExport:
    key: str
    label: str
    help: str
    build: Callable[[], pd.DataFrame]


def render() -> None:
    st.title("Eksport")
    if not state.summary().documents:
        widgets.empty_project("Det er ingenting å eksportere ennå.")
        return
    engine = state.engine()
    frames = _LazyFrames(engine)
    st.caption("Filene lages når du trykker på knappen. Intervjuerens replikker er utelatt fra analysene.")
    st.session_state.setdefault(FORMAT_KEY, "xlsx")
    fmt = st.segmented_control("Tabellformat", list(FORMATS), format_func=FORMATS.__getitem__, key=FORMAT_KEY,
                               selection_mode="single") or "xlsx"
    stem = f"qualcode-{date.today().isoformat()}"

    st.subheader("Data", anchor=False)
    data = [
        TableExport("codings", "Kodinger", "Alle kodinger med dokument, informant, kode, koder og tekst.",
                    lambda: _table(engine, "codings")),
        TableExport("segments", "Segmenter", "Informantenes segmenter med tekst.", lambda: _table(engine, "segments")),
        TableExport("cases", "Informanter", "Informantene og egenskapene deres.", lambda: _table(engine, "cases")),
        TableExport("documents", "Dokumenter", "Dokumentene med format, ord og sjekksum.",
                    lambda: _table(engine, "documents")),
        TableExport("quotes", "Kodede sitater", "Alle kodede utdrag med kontekst og hvem som sa det, "
                    "f.eks. «(Informant 3, toleder, kommune)».", lambda: workbench.call(engine, retrieve)),
    ]
    _table_buttons(data, fmt, stem)
    _codebook_buttons(stem)

    st.subheader("Analyser", anchor=False)
    attributes = workbench.attribute_names(engine)
    left, right = st.columns(2)
    attribute = None
    if attributes:
        if st.session_state.get(ATTR_KEY) not in attributes:
            st.session_state[ATTR_KEY] = "ledermodell" if "ledermodell" in attributes else attributes[0]
        attribute = left.selectbox("Sammenlign etter", attributes, key=ATTR_KEY)
    st.session_state.setdefault(MEASURE_KEY, "share")
    measure = right.selectbox("Mål i matrisen", list(MEASURES), format_func=MEASURES.__getitem__, key=MEASURE_KEY)
    analyses = [
        TableExport("frequencies", "Kodehyppigheter", "Kodinger, segmenter, dokumenter og informanter per kode.",
                    lambda: frequencies(frames().codings, frames().coded_segments, codes=frames().codes)),
        TableExport("presence", "Tilstedeværelse (0/1)", "Én rad per informant, én kolonne per kode – for R eller SPSS.",
                    lambda: presence_table(frames().codings, frames().cases, frames().codes)),
        TableExport("cooccurrence", "Samforekomst", "Koder × koder: segmenter der begge er brukt.",
                    lambda: cooccurrence(frames().coded_segments, codes=frames().codes)),
    ]
    if attribute is not None:
        analyses += [
            TableExport("matrix", f"Matrise kode × {attribute}", MEASURES[measure] + " per kode og gruppe.",
                        lambda: code_matrix(frames().codings, frames().coded_segments, frames().segments,
                                            frames().cases, cols=attribute, measure=measure, codes=frames().codes)),
            TableExport("stats", f"Statistikk etter {attribute}",
                        "Fishers eksakte test / kjikvadrat per kode, med merknader om små tall og tolkning.",
                        lambda: compare_groups(frames().codings, frames().segments, frames().cases, attribute,
                                               codes=frames().codes)),
        ]
    _table_buttons(analyses, fmt, stem)
    _agreement_button(frames, workbench.coder_names(engine), fmt, stem)
    _search(engine, fmt, stem)

    st.subheader("Rapporter", anchor=False)
    _report_buttons(frames, stem)


class _LazyFrames:
    """The project frames, read from the database the first time a download needs them."""

    def __init__(self, engine: workbench.Engine) -> None:
        self._engine = engine
        self._frames: ProjectFrames | None = None

    def __call__(self) -> ProjectFrames:
        if self._frames is None:
            self._frames = workbench.call(self._engine, project_frames)
        return self._frames


def _table(engine: workbench.Engine, kind: str) -> pd.DataFrame:
    from qualcode.project import export_table

    return export_table(engine, kind)


def _deferred(build: Callable[[], bytes]) -> Callable[[], bytes]:
    """Build a download on click; a QualcodeError becomes a small text file saying why."""
    from qualcode.errors import QualcodeError

    def run() -> bytes:
        try:
            return build()
        except QualcodeError as exc:
            return f"Eksporten kunne ikke lages: {exc}\n".encode()
        except Exception as exc:  # noqa: BLE001 - a download never shows a traceback
            if os.environ.get("QUALCODE_DEBUG"):
                raise
            return f"Eksporten kunne ikke lages ({type(exc).__name__}: {exc}).\n".encode()

    return run


def _table_buttons(items: list[TableExport], fmt: str, stem: str) -> None:
    for item in items:
        text, button = st.columns([4, 1.3], vertical_alignment="center")
        text.markdown(f"**{item.label}**  \n{item.help}")
        button.download_button(
            FORMATS[fmt], data=_deferred(lambda item=item: workbench.frame_bytes(item.build(), fmt)),
            file_name=f"{stem}-{item.key}.{fmt}", mime=MIME[fmt], key=f"eksport_{item.key}",
            icon=":material/download:", width="stretch", on_click="ignore")


def _codebook_buttons(stem: str) -> None:
    from qualcode.project import export_codebooks_file

    engine = state.engine()
    text, yaml_col, json_col = st.columns([4, 0.65, 0.65], vertical_alignment="center")
    text.markdown("**Kodebøker**  \nAlle kodebøkene med definisjoner, eksempler, farger og mønstre.")
    for column, fmt in ((yaml_col, "yaml"), (json_col, "json")):
        column.download_button(
            fmt.upper(),
            data=_deferred(lambda fmt=fmt: workbench.file_bytes(
                lambda p: export_codebooks_file(engine, fmt, p), f"codebooks.{fmt}")),
            file_name=f"{stem}-kodeboker.{fmt}", mime=MIME[fmt], key=f"eksport_codebooks_{fmt}",
            width="stretch", on_click="ignore")


def _agreement_button(frames: _LazyFrames, coders: list[str], fmt: str, stem: str) -> None:
    text, button = st.columns([4, 1.3], vertical_alignment="center")
    text.markdown("**Enighet mellom kodere**  \nProsentvis enighet, Cohens kappa og Krippendorffs alfa per kode, "
                  "for de to koderne med flest kodinger.")

    def build() -> bytes:
        f = frames()
        pair = f.codings["coder"].value_counts().index[:2].tolist()
        return workbench.frame_bytes(
            agreement(f.codings, f.coded_segments, f.segments, pair, codes=f.codes).table(), fmt)

    button.download_button(
        FORMATS[fmt], disabled=len(coders) < 2, data=_deferred(build),
        file_name=f"{stem}-enighet.{fmt}", mime=MIME[fmt], key="eksport_agreement", icon=":material/download:",
        width="stretch", on_click="ignore")


def _search(engine: workbench.Engine, fmt: str, stem: str) -> None:
    """Lemma-aware search in the informants' turns, shown as keyword in context and downloadable."""
    st.markdown("**Søk i intervjuene (ord i kontekst)**  \nFinner alle bøyningsformer: «måling» finner også "
                "«målingene».")
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    query = left.text_input("Søkeord", key="eksport_query", placeholder="f.eks. målekort")
    compounds = right.checkbox("Også i sammensatte ord", key="eksport_compounds")
    if not query.strip():
        return
    with widgets.guard():
        hits = workbench.call(engine, search, query, compounds=compounds)
        st.caption(f"{len(hits)} treff.")
        st.dataframe(hits[["left", "keyword", "right", "attribution", "document"]].head(200).rename(columns={
            "left": "Før", "keyword": "Ord", "right": "Etter", "attribution": "Informant", "document": "Dokument"}),
            hide_index=True, width="stretch")
        st.download_button(f"Last ned treffene ({FORMATS[fmt]})", data=workbench.frame_bytes(hits, fmt),
                           file_name=f"{stem}-sok.{fmt}", mime=MIME[fmt], key="eksport_search",
                           icon=":material/download:", on_click="ignore")


def _report_buttons(frames: _LazyFrames, stem: str) -> None:
    from qualcode.export import framework_docx, quote_report_docx, write_xlsx

    engine = state.engine()

    def quotes_docx() -> bytes:
        quotes = workbench.call(engine, retrieve)
        return workbench.file_bytes(lambda p: quote_report_docx(quotes, p), "sitater.docx")

    def framework_word() -> bytes:
        memos = workbench.call(engine, memos_frame)
        long = framework_long(frames().codings, frames().cases, frames().codes, memos)
        return workbench.file_bytes(lambda p: framework_docx(long, p), "rammeverk.docx")

    def framework_excel() -> bytes:
        memos = workbench.call(engine, memos_frame)
        sheets = {name: framework_matrix(frames().codings, frames().cases, frames().codes, memos, value=value)
                  for name, value in (("sitater", "quotes"), ("memo", "memo"), ("antall", "codings"))}
        return workbench.file_bytes(lambda p: write_xlsx(sheets, p), "rammeverk.xlsx")

    rows = [
        ("Sitatrapport (Word)", "Alle kodede sitater ordnet etter kodebok og kode, med informant og gruppe.",
         quotes_docx, "sitatrapport.docx", "docx"),
        ("Rammeverksmatrise (Word)", "Én tabell per kode: informant, sitater og notater.",
         framework_word, "rammeverk.docx", "docx"),
        ("Rammeverksmatrise (Excel)", "Informanter × koder med sitater, notater og antall i hvert sitt ark.",
         framework_excel, "rammeverk.xlsx", "xlsx"),
    ]
    for label, help_text, build, name, kind in rows:
        text, button = st.columns([4, 1.3], vertical_alignment="center")
        text.markdown(f"**{label}**  \n{help_text}")
        button.download_button("Last ned", data=_deferred(build), file_name=f"{stem}-{name}", mime=MIME[kind],
                               key=f"eksport_report_{name}", icon=":material/download:", width="stretch",
                               on_click="ignore")
