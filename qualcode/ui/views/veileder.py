"""Veileder: the supervisor's read-only overview of frequencies, progress, agreement and activity."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qualcode import workbench
from qualcode.analysis import AgreementResult, agreement, frequencies, matrix_long
from qualcode.ui import state, widgets

ATTR_KEY = "veileder_attribute"
TABS_KEY = "veileder_tabs"
CODERS_KEY = "veileder_coders"
BOOT = 300  # bootstrap resamples for the intervals shown here (the CLI report uses more)


@st.cache_data(show_spinner=False, max_entries=16)
def _codebook_groups(path: str, version: str, attribute: str) -> pd.DataFrame:
    f = state.frames_at(path, version, False, None)
    return matrix_long(f.codings, f.coded_segments, f.segments, f.cases, rows="codebook", cols=attribute,
                       codes=f.codes)


@st.cache_data(show_spinner=False, max_entries=16)
def _frequencies(path: str, version: str) -> pd.DataFrame:
    f = state.frames_at(path, version, False, None)
    return frequencies(f.codings, f.coded_segments, level="code", by_coder=True, codes=f.codes)


@st.cache_data(show_spinner=False, max_entries=16)
def _progress(path: str, version: str) -> pd.DataFrame:
    f = state.frames_at(path, version, False, None)
    return workbench.coding_progress(f.codings, f.coded_segments, f.segments)


@st.cache_data(show_spinner="Beregner enighet …", max_entries=16)
def _agreement(path: str, version: str, coders: tuple[str, ...]) -> AgreementResult:
    f = state.frames_at(path, version, False, None)
    return agreement(f.codings, f.coded_segments, f.segments, list(coders), codes=f.codes, n_boot=BOOT)


def render() -> None:
    st.title("Veileder")
    st.caption("Lesevisning for veilederen: ingenting her endrer prosjektet.")
    summary = state.summary()
    if not summary.documents:
        widgets.empty_project()
        return
    tabs = widgets.lazy_tabs(["Kategorier", "Fremdrift", "Enighet mellom kodere", "Siste aktivitet"], TABS_KEY)
    views = (lambda: _categories(state.frames().cases), _progress_view, _agreement_view, _activity)
    for tab, view in zip(tabs, views, strict=True):
        with tab:
            if tab.open:
                view()


def _categories(cases: pd.DataFrame) -> None:
    attributes = [c for c in cases.columns if c != "case"]
    path, version = state.db_path(), state.frames_version()
    if attributes:
        if st.session_state.get(ATTR_KEY) not in attributes:
            st.session_state[ATTR_KEY] = "ledermodell" if "ledermodell" in attributes else attributes[0]
        attribute = st.selectbox("Informantgruppe", attributes, key=ATTR_KEY)
        long = _codebook_groups(path, version, attribute)
        table = long.pivot(index="codebook", columns=attribute, values="codings")
        table.index.name = "Kodebok"
        st.markdown("**Kodinger per kodebok og gruppe**")
        st.dataframe(table.reset_index(), hide_index=True, width="stretch")
    freq = _frequencies(path, version)
    st.markdown("**Kodehyppighet per koder**")
    if freq.empty:
        st.caption("Ingen kodinger ennå.")
        return
    st.dataframe(widgets.norwegian_columns(freq), hide_index=True, width="stretch")


def _progress_view() -> None:
    progress = _progress(state.db_path(), state.frames_version())
    st.caption("Andel av informantens segmenter som har minst én koding, per dokument og koder.")
    st.dataframe(widgets.norwegian_columns(progress.fillna({"coder": "–"})), hide_index=True, width="stretch",
                 column_config={"Andel kodet": st.column_config.ProgressColumn("Andel kodet", format="percent",
                                                                               min_value=0.0, max_value=1.0)})


def _agreement_view() -> None:
    coders = workbench.coder_names(state.engine())
    if len(coders) < 2:
        st.info("Enighet krever minst to kodere som har kodet de samme dokumentene.")
        return
    chosen = st.session_state.get(CODERS_KEY)
    if not chosen or any(c not in coders for c in chosen):
        st.session_state[CODERS_KEY] = coders[:2]
    picked = st.multiselect("Kodere", coders, key=CODERS_KEY)
    if len(picked) < 2:
        st.caption("Velg minst to kodere.")
        return
    with widgets.guard():
        result = _agreement(state.db_path(), state.frames_version(), tuple(picked))
        overall = result.overall
        cols = st.columns(4)
        cols[0].metric("Enheter (segmenter)", overall.get("n_units", 0))
        cols[1].metric("Prosentvis enighet", widgets.percent(overall.get("percent_agreement")))
        cols[2].metric("Krippendorffs alfa", _num(overall.get("alpha")))
        cols[3].metric("Cohens kappa", _num(overall.get("kappa")))
        per = result.per_code
        table = pd.DataFrame({
            "Kode": per["code"],
            "Enheter": per["n_units"],
            "Enighet": per["percent_agreement"],
            "Kappa": per["kappa"],
            "Alfa": per["alpha"],
            "Tolkning": [workbench.agreement_label(a, k) for a, k in zip(per["alpha"], per["kappa"], strict=True)],
            "Merknad": per["note"],
        })
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            "Enighet": st.column_config.NumberColumn(format="percent"),
            "Kappa": st.column_config.NumberColumn(format="%.2f"),
            "Alfa": st.column_config.NumberColumn(format="%.2f"),
        })
        for note in result.notes:
            st.caption(note)
        st.caption("Tolkningen følger Krippendorff (alfa ≥ 0,80 god, ≥ 0,667 foreløpig). Tallene er et "
                   "utgangspunkt for samtale om kodeboken, ikke en dom.")


def _activity() -> None:
    events = workbench.recent_events(state.engine(), limit=40)
    if not events:
        st.caption("Ingen aktivitet ennå.")
        return
    rows = [{"Tid": e.at, "Hvem": e.actor or "–", "Hva": widgets.EVENT_LABELS.get(e.kind, e.kind),
             "Detaljer": widgets.event_detail(e.kind, e.data)} for e in events]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 column_config={"Tid": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})


def _num(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    return f"{float(value):.2f}".replace(".", ",")  # type: ignore[arg-type]
