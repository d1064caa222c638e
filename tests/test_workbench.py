"""qualcode.workbench: the read models and one-call actions behind the Streamlit pages."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import CodingSpec, DocSpec, ProjectSpec
from sqlalchemy import select

from qualcode import workbench
from qualcode.db.models import Code, Coding, Segment, Suggestion
from qualcode.db.session import session_scope
from qualcode.errors import InputError, NotFoundError
from qualcode.frames import project_frames

TURNS = [
    ("Intervjuer", "interviewer", "Hvordan opplever du tilliten på kontoret?"),
    ("Informant", "participant", "Vi stoler på hverandre, men målekortet styrer mye av dagen."),
    ("Intervjuer", "interviewer", "Kan du si mer om det?"),
    ("Informant", "participant", "Lederen gir oss handlingsrom, og vi bruker skjønn i hver sak."),
]


def _spec(**extra: object) -> ProjectSpec:
    return ProjectSpec(
        documents=[DocSpec("kari.txt", "Informant 1", TURNS),
                   DocSpec("ola.txt", "Informant 2", TURNS[:2])],
        codes={"tillit": ["gjensidig tillit", "mistillit"], "autonomi": ["handlingsrom", "skjønn"]},
        cases={"Informant 1": {"ledermodell": "enleder", "linje": "stat"},
               "Informant 2": {"ledermodell": "toleder", "linje": "kommune"}},
        codings=[CodingSpec("kari.txt", 1, "tillit/gjensidig tillit", "ingrid"),
                 CodingSpec("kari.txt", "handlingsrom", "autonomi/handlingsrom", "ingrid"),
                 CodingSpec("ola.txt", 1, "tillit/gjensidig tillit", "martin")],
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def project(make_project):  # type: ignore[no-untyped-def]
    return make_project(_spec())


def _suggest(engine, segment_id: int, code_id: int, score: float, evidence: list[str]) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        row = Suggestion(segment_id=segment_id, code_id=code_id, score=score, evidence=evidence, model_version="t1")
        s.add(row)
        s.flush()
        return row.id


def test_document_view_gives_turns_with_roles_and_the_codings_that_overlap_them(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    view = workbench.document_view(engine, ids["documents"]["kari.txt"])
    assert view.case == "Informant 1"
    assert view.attributes == {"ledermodell": "enleder", "linje": "stat"}
    assert [s.speaker_role for s in view.segments] == ["interviewer", "participant", "interviewer", "participant"]
    assert view.segments[0].is_interviewer and not view.segments[1].is_interviewer
    assert view.segments[1].text == TURNS[1][2]
    assert [m.code_path for m in view.segments[1].marks] == ["tillit/gjensidig tillit"]
    assert [m.code_path for m in view.segments[3].marks] == ["autonomi/handlingsrom"]
    assert view.segments[3].marks[0].text == "handlingsrom"
    assert view.segments[0].marks == ()


def test_document_view_of_an_unknown_document_names_it(project) -> None:  # type: ignore[no-untyped-def]
    engine, _ = project
    with pytest.raises(NotFoundError, match="document id 999"):
        workbench.document_view(engine, 999)


def test_highlight_runs_split_text_where_codings_start_and_end() -> None:
    text = "Lederen gir oss handlingsrom i hver sak."
    offset = 100
    a = workbench.CodingMark(1, 1, "a/x", "#4E79A7", "ingrid", 116, 128, "manual", None, "handlingsrom")
    b = workbench.CodingMark(2, 2, "a/y", "#F28E2B", "ingrid", 100, 139, "manual", None, text[:39])
    runs = workbench.highlight_runs(text, offset, [a, b])
    assert "".join(r.text for r in runs) == text
    assert [(r.text, [m.coding_id for m in r.marks]) for r in runs] == [
        ("Lederen gir oss ", [2]), ("handlingsrom", [1, 2]), (" i hver sak", [2]), (".", []),
    ]
    assert workbench.highlight_runs("uten koder", 0, []) == [workbench.Run("uten koder", ())]


def test_safe_colour_lets_only_hex_colours_into_styles() -> None:
    assert workbench.safe_colour("#4E79A7") == "#4E79A7"
    assert workbench.safe_colour("red;background:url(x)") == workbench.FALLBACK_COLOUR
    assert workbench.safe_colour(None) == workbench.FALLBACK_COLOUR


def test_apply_code_stamps_the_coder_and_remove_coding_deletes_it(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    doc = ids["documents"]["kari.txt"]
    seg = workbench.document_view(engine, doc).segments[3]
    code = ids["codes"]["autonomi/skjønn"]
    before = workbench.data_version(engine)
    coding_id = workbench.apply_code(engine, doc, seg.start, seg.end, code, "kari", memo="tydelig")
    assert workbench.data_version(engine) != before
    with session_scope(engine) as s:
        coding = s.get(Coding, coding_id)
        assert (coding.coder.name, coding.source, coding.memo, coding.text) == ("kari", "manual", "tydelig", seg.text)
    workbench.set_coding_memo(engine, coding_id, "endret", "kari")
    assert [m.memo for m in workbench.document_view(engine, doc).segments[3].marks if m.coder == "kari"] == ["endret"]
    workbench.remove_coding(engine, coding_id, "kari")
    with session_scope(engine) as s:
        assert s.get(Coding, coding_id) is None


def test_apply_code_needs_a_coder_name(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    with pytest.raises(InputError, match="coder name"):
        workbench.apply_code(engine, ids["documents"]["kari.txt"], 0, 5, ids["codes"]["tillit/mistillit"], "  ")


def test_document_memo_is_kept_per_coder(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    doc = ids["documents"]["ola.txt"]
    workbench.set_document_memo(engine, doc, "Kort intervju.", "kari")
    workbench.set_document_memo(engine, doc, "Mye om tillit.", "martin")
    assert workbench.document_view(engine, doc).memos == {"kari": "Kort intervju.", "martin": "Mye om tillit."}


def test_word_positions_are_document_offsets() -> None:
    words = workbench.word_positions("Vi stoler, ja.", 10)
    assert words == [("Vi", 10, 12), ("stoler", 13, 19), ("ja", 21, 23)]


def test_code_choices_put_children_after_their_parent_and_hide_retired_codes(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    with session_scope(engine) as s:
        parent = s.get(Code, ids["codes"]["tillit/gjensidig tillit"])
        s.add(Code(codebook_id=parent.codebook_id, parent_id=parent.id, name="mellom kolleger", position=9))
        s.get(Code, ids["codes"]["tillit/mistillit"]).retired = True
    paths = [c.path for c in workbench.code_choices(engine)]
    assert paths == ["autonomi/handlingsrom", "autonomi/skjønn", "tillit/gjensidig tillit",
                     "tillit/mellom kolleger"]
    assert "tillit/mistillit" in [c.path for c in workbench.code_choices(engine, include_retired=True)]


def test_codebook_views_count_codings_per_code(project) -> None:  # type: ignore[no-untyped-def]
    engine, _ = project
    views = {v.name: v for v in workbench.codebook_views(engine)}
    counts = {c.info.name: c.codings for c in views["tillit"].codes}
    assert counts == {"gjensidig tillit": 2, "mistillit": 0}


def test_project_summary_and_document_choices(project) -> None:  # type: ignore[no-untyped-def]
    engine, _ = project
    summary = workbench.project_summary(engine)
    assert (summary.documents, summary.cases, summary.segments, summary.codings, summary.coders) == (2, 2, 6, 3, 2)
    choices = workbench.document_choices(engine)
    assert [(c.name, c.case, c.segments, c.codings) for c in choices] == [
        ("kari.txt", "Informant 1", 4, 2), ("ola.txt", "Informant 2", 2, 1)]
    assert choices[0].label == "kari.txt (Informant 1)"


def test_case_attribute_edits_are_found_and_saved_all_or_nothing(project) -> None:  # type: ignore[no-untyped-def]
    engine, _ = project
    before = workbench.case_attribute_table(engine)
    assert list(before.columns) == ["case", "documents", "ledermodell", "linje"]
    after = before.copy()
    after.loc[after["case"] == "Informant 2", "linje"] = "stat"
    after["region"] = ["Nord", ""]
    changes = workbench.attribute_changes(before, after)
    assert changes == [workbench.AttributeChange("Informant 1", "region", "Nord"),
                       workbench.AttributeChange("Informant 2", "linje", "stat")]
    assert workbench.save_case_attributes(engine, changes, actor="kari") == 2
    table = workbench.case_attribute_table(engine).set_index("case")
    assert table.loc["Informant 2", "linje"] == "stat" and table.loc["Informant 1", "region"] == "Nord"
    bad = [workbench.AttributeChange("Informant 1", "linje", "kommune"),
           workbench.AttributeChange("Ukjent", "linje", "stat")]
    with pytest.raises(NotFoundError, match="Ukjent"):
        workbench.save_case_attributes(engine, bad)
    assert workbench.case_attribute_table(engine).set_index("case").loc["Informant 1", "linje"] == "stat"


def test_import_uploads_imports_each_file_under_its_own_name_and_reports_failures(tmp_path: Path) -> None:
    engine = workbench.open_project(tmp_path / "p.sqlite")
    text = "Intervjuer: Hva gjør du?\nInformant: Jeg jobber i NAV.\nIntervjuer: Takk.\nInformant: Bare hyggelig.\n"
    meta = b"file,case,ledermodell\nlise.txt,Informant 9,toleder\n"
    seen: list[str] = []
    results = workbench.import_uploads(
        engine, [("lise.txt", text.encode()), ("tom.pdf", b"not a pdf")], meta=("meta.csv", meta),
        progress=lambda r: seen.append(r.status))
    assert [(r.path.name, r.status) for r in results] == [("lise.txt", "imported"), ("tom.pdf", "failed")]
    assert seen == ["imported", "failed"] and "tom.pdf" in results[1].message
    assert [d.name for d in workbench.document_choices(engine)] == ["lise.txt"]
    assert workbench.case_attribute_table(engine).loc[0, "ledermodell"] == "toleder"
    with pytest.raises(InputError, match="no files"):
        workbench.import_uploads(engine, [])


def test_decide_suggestion_accepts_into_a_coding_and_keeps_rejections(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    seg = ids["segments"]["kari.txt"][3]
    code = ids["codes"]["autonomi/skjønn"]
    accepted = _suggest(engine, seg, code, 0.8, ["skjønn"])
    rejected = _suggest(engine, seg, ids["codes"]["tillit/mistillit"], 0.3, ["sak"])
    pending = workbench.document_suggestions(engine, ids["documents"]["kari.txt"])
    assert [(s.code_path, s.score, s.evidence) for s in pending[seg]] == [
        ("autonomi/skjønn", 0.8, ("skjønn",)), ("tillit/mistillit", 0.3, ("sak",))]
    coding_id = workbench.decide_suggestion(engine, accepted, "accepted", "kari")
    assert workbench.decide_suggestion(engine, rejected, "rejected", "kari") is None
    with session_scope(engine) as s:
        coding = s.get(Coding, coding_id)
        segment = s.get(Segment, seg)
        assert (coding.source, coding.coder.name, coding.start, coding.end) == ("suggestion", "kari", segment.start,
                                                                               segment.end)
        rows = {r.id: r for r in s.scalars(select(Suggestion))}
        assert rows[accepted].status == "accepted" and rows[accepted].coding_id == coding_id
        assert rows[rejected].status == "rejected" and rows[rejected].decided_by.name == "kari"
    assert workbench.document_suggestions(engine, ids["documents"]["kari.txt"]) == {}
    with pytest.raises(InputError, match="decision"):
        workbench.decide_suggestion(engine, accepted, "maybe", "kari")


def test_next_suggestion_orders_by_uncertainty_or_confidence_with_context(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    segs = ids["segments"]["kari.txt"]
    sure = _suggest(engine, segs[1], ids["codes"]["tillit/mistillit"], 0.95, ["stoler"])
    unsure = _suggest(engine, segs[3], ids["codes"]["autonomi/skjønn"], 0.55, ["skjønn"])
    item = workbench.next_suggestion(engine, "uncertainty")
    assert item is not None and item.suggestion.id == unsure
    assert item.segment.text == TURNS[3][2] and item.before.text == TURNS[2][2] and item.after is None
    assert item.code.path == "autonomi/skjønn" and item.case == "Informant 1"
    assert workbench.next_suggestion(engine, "confidence").suggestion.id == sure  # type: ignore[union-attr]
    assert workbench.queue_status(engine) == workbench.QueueStatus(2, 0, 0, 0)
    workbench.decide_suggestion(engine, unsure, "skipped", "kari")
    assert workbench.queue_status(engine).skipped == 1
    assert workbench.next_suggestion(engine, "uncertainty").suggestion.id == sure  # type: ignore[union-attr]


def test_answer_summary_counts_answers_per_code(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    segs = ids["segments"]["kari.txt"]
    code = ids["codes"]["autonomi/skjønn"]
    a, b, _ = (_suggest(engine, segs[i], code, 0.7, []) for i in (1, 3, 0))
    workbench.decide_suggestion(engine, a, "accepted", "kari")
    workbench.decide_suggestion(engine, b, "rejected", "kari")
    report = workbench.answer_summary(engine)
    row = report.set_index("code_path").loc["autonomi/skjønn"]
    assert (row["suggestions"], row["accepted"], row["rejected"], row["pending"]) == (3, 1, 1, 1)
    assert row["precision"] == pytest.approx(0.5)


def test_coding_progress_per_document_and_coder(project) -> None:  # type: ignore[no-untyped-def]
    engine, _ = project
    frames = workbench.call(engine, project_frames)
    progress = workbench.coding_progress(frames.codings, frames.coded_segments, frames.segments)
    rows = {(r.document, r.coder): (r.codings, r.coded_segments, r.segments, r.share)
            for r in progress.itertuples(index=False)}
    assert rows == {("kari.txt", "ingrid"): (2, 2, 2, 1.0), ("ola.txt", "martin"): (1, 1, 1, 1.0)}
    empty = workbench.coding_progress(frames.codings.iloc[0:0], frames.coded_segments.iloc[0:0], frames.segments)
    assert empty["codings"].tolist() == [0, 0] and empty["share"].tolist() == [0.0, 0.0]


def test_cell_quotes_lists_the_codings_behind_a_group_with_attribution(project) -> None:  # type: ignore[no-untyped-def]
    engine, _ = project
    frames = workbench.call(engine, project_frames)
    quotes = workbench.cell_quotes(frames.codings, frames.cases, "ledermodell", "tillit/gjensidig tillit", "toleder")
    assert quotes["document"].tolist() == ["ola.txt"]
    assert quotes.loc[0, "attribution"] == "(Informant 2, toleder, kommune)"
    assert quotes.loc[0, "text"] == TURNS[1][2]
    everything = workbench.cell_quotes(frames.codings, frames.cases, "linje")
    assert sorted(everything["group"]) == ["kommune", "stat", "stat"]


def test_recent_events_are_newest_first(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    workbench.set_document_memo(engine, ids["documents"]["kari.txt"], "Første notat.", "kari")
    workbench.apply_code(engine, ids["documents"]["kari.txt"], 0, 6, ids["codes"]["tillit/mistillit"], "kari")
    events = workbench.recent_events(engine, limit=3)
    assert [e.kind for e in events] == ["coding.apply", "memo.set", "coder.create"]
    assert events[0].actor == "kari" and events[0].data["code"] == "tillit/mistillit"


@pytest.mark.parametrize(("alpha", "kappa", "expected"), [
    (0.85, None, "god"), (0.7, None, "akseptabel"), (0.3, None, "svak"), (-0.2, None, "dårligere"),
    (float("nan"), 0.5, "moderat"), (None, 0.9, "nesten perfekt"), (None, None, "kan ikke beregnes"),
])
def test_agreement_label_reads_the_coefficient(alpha: float | None, kappa: float | None, expected: str) -> None:
    assert workbench.agreement_label(alpha, kappa).startswith(expected)


def test_frame_bytes_writes_csv_json_and_xlsx() -> None:
    frame = pd.DataFrame({"kode": ["tillit/mistillit"], "antall": [3]})
    assert workbench.frame_bytes(frame, "csv").decode().splitlines() == ["kode,antall", "tillit/mistillit,3"]
    assert json.loads(workbench.frame_bytes(frame, "json")) == [{"kode": "tillit/mistillit", "antall": 3}]
    assert pd.read_excel(io.BytesIO(workbench.frame_bytes(frame, "xlsx"))).to_dict("records") == \
        [{"kode": "tillit/mistillit", "antall": 3}]


def test_answering_a_suggestion_changes_the_full_version_but_not_the_frames_version(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    sid = _suggest(engine, ids["segments"]["kari.txt"][3], ids["codes"]["autonomi/skjønn"], 0.6, [])
    workbench.set_document_memo(engine, ids["documents"]["kari.txt"], "Første lesning.", "kari")  # kari exists
    before = workbench.data_versions(engine)
    workbench.decide_suggestion(engine, sid, "rejected", "kari")
    after = workbench.data_versions(engine)
    assert after.full != before.full and after.frames == before.frames
    workbench.apply_code(engine, ids["documents"]["ola.txt"], 0, 5, ids["codes"]["tillit/mistillit"], "kari")
    assert workbench.data_versions(engine).frames != after.frames
