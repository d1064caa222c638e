"""Kodebok: browse the codebooks (definitions, inclusion/exclusion, examples, colours) and manage codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from qualcode import codebook_ops, workbench
from qualcode.codebook import parse_codebook_text
from qualcode.ui import state, widgets
from qualcode.workbench import CodebookView, CodeDetail

BOOK_KEY = "kodebok_book"
RETIRED_KEY = "kodebok_show_retired"
EXAMPLE_KINDS = {"typical": "Typisk eksempel", "borderline": "Grensetilfelle", "negative": "Ikke denne koden"}


@st.cache_data(show_spinner=False, max_entries=8)
def _views(path: str, data_version: str) -> list[CodebookView]:
    return workbench.codebook_views(state.engine_for(path))


def render() -> None:
    st.title("Kodebok")
    views = _views(state.db_path(), state.version())
    if not views:
        st.info("Prosjektet har ingen kodebøker ennå. Opprett en ny eller importer en kodebokfil under.",
                icon=":material/menu_book:")
        _manage(views, None)
        return
    names = [v.name for v in views]
    if st.session_state.get(BOOK_KEY) not in names:
        st.session_state[BOOK_KEY] = names[0]
    top = st.columns([5, 1.4], vertical_alignment="bottom")
    top[0].segmented_control("Kodebok", names, key=BOOK_KEY, selection_mode="single",
                             label_visibility="collapsed")
    show_retired = top[1].toggle("Vis utgåtte koder", key=RETIRED_KEY)
    book = next((v for v in views if v.name == st.session_state.get(BOOK_KEY)), views[0])
    if book.description:
        st.caption(book.description)
    shown = [c for c in book.codes if show_retired or not c.info.retired]
    if not shown:
        st.info("Kodeboken har ingen koder ennå.")
    for detail in shown:
        _code_card(detail)
    st.divider()
    _manage(views, book)


def _code_card(detail: CodeDetail) -> None:
    info = detail.info
    indent = "↳ " if info.parent_path else ""
    retired = " · utgått" if info.retired else ""
    with st.expander(f"{indent}{info.name} · {detail.codings} kodinger{retired}"):
        widgets.html_block(f"<div>{widgets.code_chip(info.path, info.color, info.retired)}"
                           f'<span style="color:#777;font-size:.85em"> · farge {widgets.esc(info.color)}</span></div>')
        st.markdown(f"**Definisjon.** {info.definition or '–'}")
        if info.inclusion:
            st.markdown(f"**Ta med:** {info.inclusion}")
        if info.exclusion:
            st.markdown(f"**Ikke ta med:** {info.exclusion}")
        for example in detail.examples:
            kind = EXAMPLE_KINDS.get(str(example.get("kind")), "Eksempel")
            st.caption(kind + (f" – {example['note']}" if example.get("note") else ""))
            widgets.html_block(widgets.quote_html(str(example.get("text", ""))))
        extra = []
        if detail.children:
            extra.append("Underkoder: " + ", ".join(detail.children))
        if detail.aliases:
            extra.append("Andre navn: " + ", ".join(detail.aliases))
        if detail.patterns:
            extra.append("Søkemønstre for forslag: " + "; ".join(detail.patterns))
        for line in extra:
            st.caption(line)


def _run(func: Callable[..., Any], *args: Any, ok: str, **kwargs: Any) -> None:
    """Call a codebook operation in its own transaction; flash the outcome and show the new state."""
    with widgets.guard("Ikke utført: "):
        workbench.call(state.engine(), func, *args, **kwargs)
        state.flash("success", ok)
        st.rerun()


def _manage(views: list[CodebookView], book: CodebookView | None) -> None:
    st.subheader("Endre kodeboken", anchor=False)
    actor = state.coder() or None
    codes = [c for v in views for c in v.codes]
    paths = [c.info.path for c in codes]
    active = [c.info.path for c in codes if not c.info.retired]
    tabs = st.tabs(["Ny kode", "Rediger", "Nytt navn", "Flytt", "Slå sammen", "Del opp", "Utgå",
                    "Ny kodebok", "Importer fil"])
    with tabs[0], st.form("kodebok_create", clear_on_submit=True):
        book_names = [v.name for v in views]
        target_book = st.selectbox("Kodebok", book_names, index=book_names.index(book.name) if book else None)
        parent = st.selectbox("Under (valgfritt)", [p for p in active if book and p.startswith(f"{book.name}/")],
                              index=None, placeholder="Toppnivå")
        name = st.text_input("Navn på koden")
        definition = st.text_area("Definisjon")
        inclusion = st.text_input("Ta med når …")
        exclusion = st.text_input("Ikke når …")
        if st.form_submit_button("Opprett kode", type="primary") and target_book and name.strip():
            _run(codebook_ops.create_code, target_book, name, parent=parent, definition=definition,
                 inclusion=inclusion, exclusion=exclusion, actor=actor, ok=f"Koden «{name.strip()}» er opprettet.")
    with tabs[1]:
        _edit_form(codes, actor)
    with tabs[2], st.form("kodebok_rename", clear_on_submit=True):
        code = st.selectbox("Kode", paths, index=None, placeholder="Velg kode", key="kodebok_rename_code")
        new_name = st.text_input("Nytt navn")
        keep = st.checkbox("Behold det gamle navnet som alternativt navn", value=True)
        sure = st.checkbox("Jeg vil gi koden nytt navn (kodingene beholdes)")
        if st.form_submit_button("Gi nytt navn") and _ready(sure, code, new_name):
            _run(codebook_ops.rename_code, code, new_name, keep_alias=keep, actor=actor, ok="Koden har fått nytt navn.")
    with tabs[3], st.form("kodebok_move", clear_on_submit=True):
        code = st.selectbox("Kode som skal flyttes", paths, index=None, placeholder="Velg kode", key="kodebok_move_code")
        new_parent = st.selectbox("Ny overordnet kode", paths, index=None, placeholder="Ingen (toppnivå)")
        to_book = st.selectbox("Til kodebok (for toppnivå)", [v.name for v in views], index=None,
                               placeholder="Samme kodebok")
        sure = st.checkbox("Jeg vil flytte koden med underkoder")
        if st.form_submit_button("Flytt") and _ready(sure, code):
            _run(codebook_ops.move_code, code, new_parent, codebook=to_book, actor=actor, ok="Koden er flyttet.")
    with tabs[4], st.form("kodebok_merge", clear_on_submit=True):
        source = st.selectbox("Slå sammen denne koden …", paths, index=None, placeholder="Velg kode",
                              key="kodebok_merge_source")
        target = st.selectbox("… inn i denne", active, index=None, placeholder="Velg kode", key="kodebok_merge_target")
        delete = st.checkbox("Slett den første koden etterpå (ellers settes den som utgått)")
        sure = st.checkbox("Jeg forstår at alle kodinger flyttes til den andre koden")
        if st.form_submit_button("Slå sammen") and _ready(sure, source, target):
            _run(codebook_ops.merge_codes, source, target, delete_source=delete, actor=actor,
                 ok="Kodene er slått sammen.")
    with tabs[5], st.form("kodebok_split", clear_on_submit=True):
        code = st.selectbox("Kode som skal deles", paths, index=None, placeholder="Velg kode", key="kodebok_split_code")
        names = st.text_input("Nye koder (skill med komma)")
        children = st.checkbox("Som underkoder (ellers søsken)", value=True)
        sure = st.checkbox("Jeg vil dele koden (kodingene blir på den opprinnelige koden)")
        new_names = [n.strip() for n in names.split(",") if n.strip()]
        if st.form_submit_button("Del opp") and _ready(sure, code, new_names):
            _run(codebook_ops.split_code, code, new_names, as_children=children, actor=actor,
                 ok=f"{len(new_names)} nye koder er opprettet.")
    with tabs[6], st.form("kodebok_retire", clear_on_submit=True):
        code = st.selectbox("Kode", paths, index=None, placeholder="Velg kode", key="kodebok_retire_code")
        reactivate = st.checkbox("Gjør en utgått kode aktiv igjen")
        sure = st.checkbox("Jeg bekrefter (eksisterende kodinger beholdes)")
        if st.form_submit_button("Utfør") and _ready(sure, code):
            _run(codebook_ops.retire_code, code, retired=not reactivate, actor=actor,
                 ok="Koden er aktiv igjen." if reactivate else "Koden er satt som utgått.")
    with tabs[7], st.form("kodebok_new_book", clear_on_submit=True):
        name = st.text_input("Navn på kodeboken")
        description = st.text_area("Beskrivelse")
        if st.form_submit_button("Opprett kodebok") and name.strip():
            _run(codebook_ops.create_codebook, name, description, actor=actor, ok=f"Kodeboken «{name.strip()}» er opprettet.")
    with tabs[8], st.form("kodebok_import", clear_on_submit=True):
        upload = st.file_uploader("Kodebokfil (YAML eller JSON)", type=["yaml", "yml", "json"])
        if st.form_submit_button("Importer") and upload is not None:
            with widgets.guard("Ikke importert: "):
                fmt = "json" if upload.name.lower().endswith(".json") else "yaml"
                spec = parse_codebook_text(upload.getvalue().decode("utf-8", errors="replace"), upload.name, fmt)
                _run(codebook_ops.import_codebook, spec, actor, ok=f"Kodeboken «{spec.name}» er importert.")


def _edit_form(codes: list[CodeDetail], actor: str | None) -> None:
    by_path = {c.info.path: c for c in codes}
    path = st.selectbox("Kode", list(by_path), index=None, placeholder="Velg kode", key="kodebok_edit_code")
    if path is None:
        return
    info = by_path[path].info
    with st.form(f"kodebok_edit_{info.id}"):
        definition = st.text_area("Definisjon", value=info.definition)
        inclusion = st.text_area("Ta med når …", value=info.inclusion)
        exclusion = st.text_area("Ikke når …", value=info.exclusion)
        colour = st.color_picker("Farge", value=info.color[:7])
        if st.form_submit_button("Lagre", type="primary"):
            _run(codebook_ops.update_code, path, definition=definition, inclusion=inclusion, exclusion=exclusion,
                 color=colour.upper(), actor=actor, ok="Koden er oppdatert.")


def _ready(confirmed: bool, *values: object) -> bool:
    if any(v is None or v == "" or v == [] for v in values):
        st.warning("Fyll ut feltene først.")
        return False
    if not confirmed:
        st.warning("Kryss av for å bekrefte endringen.")
        return False
    return True
