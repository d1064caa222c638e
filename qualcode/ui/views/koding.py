"""Koding: read a transcript turn by turn, apply and remove codes, memos, suggestions beside the text."""

from __future__ import annotations

import streamlit as st

from qualcode import workbench
from qualcode.ui import state, suggestions, widgets
from qualcode.workbench import CodeInfo, CodingMark, DocumentView, SegmentView

DOC_KEY = "koding_doc"
SEGMENTS_KEY = "koding_segment_by_doc"  # document id -> selected segment id
SHOW_INTERVIEWER_KEY = "koding_show_interviewer"
ONLY_MINE_KEY = "koding_only_mine"
CODE_KEY = "koding_code"
MEMO_KEY = "koding_memo"
RECENT_KEY = "koding_recent_codes"
FULL_RERUN_KEY = "koding_full_rerun"


def render() -> None:
    st.title("Koding")
    docs = state.documents()
    if not docs:
        widgets.empty_project()
        return
    ids = [d.id for d in docs]
    labels = {d.id: d.label for d in docs}
    if st.session_state.get(DOC_KEY) not in ids:
        st.session_state[DOC_KEY] = ids[0]
    st.session_state.setdefault(SHOW_INTERVIEWER_KEY, True)
    st.session_state.setdefault(ONLY_MINE_KEY, False)
    st.session_state.setdefault(SEGMENTS_KEY, {})
    st.session_state.setdefault(RECENT_KEY, [])

    top = st.columns([4, 1.3, 1.3], vertical_alignment="bottom")
    document_id = top[0].selectbox("Dokument", ids, format_func=labels.__getitem__, key=DOC_KEY)
    show_interviewer = top[1].toggle("Vis intervjuer", key=SHOW_INTERVIEWER_KEY)
    only_mine = top[2].toggle("Bare mine kodinger", key=ONLY_MINE_KEY,
                              help="Skjul andre koderes kodinger, for eksempel når dere koder uavhengig.")
    view = state.document_view(document_id)
    _document_caption(view)
    if not view.segments:
        st.info("Dokumentet har ingen segmenter.", icon=":material/info:")
        return

    coder = state.coder()
    visible = [s for s in view.segments if show_interviewer or not s.is_interviewer] or list(view.segments)
    selected = _selected_segment(view, visible)
    pending = suggestions.for_document(document_id)

    left, right = st.columns([3, 2], gap="large")
    with left, st.container(height=720, border=False):
        for segment in visible:
            _segment_row(view.id, segment, segment.segment_id == selected.segment_id,
                         _marks_for(segment, coder, only_mine), len(pending.get(segment.segment_id, [])))
    with right:
        _panel(view, visible, selected, coder, only_mine, pending.get(selected.segment_id, []))


def _document_caption(view: DocumentView) -> None:
    parts = [view.case or "ingen informant"]
    parts += [f"{name}: {value}" for name, value in sorted(view.attributes.items()) if value]
    st.caption(" · ".join(parts))


def _selected_segment(view: DocumentView, visible: list[SegmentView]) -> SegmentView:
    chosen = st.session_state[SEGMENTS_KEY].get(view.id)
    for segment in visible:
        if segment.segment_id == chosen:
            return segment
    first = next((s for s in visible if not s.is_interviewer), visible[0])
    st.session_state[SEGMENTS_KEY][view.id] = first.segment_id
    return first


def _select(document_id: int, segment_id: int) -> None:
    st.session_state[SEGMENTS_KEY][document_id] = segment_id


def _marks_for(segment: SegmentView, coder: str, only_mine: bool) -> tuple[CodingMark, ...]:
    if not only_mine:
        return segment.marks
    return tuple(m for m in segment.marks if m.coder == coder)


def _segment_row(document_id: int, segment: SegmentView, selected: bool, marks: tuple[CodingMark, ...],
                 n_suggestions: int) -> None:
    pick, text = st.columns([1.5, 14], gap="small")
    pick.button(str(segment.ordinal + 1), key=f"koding_pick_{segment.segment_id}",
                type="primary" if selected else "tertiary", on_click=_select, args=(document_id, segment.segment_id),
                help="Velg segmentet" + (f" ({n_suggestions} forslag)" if n_suggestions else ""))
    badge = (f'<div style="font-size:.8em;color:#8A6D1F;margin-top:.15em">{n_suggestions} forslag</div>'
             if n_suggestions else "")
    with text:
        widgets.html_block(widgets.segment_html(segment, selected=selected, marks=marks) + badge)


def _panel(view: DocumentView, visible: list[SegmentView], segment: SegmentView, coder: str, only_mine: bool,
           pending: list[workbench.SuggestionView]) -> None:
    index = visible.index(segment)
    who = segment.speaker or ("Intervjuer" if segment.is_interviewer else "Informant")
    st.subheader(f"Segment {segment.ordinal + 1} av {len(view.segments)}", anchor=False)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button("Forrige", key="koding_prev", shortcut="K", disabled=index == 0, icon=":material/arrow_upward:",
                  on_click=_select, args=(view.id, visible[max(index - 1, 0)].segment_id))
        st.button("Neste", key="koding_next", shortcut="J", disabled=index >= len(visible) - 1,
                  icon=":material/arrow_downward:",
                  on_click=_select, args=(view.id, visible[min(index + 1, len(visible) - 1)].segment_id))
        st.caption(who)
    if segment.is_interviewer:
        st.caption("Dette er intervjuerens tur; den telles ikke med i analysene.")

    with st.container(height=230 if len(segment.text) > 700 else "content", border=False):
        widgets.html_block(widgets.segment_html(segment, marks=_marks_for(segment, coder, only_mine)))
    _coding_panel(view.id, segment, coder)
    _codings(segment, coder, only_mine)
    suggestions.segment_panel(pending, coder)
    _document_memo(view, coder)


def view_text(segment: SegmentView, start: int, end: int) -> str:
    return segment.text[start - segment.start : end - segment.start]


def _excerpt(segment: SegmentView) -> tuple[int, int]:
    """The part of the segment to code: the whole segment, or a range of words chosen on a slider."""
    words = workbench.word_positions(segment.text, segment.start)
    if len(words) < 2:
        return segment.start, segment.end
    last = len(words) - 1
    first_word, last_word = st.select_slider(
        "Utdrag", options=list(range(len(words))), value=(0, last), key=f"koding_span_{segment.segment_id}",
        format_func=lambda i: f"{i + 1}: {words[i][0]}",
        help="Dra endene for å kode bare en del av segmentet (ord for ord).",
    )
    start = segment.start if first_word == 0 else words[first_word][1]
    end = segment.end if last_word == last else words[last_word][2]
    return start, end


@st.fragment
def _coding_panel(document_id: int, segment: SegmentView, coder: str) -> None:
    """Excerpt, code and memo: choosing them reruns only this panel; coding reruns the whole page
    (the transcript must show the new highlight)."""
    if st.session_state.pop(FULL_RERUN_KEY, False):
        st.rerun()
    start, end = _excerpt(segment)
    if (start, end) != (segment.start, segment.end):
        st.caption("Utdraget som kodes:")
        widgets.html_block(widgets.quote_html(view_text(segment, start, end)))
    _apply_form(document_id, start, end, coder)


def _apply_form(document_id: int, start: int, end: int, coder: str) -> None:
    codes = state.codes()
    if not codes:
        st.info("Prosjektet har ingen koder ennå; legg til en kodebok under **Kodebok**.")
        return
    by_id = {c.id: c for c in codes}
    if st.session_state.get(CODE_KEY) not in by_id:
        st.session_state[CODE_KEY] = None
    st.selectbox("Kode", list(by_id), format_func=lambda i: widgets.code_label(by_id[i]), key=CODE_KEY,
                 index=None, placeholder="Velg kode (skriv for å søke) …")
    chosen = by_id.get(st.session_state.get(CODE_KEY))  # type: ignore[arg-type]
    if chosen is not None and chosen.definition:
        st.caption(chosen.definition)
    st.text_input("Notat til kodingen (valgfritt)", key=MEMO_KEY)
    st.button("Kod utdraget", type="primary", icon=":material/add:", disabled=not coder,
              key="koding_apply", on_click=_apply_selected, args=(document_id, start, end),
              help=None if coder else "Skriv navnet ditt i feltet Koder i sidepanelet først.")
    if not coder:
        widgets.require_coder()
    recent = [by_id[i] for i in st.session_state[RECENT_KEY] if i in by_id]
    if recent and coder:
        st.caption("Sist brukte koder – ett klikk koder utdraget:")
        with st.container(horizontal=True):
            for info in recent:
                st.button(info.name, key=f"koding_recent_{info.id}", on_click=_apply_code,
                          args=(document_id, start, end, info.id), help=info.path)


def _remember(code_id: int) -> None:
    recent = [code_id] + [i for i in st.session_state.get(RECENT_KEY, []) if i != code_id]
    st.session_state[RECENT_KEY] = recent[:6]


def _apply_code(document_id: int, start: int, end: int, code_id: int) -> None:
    st.session_state[FULL_RERUN_KEY] = True  # the outcome (highlight or message) shows on the whole page
    if widgets.action(workbench.apply_code, state.engine(), document_id, start, end, code_id, state.coder(),
                      ok="Kodet."):
        _remember(code_id)


def _apply_selected(document_id: int, start: int, end: int) -> None:
    st.session_state[FULL_RERUN_KEY] = True
    code_id = st.session_state.get(CODE_KEY)
    if code_id is None:
        state.flash("warning", "Velg en kode først.")
        return
    memo = str(st.session_state.get(MEMO_KEY) or "").strip() or None
    if widgets.action(workbench.apply_code, state.engine(), document_id, start, end, code_id, state.coder(),
                      memo=memo, ok="Kodet."):
        _remember(code_id)
        st.session_state[MEMO_KEY] = ""


def _codings(segment: SegmentView, coder: str, only_mine: bool) -> None:
    marks = _marks_for(segment, coder, only_mine)
    st.markdown(f"**Kodinger i segmentet** ({len(marks)})")
    if not marks:
        st.caption("Ingen kodinger ennå.")
        return
    codes = {c.id: c for c in state.codes(include_retired=True)}
    for mark in marks:
        info: CodeInfo | None = codes.get(mark.code_id)
        whole = mark.start <= segment.start and mark.end >= segment.end
        line, buttons = st.columns([5, 2], vertical_alignment="center")
        extra = "" if whole else f' <span style="color:#666">«{widgets.esc(_short(mark.text))}»</span>'
        memo = f'<div style="color:#555;font-size:.85em">Notat: {widgets.esc(mark.memo)}</div>' if mark.memo else ""
        with line:
            widgets.html_block(
                f'<div>{widgets.code_chip(mark.code_path, mark.color, info.retired if info else False)}'
                f'<span style="color:#777;font-size:.85em"> · {widgets.esc(mark.coder)} · '
                f'{widgets.SOURCE_LABELS.get(mark.source, mark.source)}</span>{extra}{memo}</div>')
        if mark.coder == coder:
            with buttons, st.container(horizontal=True):
                with st.popover("Notat", icon=":material/edit:"):
                    _memo_form(mark)
                st.button("Fjern", key=f"koding_remove_{mark.coding_id}", icon=":material/close:",
                          on_click=widgets.action, args=(workbench.remove_coding, state.engine(), mark.coding_id, coder),
                          kwargs={"ok": "Kodingen er fjernet."})


def _memo_form(mark: CodingMark) -> None:
    with st.form(f"koding_memo_form_{mark.coding_id}", border=False):
        text = st.text_area("Notat til kodingen", value=mark.memo or "", key=f"koding_memo_{mark.coding_id}")
        if st.form_submit_button("Lagre notat"):
            widgets.action(workbench.set_coding_memo, state.engine(), mark.coding_id, text, state.coder(),
                           ok="Notatet er lagret.")
            st.rerun()


def _document_memo(view: DocumentView, coder: str) -> None:
    others = {name: text for name, text in view.memos.items() if name != coder and text}
    with st.expander("Dokumentnotat", icon=":material/sticky_note_2:"):
        with st.form(f"koding_doc_memo_{view.id}", border=False):
            text = st.text_area("Ditt notat om dokumentet", value=view.memos.get(coder, ""),
                                key=f"koding_doc_memo_text_{view.id}")
            if st.form_submit_button("Lagre dokumentnotat", disabled=not coder):
                widgets.action(workbench.set_document_memo, state.engine(), view.id, text, coder,
                               ok="Dokumentnotatet er lagret.")
                st.rerun()
        for name, text in sorted(others.items()):
            st.caption(f"{name or 'ukjent'}: {text}")


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
