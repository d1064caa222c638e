"""Sammenligning: codes across groups of informants (default ledermodell: enleder vs toleder).

Grouped bars and a heat map (Altair), the matrix, tests with their small-N caveats, the quotes behind
any cell, code co-occurrence and the framework matrix.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from qualcode import workbench
from qualcode.analysis import CAVEAT, compare_groups, cooccurrence_long, framework_matrix, matrix_long
from qualcode.frames import ProjectFrames
from qualcode.ui import state, widgets

ATTR_KEY = "sml_attribute"
TABS_KEY = "sml_tabs"
MEASURE_KEY = "sml_measure"
BOOK_KEY = "sml_codebook"
CODER_KEY = "sml_coder"
CELL_CODE_KEY = "sml_cell_code"
CELL_GROUP_KEY = "sml_cell_group"
LAST_PICK_KEY = "sml_last_pick"
ALL = "(alle)"
DEFAULT_ATTRIBUTE = "ledermodell"

MEASURES = {
    "share": "Andel informanter som nevner koden",
    "informants": "Informanter som nevner koden",
    "per1000": "Kodinger per 1000 informantord",
    "codings": "Antall kodinger",
    "segments": "Kodede segmenter",
    "documents": "Dokumenter",
    "words": "Ord i kodede utdrag",
}
PALETTE = ["#3F6E8C", "#D08C60", "#7A9E7E", "#B5739D", "#C9B25F", "#8C8C8C"]


@st.cache_data(show_spinner=False, max_entries=32)
def _long(path: str, version: str, coder: str | None, attribute: str) -> pd.DataFrame:
    f = state.frames_at(path, version, False, coder)
    return matrix_long(f.codings, f.coded_segments, f.segments, f.cases, rows="code", cols=attribute, codes=f.codes)


@st.cache_data(show_spinner=False, max_entries=32)
def _tests(path: str, version: str, coder: str | None, attribute: str) -> pd.DataFrame:
    f = state.frames_at(path, version, False, coder)
    return compare_groups(f.codings, f.segments, f.cases, attribute, rows="code", codes=f.codes)


def render() -> None:
    st.title("Sammenligning")
    summary = state.summary()
    if not summary.documents:
        widgets.empty_project()
        return
    coders = workbench.coder_names(state.engine())
    st.session_state.setdefault(CODER_KEY, ALL)
    coder_choice = st.session_state.get(CODER_KEY)
    coder = None if coder_choice in (None, ALL) or coder_choice not in coders else str(coder_choice)
    frames = state.frames(coder_name=coder)
    attributes = [c for c in frames.cases.columns if c != "case"]
    if not attributes:
        st.info("Informantene har ingen egenskaper å sammenligne på ennå. Legg dem til under "
                "**Prosjekt og import → Informanter og egenskaper**, eller last opp en metadatafil.")
        return
    if st.session_state.get(ATTR_KEY) not in attributes:
        st.session_state[ATTR_KEY] = DEFAULT_ATTRIBUTE if DEFAULT_ATTRIBUTE in attributes else attributes[0]
    st.session_state.setdefault(MEASURE_KEY, "share")
    books = [ALL, *dict.fromkeys(frames.codes["codebook"])]
    if st.session_state.get(BOOK_KEY) not in books:
        st.session_state[BOOK_KEY] = ALL

    controls = st.columns(4)
    attribute = controls[0].selectbox("Sammenlign etter", attributes, key=ATTR_KEY,
                                      help="En egenskap ved informantene, for eksempel ledermodell (enleder/toleder).")
    measure = controls[1].selectbox("Mål", list(MEASURES), format_func=MEASURES.__getitem__, key=MEASURE_KEY)
    book = controls[2].selectbox("Kodebok", books, key=BOOK_KEY)
    controls[3].selectbox("Koder", [ALL, *coders], key=CODER_KEY,
                          help="Tell alle koderes kodinger, eller bare én koders.")
    if frames.codings.empty:
        st.info("Ingen kodinger å sammenligne ennå. Kod noen segmenter under **Koding** først.")
        return

    long = _long(state.db_path(), state.frames_version(), coder, attribute).rename(columns={attribute: "group"})
    if book != ALL:
        long = long[long["code"].str.startswith(f"{book}/")]
    long = long.assign(value=long[measure])
    tab_chart, tab_table, tab_stats, tab_co, tab_frame = widgets.lazy_tabs(
        ["Diagram", "Tabell", "Statistikk", "Samforekomst", "Rammeverk"], TABS_KEY)
    picked = None
    with tab_chart:
        if tab_chart.open:
            picked = _charts(long, attribute, measure)
    with tab_table:
        if tab_table.open:
            _table(long, measure)
    with tab_stats:
        if tab_stats.open:
            _stats(coder, attribute, book)
    with tab_co:
        if tab_co.open:
            _cooccurrence(frames, coder, book)
    with tab_frame:
        if tab_frame.open:
            _framework(frames, coder, book)
    st.divider()
    _quotes(frames, long, attribute, picked)


def _charts(long: pd.DataFrame, attribute: str, measure: str) -> tuple[str, str] | None:
    """Grouped bars and a heat map; a click on a bar or a cell picks the quotes shown below."""
    data = long[["code", "group", "value", "codings", "informants", "group_informants"]].copy()
    data["value"] = data["value"].fillna(0.0)
    order = list(dict.fromkeys(data["code"]))
    groups = list(dict.fromkeys(data["group"]))
    colour = alt.Color("group:N", title=attribute, scale=alt.Scale(domain=groups, range=PALETTE[: len(groups)]))
    fmt = ".0%" if measure == "share" else ".1f" if measure == "per1000" else "d"
    axis_title = MEASURES[measure]
    tooltip = [alt.Tooltip("code:N", title="Kode"), alt.Tooltip("group:N", title=attribute),
               alt.Tooltip("value:Q", title=axis_title, format=fmt),
               alt.Tooltip("codings:Q", title="Kodinger"),
               alt.Tooltip("informants:Q", title="Informanter som nevner koden"),
               alt.Tooltip("group_informants:Q", title="Informanter i gruppen")]
    height = max(160, 26 * len(order) * max(1, min(len(groups), 3)) // 2)
    pick = alt.selection_point(name="celle", fields=["code", "group"], on="click")
    bars = (alt.Chart(data).mark_bar().encode(
        y=alt.Y("code:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("group:N", sort=groups),
        x=alt.X("value:Q", title=axis_title, axis=alt.Axis(format=fmt)),
        color=colour, tooltip=tooltip,
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55)),
    ).add_params(pick).properties(height=height))
    heat_pick = alt.selection_point(name="celle", fields=["code", "group"], on="click")
    heat_base = alt.Chart(data).encode(
        y=alt.Y("code:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("group:N", sort=groups, title=attribute, axis=alt.Axis(labelAngle=0, orient="top")),
    )
    light_above = 0.6 * float(data["value"].max() or 1.0)
    heat = (heat_base.mark_rect(stroke="#FFFFFF").encode(
        color=alt.Color("value:Q", title=None, scale=alt.Scale(scheme="blues"), legend=None), tooltip=tooltip,
    ).add_params(heat_pick) + heat_base.mark_text(fontSize=11).encode(
        text=alt.Text("value:Q", format=fmt),
        color=alt.condition(f"datum.value > {light_above}", alt.value("#FFFFFF"), alt.value("#2B2B2B")),
    )).properties(height=max(160, 24 * len(order)), width=alt.Step(70))
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.caption("Søyler per kode og gruppe – klikk en søyle for å se sitatene bak.")
        bar_event = st.altair_chart(bars, on_select="rerun", key="sml_bars", selection_mode="celle", width="stretch")
    with right:
        st.caption("Varmekart – klikk en celle for å se sitatene bak.")
        heat_event = st.altair_chart(heat, on_select="rerun", key="sml_heat", selection_mode="celle", width="content")
    for event in (heat_event, bar_event):
        points = _selected(event)
        if points:
            return points
    return None


def _selected(event: object) -> tuple[str, str] | None:
    try:
        points = event["selection"]["celle"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    if isinstance(points, list) and points and isinstance(points[0], dict):
        code, group = points[0].get("code"), points[0].get("group")
        if isinstance(code, str) and isinstance(group, str):
            return code, group
    return None


def _table(long: pd.DataFrame, measure: str) -> None:
    wide = long.pivot(index="code", columns="group", values="value").reindex(
        index=list(dict.fromkeys(long["code"])), columns=list(dict.fromkeys(long["group"])))
    wide.index.name = "Kode"
    fmt = "percent" if measure == "share" else "%.1f" if measure == "per1000" else "%d"
    config = {str(c): st.column_config.NumberColumn(str(c), format=fmt) for c in wide.columns}
    st.caption(MEASURES[measure] + ". Gruppestørrelse (informanter med tekst): "
               + ", ".join(f"{g}: {int(n)}" for g, n in
                           long.drop_duplicates("group")[["group", "group_informants"]].itertuples(index=False)))
    st.dataframe(wide.reset_index(), hide_index=True, width="stretch", column_config=config)


def _stats(coder: str | None, attribute: str, book: str) -> None:
    st.info(CAVEAT, icon=":material/info:")
    with widgets.guard():
        tests = _tests(state.db_path(), state.frames_version(), coder, attribute)
        if book != ALL:
            tests = tests[tests["code"].str.startswith(f"{book}/")]
        group_cols = [c for c in tests.columns if c.endswith("_mentioning") and c != "mentioning"]
        table = pd.DataFrame({"Kode": tests["code"]})
        for column in group_cols:
            group = column.removesuffix("_mentioning")
            table[group] = [f"{y} av {n}" for y, n in zip(tests[column], tests[f"{group}_n"], strict=True)]
        table["Test"] = tests["test"].map({"fisher": "Fisher", "chi2": "Kjikvadrat"}).fillna(tests["test"])
        table["p"] = tests["p_value"]
        table["Effekt"] = tests["effect_size"]
        table["Merknad"] = tests["warning"]
        st.dataframe(table, hide_index=True, width="stretch", column_config={
            "p": st.column_config.NumberColumn("p", format="%.3f"),
            "Effekt": st.column_config.NumberColumn("Effekt (phi/V)", format="%.2f"),
        })
        code = st.selectbox("Les tolkningen for", list(tests["code"]), index=None, key="sml_stats_code",
                            placeholder="Velg kode")
        if code is not None:
            st.write(str(tests.loc[tests["code"] == code, "interpretation"].iloc[0]))


@st.cache_data(show_spinner=False, max_entries=16)
def _cooccurrence_long(path: str, version: str, coder: str | None, book: str) -> pd.DataFrame:
    f = state.frames_at(path, version, False, coder)
    coded = f.coded_segments if book == ALL else f.coded_segments[f.coded_segments["codebook"] == book]
    return cooccurrence_long(coded, unit="segment", codes=f.codes)


@st.cache_data(show_spinner=False, max_entries=16)
def _framework_matrix(path: str, version: str, coder: str | None, book: str) -> pd.DataFrame:
    f = state.frames_at(path, version, False, coder)
    codings = f.codings if book == ALL else f.codings[f.codings["codebook"] == book]
    codes = f.codes if book == ALL else f.codes[f.codes["codebook"] == book]
    return framework_matrix(codings, f.cases, codes, attributes=True)


def _cooccurrence(frames: ProjectFrames, coder: str | None, book: str) -> None:
    coded = frames.coded_segments
    if book != ALL:
        coded = coded[coded["codebook"] == book]
    if coded.empty:
        st.caption("Ingen kodede segmenter her ennå.")
        return
    use_jaccard = st.toggle("Vis Jaccard (overlapp i forhold til samlet bruk)", key="sml_co_jaccard")
    long = _cooccurrence_long(state.db_path(), state.frames_version(), coder, book)
    long = long.assign(value=long["jaccard"] if use_jaccard else long["count"])
    order = list(dict.fromkeys(long["code_a"]))
    chart = alt.Chart(long).mark_rect(stroke="#FFFFFF").encode(
        x=alt.X("code_b:N", sort=order, title=None, axis=alt.Axis(labelAngle=-40, labelLimit=180)),
        y=alt.Y("code_a:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        color=alt.Color("value:Q", title="Jaccard" if use_jaccard else "Segmenter", scale=alt.Scale(scheme="oranges")),
        tooltip=[alt.Tooltip("code_a:N", title="Kode A"), alt.Tooltip("code_b:N", title="Kode B"),
                 alt.Tooltip("count:Q", title="Segmenter med begge"), alt.Tooltip("jaccard:Q", format=".2f")],
    ).properties(height=max(200, 22 * len(order)))
    st.caption("Hvor ofte to koder er brukt på samme informantsegment (diagonalen: segmenter med koden).")
    st.altair_chart(chart, width="stretch")


def _framework(frames: ProjectFrames, coder: str | None, book: str) -> None:
    codings = frames.codings if book == ALL else frames.codings[frames.codings["codebook"] == book]
    if codings.empty:
        st.caption("Ingen kodinger her ennå.")
        return
    matrix = _framework_matrix(state.db_path(), state.frames_version(), coder, book)
    st.caption("Informanter × koder; hver celle viser de kodede sitatene. Velg en kodebok over for færre kolonner.")
    config = {c: st.column_config.TextColumn(c, width="large") for c in matrix.columns if "/" in str(c)}
    st.dataframe(widgets.norwegian_columns(matrix), hide_index=True, width="stretch", column_config=config,
                 row_height=90)


def _largest_difference(long: pd.DataFrame) -> tuple[str | None, str | None]:
    """The code whose measure differs most between the groups, and the group where it is highest:
    the first quotes a student sees are the ones behind the clearest difference."""
    data = long.assign(value=long["value"].fillna(0.0))
    if data.empty:
        return None, None
    spread = data.groupby("code", sort=False)["value"].agg(lambda v: float(v.max() - v.min()))
    used = data.groupby("code", sort=False)["codings"].sum()
    ranked = pd.DataFrame({"spread": spread, "used": used}).sort_values(["spread", "used"], ascending=False,
                                                                      kind="stable")
    code = str(ranked.index[0])
    rows = data[data["code"] == code]
    return code, str(rows.loc[rows["value"].idxmax(), "group"])


def _quotes(frames: ProjectFrames, long: pd.DataFrame, attribute: str, picked: tuple[str, str] | None) -> None:
    st.subheader("Sitatene bak", anchor=False)
    codes = list(dict.fromkeys(long["code"]))
    groups = list(dict.fromkeys(long["group"]))
    if picked is not None and picked != st.session_state.get(LAST_PICK_KEY):
        st.session_state[LAST_PICK_KEY] = picked
        if picked[0] in codes:
            st.session_state[CELL_CODE_KEY] = picked[0]
        if picked[1] in groups:
            st.session_state[CELL_GROUP_KEY] = picked[1]
    if st.session_state.get(CELL_CODE_KEY) not in codes or st.session_state.get(CELL_GROUP_KEY) not in groups:
        code, group = _largest_difference(long)
        st.session_state[CELL_CODE_KEY] = code
        st.session_state[CELL_GROUP_KEY] = group
    left, right = st.columns(2)
    code = left.selectbox("Kode", codes, key=CELL_CODE_KEY)
    group = right.selectbox(attribute, groups, key=CELL_GROUP_KEY)
    if code is None or group is None:
        return
    quotes = workbench.cell_quotes(frames.codings, frames.cases, attribute, code, group)
    st.caption(f"{len(quotes)} kodinger av «{code}» hos informanter med {attribute} = {group}.")
    for row in quotes.head(40).itertuples(index=False):
        widgets.html_block(widgets.quote_html(str(row.text)))
        st.caption(f"{row.attribution} · {row.document} · kodet av {row.coder}")
    if len(quotes) > 40:
        st.caption(f"… og {len(quotes) - 40} til. Alle sitatene finnes under **Eksport**.")
