"""The Streamlit workbench under AppTest: every page renders, and the main actions change the database.

Each page's ``render()`` runs inside the app frame through ``qualcode.ui.app.render_page`` (a small
AppTest script); one test runs the real entry point ``app.py`` with ``st.navigation``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CodingSpec, DocSpec, ProjectSpec
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from qualcode import workbench
from qualcode.db.models import Code, Coding, Document, Suggestion
from qualcode.db.session import open_engine, session_scope
from qualcode.ui.app import PAGES

ROOT = Path(__file__).resolve().parents[1]
PAGE_NAMES = [p.name for p in PAGES]
CODER = "testkoder"

HOSTILE = [
    ("Intervjuer", "interviewer", "Hva skjer når noen skriver <b>fet</b> tekst?"),
    ("Informant", "participant", "Vi stoler på lederen. <script>window.hacked = 1</script> Det er sant."),
    ("Intervjuer", "interviewer", "Og bildet?"),
    ("Informant", "participant", 'Handlingsrommet er stort <img src=x onerror="alert(1)"> her hos oss.'),
]


def _page(name: str) -> None:  # the AppTest script: one page inside the app frame
    from qualcode.ui.app import render_page

    render_page(name)


def _backup(source: Path, target: Path) -> Path:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


@pytest.fixture(autouse=True)
def _debug(monkeypatch: pytest.MonkeyPatch) -> None:
    # unexpected exceptions surface in at.exception instead of the calm on-screen message
    monkeypatch.setenv("QUALCODE_DEBUG", "1")


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from qualcode.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    build_demo(path)
    return _backup(path, path.with_name("demo-copy.sqlite"))


@pytest.fixture
def demo_db(demo_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = _backup(demo_source, tmp_path / "demo.sqlite")
    monkeypatch.setenv("QUALCODE_DB", str(db))
    return db


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "empty.sqlite"
    open_engine(db)
    monkeypatch.setenv("QUALCODE_DB", str(db))
    return db


@pytest.fixture
def small_db(make_project, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, dict]]:  # type: ignore[no-untyped-def]
    spec = ProjectSpec(
        documents=[DocSpec("uro.txt", "Informant 1", HOSTILE), DocSpec("ro.txt", "Informant 2", HOSTILE[:2])],
        codes={"tillit": ["gjensidig tillit", "mistillit"], "autonomi": ["handlingsrom"]},
        cases={"Informant 1": {"ledermodell": "enleder"}, "Informant 2": {"ledermodell": "toleder"}},
        codings=[CodingSpec("uro.txt", 1, "tillit/gjensidig tillit", "ingrid")],
    )
    engine, ids = make_project(spec)
    db = Path(engine.url.database)
    monkeypatch.setenv("QUALCODE_DB", str(db))
    yield db, ids


def run_page(name: str, coder: str = CODER, **state: object) -> AppTest:
    at = AppTest.from_function(_page, args=(name,), default_timeout=60)
    at.session_state["qc_coder"] = coder
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _engine(db: Path):  # type: ignore[no-untyped-def]
    return open_engine(db)


def _codings(db: Path, coder: str = CODER) -> list[tuple[str, int, int, str, str]]:
    with session_scope(_engine(db)) as s:
        rows = s.scalars(select(Coding)).all()
        return sorted((c.code.path, c.start, c.end, c.source, c.text) for c in rows if c.coder.name == coder)


# --------------------------------------------------------------------------- every page renders


@pytest.mark.parametrize("page", PAGE_NAMES)
def test_every_page_renders_on_an_empty_project(empty_db: Path, page: str) -> None:
    at = run_page(page)
    assert_clean(at)
    assert at.title and at.title[0].value


@pytest.mark.parametrize("page", PAGE_NAMES)
def test_every_page_renders_on_the_demo_project(demo_db: Path, page: str) -> None:
    at = run_page(page)
    assert_clean(at)
    assert at.sidebar.text_input(key="qc_coder").value == CODER


def test_the_entry_point_lands_in_the_coding_page_with_navigation(demo_db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert_clean(at)
    assert at.title[0].value == "Koding"
    assert "16 dokumenter" in " ".join(c.value for c in at.sidebar.caption)


def test_the_streamlit_app_file_run_by_the_cli_runs_the_same_app(empty_db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "qualcode" / "ui" / "streamlit_app.py"), default_timeout=60).run()
    assert_clean(at)
    assert at.title[0].value == "Koding"
    assert any("Prosjekt og import" in i.value for i in at.info)


# --------------------------------------------------------------------------- Koding


def test_transcript_text_is_escaped_so_no_html_or_script_from_a_transcript_runs(small_db) -> None:  # type: ignore[no-untyped-def]
    _, ids = small_db
    at = run_page("koding", koding_doc=ids["documents"]["uro.txt"])
    assert_clean(at)
    bodies = [h.proto.body for h in at.get("html")]
    joined = "\n".join(bodies)
    assert "&lt;script&gt;window.hacked = 1&lt;/script&gt;" in joined
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in joined
    assert "&lt;b&gt;fet&lt;/b&gt;" in joined
    lowered = joined.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<b>" not in lowered


def test_applying_a_code_to_a_segment_stores_a_coding_stamped_with_the_sidebar_coder(small_db) -> None:  # type: ignore[no-untyped-def]
    db, ids = small_db
    code_id = ids["codes"]["autonomi/handlingsrom"]
    at = run_page("koding")
    segment = ids["segments"]["ro.txt"][1]  # "ro.txt" sorts first; its first participant turn is selected
    at.selectbox(key="koding_code").set_value(code_id).run()
    at.button(key="koding_apply").click().run()
    assert_clean(at)
    with session_scope(_engine(db)) as s:
        doc = s.scalar(select(Document).where(Document.name == "ro.txt"))
        seg = next(x for x in doc.segments if x.id == segment)
        expected = ("autonomi/handlingsrom", seg.start, seg.end, "manual", doc.text[seg.start:seg.end])
    assert _codings(db) == [expected]
    assert "handlingsrom" in [b.label for b in at.button]  # offered again under "recently used"


def test_coding_part_of_a_segment_uses_the_chosen_words(small_db) -> None:  # type: ignore[no-untyped-def]
    db, ids = small_db
    segment = ids["segments"]["ro.txt"][1]
    at = run_page("koding")
    at.select_slider(key=f"koding_span_{segment}").set_value((1, 3)).run()
    at.selectbox(key="koding_code").set_value(ids["codes"]["tillit/gjensidig tillit"]).run()
    at.button(key="koding_apply").click().run()
    assert_clean(at)
    assert [c[4] for c in _codings(db)] == ["stoler på lederen"]


def test_removing_your_own_coding(small_db) -> None:  # type: ignore[no-untyped-def]
    db, ids = small_db
    doc = ids["documents"]["uro.txt"]
    at = run_page("koding", koding_doc=doc)
    at.selectbox(key="koding_code").set_value(ids["codes"]["tillit/mistillit"]).run()
    at.button(key="koding_apply").click().run()
    [(_, start, end, _, _)] = _codings(db)
    with session_scope(_engine(db)) as s:
        coding_id = s.scalar(select(Coding.id).where(Coding.start == start, Coding.end == end,
                                                     Coding.code_id == ids["codes"]["tillit/mistillit"]))
    assert not [b for b in at.button if b.key and b.key.startswith("koding_remove_") and b.key != f"koding_remove_{coding_id}"]
    at.button(key=f"koding_remove_{coding_id}").click().run()
    assert_clean(at)
    assert _codings(db) == []
    assert _codings(db, "ingrid")  # someone else's coding is untouched


def test_without_a_coder_name_the_page_asks_for_one_and_codes_nothing(small_db) -> None:  # type: ignore[no-untyped-def]
    db, _ = small_db
    at = run_page("koding", coder="")
    assert at.button(key="koding_apply").disabled
    assert any("Koder" in w.value for w in at.warning)
    assert _codings(db, "") == []


def _add_suggestion(db: Path, segment_id: int, code_id: int, score: float) -> int:
    with session_scope(_engine(db)) as s:
        row = Suggestion(segment_id=segment_id, code_id=code_id, score=score, evidence=["stoler"], model_version="t")
        s.add(row)
        s.flush()
        return row.id


def _status(db: Path, suggestion_id: int) -> tuple[str, str | None]:
    with session_scope(_engine(db)) as s:
        row = s.get(Suggestion, suggestion_id)
        return row.status, row.decided_by.name if row.decided_by else None


def test_accepting_a_suggestion_beside_the_transcript_codes_the_segment(small_db) -> None:  # type: ignore[no-untyped-def]
    db, ids = small_db
    segment = ids["segments"]["ro.txt"][1]
    sid = _add_suggestion(db, segment, ids["codes"]["tillit/mistillit"], 0.71)
    at = run_page("koding")
    assert any("71 %" in h.proto.body and "stoler" in h.proto.body for h in at.get("html"))
    at.button(key=f"sugg_accept_{sid}").click().run()
    assert_clean(at)
    assert _status(db, sid) == ("accepted", CODER)
    assert [(c[0], c[3]) for c in _codings(db)] == [("tillit/mistillit", "suggestion")]


def test_rejecting_a_suggestion_keeps_it_as_rejected_without_a_coding(small_db) -> None:  # type: ignore[no-untyped-def]
    db, ids = small_db
    sid = _add_suggestion(db, ids["segments"]["ro.txt"][1], ids["codes"]["tillit/mistillit"], 0.4)
    at = run_page("koding")
    at.button(key=f"sugg_reject_{sid}").click().run()
    assert_clean(at)
    assert _status(db, sid) == ("rejected", CODER)
    assert _codings(db) == []


def test_document_memo_is_saved(small_db) -> None:  # type: ignore[no-untyped-def]
    db, ids = small_db
    doc = ids["documents"]["ro.txt"]
    at = run_page("koding")
    at.text_area(key=f"koding_doc_memo_text_{doc}").input("Kort, men tydelig om tillit.")
    next(b for b in at.button if b.label == "Lagre dokumentnotat").click().run()
    assert_clean(at)
    assert workbench.document_view(_engine(db), doc).memos == {CODER: "Kort, men tydelig om tillit."}


# --------------------------------------------------------------------------- Forslag


def test_review_queue_accepts_rejects_and_skips_one_suggestion_at_a_time(small_db) -> None:  # type: ignore[no-untyped-def]
    db, ids = small_db
    segs = ids["segments"]["uro.txt"]
    unsure = _add_suggestion(db, segs[1], ids["codes"]["tillit/mistillit"], 0.52)
    middle = _add_suggestion(db, segs[3], ids["codes"]["autonomi/handlingsrom"], 0.7)
    sure = _add_suggestion(db, segs[1], ids["codes"]["autonomi/handlingsrom"], 0.95)
    at = run_page("forslag")
    assert_clean(at)
    assert "0 av 3 besvart" in at.get("progress")[0].proto.text
    at.button(key="forslag_reject").click().run()
    assert _status(db, unsure) == ("rejected", CODER)
    at.button(key="forslag_accept").click().run()
    assert _status(db, middle) == ("accepted", CODER)
    at.button(key="forslag_skip").click().run()
    assert _status(db, sure) == ("skipped", CODER)
    assert_clean(at)
    assert any("Ingen ventende forslag" in s.value for s in at.success)
    assert [c[0] for c in _codings(db)] == ["autonomi/handlingsrom"]


def test_review_queue_orders_by_confidence_when_asked(small_db) -> None:  # type: ignore[no-untyped-def]
    db, ids = small_db
    segs = ids["segments"]["uro.txt"]
    _add_suggestion(db, segs[1], ids["codes"]["tillit/mistillit"], 0.52)
    sure = _add_suggestion(db, segs[3], ids["codes"]["autonomi/handlingsrom"], 0.95)
    at = run_page("forslag", forslag_order="confidence")
    at.button(key="forslag_accept").click().run()
    assert _status(db, sure) == ("accepted", CODER)


# --------------------------------------------------------------------------- Sammenligning


def _table_columns(at: AppTest) -> list[str]:
    return [list(d.value.columns) for d in at.dataframe][0]


def test_comparison_defaults_to_ledermodell_and_follows_a_new_attribute(demo_db: Path) -> None:
    at = run_page("sammenligning", sml_tabs="Tabell")
    assert_clean(at)
    assert at.selectbox(key="sml_attribute").value == "ledermodell"
    assert _table_columns(at) == ["Kode", "enleder", "toleder"]
    assert at.selectbox(key="sml_cell_group").value in ("enleder", "toleder")
    quotes_before = [c.value for c in at.caption if "kodet av" in c.value]
    assert quotes_before and all(("enleder" in q) or ("toleder" in q) for q in quotes_before)
    at.selectbox(key="sml_attribute").set_value("linje").run()
    assert_clean(at)
    assert _table_columns(at) == ["Kode", "kommune", "stat"]
    assert at.selectbox(key="sml_cell_group").options == ["kommune", "stat"]
    assert any("linje = " in c.value for c in at.caption)


def test_comparison_lists_the_quotes_behind_a_chosen_cell(demo_db: Path) -> None:
    at = run_page("sammenligning")
    at.selectbox(key="sml_cell_code").set_value("likeverd/ledermodell").run()
    at.selectbox(key="sml_cell_group").set_value("toleder").run()
    assert_clean(at)
    attributions = [c.value for c in at.caption if "kodet av" in c.value]
    assert attributions and all("toleder" in a for a in attributions)
    quotes = [h.proto.body for h in at.get("html") if h.proto.body.startswith("<blockquote")]
    assert len(quotes) == len(attributions)


# --------------------------------------------------------------------------- Prosjekt, Kodebok, Veileder, Eksport


def test_uploading_transcripts_imports_them_and_shows_per_file_results(empty_db: Path) -> None:
    at = run_page("prosjekt", prosjekt_tabs="Importer")
    text = "Intervjuer: Hvordan går det?\nInformant: Vi har god tillit her.\n"
    uploader = at.get("file_uploader")[0]
    uploader.set_value([("lise.txt", text.encode(), "text/plain"), ("feil.pdf", b"ikke pdf", "application/pdf")])
    at.button(key="FormSubmitter:prosjekt_import-Importer").click().run()
    assert not at.exception
    assert [d.name for d in workbench.document_choices(_engine(empty_db))] == ["lise.txt"]
    results = [d.value for d in at.dataframe if "Fil" in d.value.columns][0]
    assert results["Status"].tolist() == ["Importert", "Feilet"]
    assert any("1 av 2 filer" in e.value for e in at.error)


def test_creating_a_code_and_renaming_needs_confirmation(small_db) -> None:  # type: ignore[no-untyped-def]
    db, _ = small_db
    at = run_page("kodebok")
    next(w for w in at.text_input if w.label == "Navn på koden").input("skjønn")
    next(w for w in at.text_area if w.label == "Definisjon").input("Faglige vurderinger i enkeltsaker.")
    at.button(key="FormSubmitter:kodebok_create-Opprett kode").click().run()
    assert_clean(at)
    with session_scope(_engine(db)) as s:
        made = s.scalar(select(Code).where(Code.name == "skjønn"))
        assert made is not None and made.definition == "Faglige vurderinger i enkeltsaker."
    at.selectbox(key="kodebok_rename_code").set_value("tillit/mistillit")
    next(w for w in at.text_input if w.label == "Nytt navn").input("mangel på tillit")
    at.button(key="FormSubmitter:kodebok_rename-Gi nytt navn").click().run()
    assert any("bekrefte" in w.value for w in at.warning)
    with session_scope(_engine(db)) as s:
        assert s.scalar(select(Code).where(Code.name == "mistillit")) is not None


def _tab(at: AppTest, key: str, label: str) -> AppTest:
    at.session_state[key] = label
    return at.run()


def _frame_with(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_supervisor_sees_agreement_with_interpretation_progress_and_recent_activity(demo_db: Path) -> None:
    at = run_page("veileder")
    assert_clean(at)
    assert "Kodebok" in _frame_with(at, "Kodebok").columns
    _tab(at, "veileder_tabs", "Enighet mellom kodere")
    assert_clean(at)
    agreement = _frame_with(at, "Tolkning")
    assert len(agreement) > 5 and agreement["Tolkning"].str.len().min() > 3
    _tab(at, "veileder_tabs", "Fremdrift")
    assert set(_frame_with(at, "Andel kodet")["Koder"]) >= {"ingrid", "martin"}
    _tab(at, "veileder_tabs", "Siste aktivitet")
    assert_clean(at)
    assert _frame_with(at, "Hva")["Hva"].notna().all()


def test_export_page_offers_every_download(demo_db: Path) -> None:
    at = run_page("eksport")
    assert_clean(at)
    keys = {b.key for b in at.get("download_button")}
    assert {"eksport_codings", "eksport_segments", "eksport_cases", "eksport_documents", "eksport_frequencies",
            "eksport_presence", "eksport_cooccurrence", "eksport_matrix", "eksport_stats", "eksport_agreement",
            "eksport_codebooks_yaml", "eksport_codebooks_json"} <= keys
    assert len([k for k in keys if k.startswith("eksport_report_")]) == 3


def test_training_on_the_demo_makes_suggestions_that_can_be_accepted(demo_db: Path) -> None:
    at = run_page("forslag", forslag_tabs="Tren på nytt")
    at.button(key="forslag_train").click().run()
    assert_clean(at)
    status = workbench.queue_status(_engine(demo_db))
    assert status.pending > 0
    _tab(at, "forslag_tabs", "Gjennomgang")
    at.button(key="forslag_accept").click().run()
    assert_clean(at)
    assert workbench.queue_status(_engine(demo_db)).accepted == 1
    assert [c[3] for c in _codings(demo_db)] == ["suggestion"]
    _tab(at, "forslag_tabs", "Modellen som koder")
    at.toggle(key="forslag_show_report").set_value(True).run()
    assert_clean(at)
    report = _frame_with(at, "Kappa")
    assert len(report) >= 20 and set(report["Modell"]) <= {"learned", "patterns"}


TABS = [("prosjekt", "prosjekt_tabs", t) for t in ("Dokumenter", "Importer", "Informanter og egenskaper")] + \
    [("sammenligning", "sml_tabs", t) for t in ("Diagram", "Tabell", "Statistikk", "Samforekomst", "Rammeverk")] + \
    [("veileder", "veileder_tabs", t) for t in ("Kategorier", "Fremdrift", "Enighet mellom kodere",
                                                 "Siste aktivitet")] + \
    [("forslag", "forslag_tabs", t) for t in ("Gjennomgang", "Tren på nytt", "Modellen som koder")]


@pytest.mark.parametrize(("page", "key", "tab"), TABS)
def test_every_tab_renders_on_the_demo_project(demo_db: Path, page: str, key: str, tab: str) -> None:
    at = run_page(page, **{key: tab})
    assert_clean(at)
    assert at.session_state[key] == tab


def test_export_page_searches_the_interviews_by_lemma(demo_db: Path) -> None:
    at = run_page("eksport")
    at.text_input(key="eksport_query").input("målekort").run()
    assert_clean(at)
    hits = _frame_with(at, "Ord")
    assert len(hits) > 5 and all(w.lower().startswith("målekort") for w in hits["Ord"])
    assert "eksport_search" in {b.key for b in at.get("download_button")}


def test_streamlit_config_file_and_command_line_flags_agree() -> None:
    import tomllib

    from qualcode.ui import STREAMLIT_OPTIONS, streamlit_flags

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    flat = {f"{section}.{key}": value for section, values in config.items() for key, value in values.items()}
    assert flat.pop("server.address") == "127.0.0.1"
    assert {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in flat.items()} == STREAMLIT_OPTIONS
    assert streamlit_flags()[:2] == ["--browser.gatherUsageStats", "false"]
