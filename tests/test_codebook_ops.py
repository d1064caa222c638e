"""Codebook management in the database: every operation keeps codings, logs an event, and fails clearly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from qualcode.codebook import CodebookSpec, load_codebooks, parse_codebook_text, shipped_codebook_dir
from qualcode.codebook_ops import (
    create_code,
    create_codebook,
    export_codebook,
    export_codebooks,
    import_codebook,
    import_codebook_report,
    merge_codes,
    move_code,
    rename_code,
    retire_code,
    split_code,
    update_code,
)
from qualcode.coding import apply_code, resolve_code
from qualcode.db.models import Code, Coding, Document, Event, Memo, Segment, Suggestion
from qualcode.db.session import open_engine, session_scope
from qualcode.errors import CodebookError, InputError, NotFoundError

BOOK = """\
name: arbeidsliv
description: Fiktiv kodebok for tester.
codes:
  - name: jobb
    definition: Alt om å ha en jobb.
    color: "#4E79A7"
    patterns: [jobb*]
    children:
      - name: deltid
        definition: Deltidsarbeid.
      - name: heltid
        definition: Heltidsarbeid.
  - name: fritid
    definition: Alt utenfor jobben.
  - name: helse
    definition: Helse og sykdom.
"""

TEXT = "Jeg jobber deltid på et lager. I helgene går jeg tur i skogen. Ryggen min verker etter vakta."


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = open_engine(tmp_path / "p.sqlite")
    with session_scope(engine) as s:
        import_codebook(s, parse_codebook_text(BOOK, "arbeidsliv.yaml"), actor="ingrid")
        s.add(Document(name="intervju1.txt", text=TEXT, sha256="0" * 64, format="txt"))
    return engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_scope(engine) as s:
        yield s


def code(s: Session, ref: str) -> Code:
    return resolve_code(s, ref)


def span(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


def coding(s: Session, word: str, ref: str, coder: str = "ingrid", memo: str | None = None) -> Coding:
    doc = s.scalar(select(Document))
    assert doc is not None
    start, end = span(word)
    return apply_code(s, doc.id, start, end, code(s, ref).id, coder, memo=memo)


def events(s: Session, kind: str) -> list[Event]:
    return list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


# --------------------------------------------------------------------------- import and export


def test_import_creates_the_tree_and_logs(session: Session) -> None:
    jobb = code(session, "arbeidsliv/jobb")
    assert [c.name for c in jobb.children] == ["deltid", "heltid"]
    assert code(session, "deltid").parent_id == jobb.id
    assert jobb.patterns == ["jobb*"]
    created = events(session, "codebook.create")
    imported = events(session, "codebook.import")
    assert len(created) == 1 and len(imported) == 1
    assert imported[0].actor == "ingrid"
    assert sorted(imported[0].data["created"]) == ["deltid", "fritid", "helse", "heltid", "jobb"]


def test_reimport_updates_by_name_and_keeps_codings(session: Session) -> None:
    kept = coding(session, "deltid", "deltid")
    changed = BOOK.replace("Deltidsarbeid.", "Arbeid i redusert stilling.").replace(
        "  - name: helse\n    definition: Helse og sykdom.\n", "")
    changed = changed.replace("      - name: deltid", "      - name: deltid\n        aliases: [redusert]")
    _book, summary = import_codebook_report(session, parse_codebook_text(changed, "v2.yaml"))
    assert summary.updated == ("deltid",)
    assert summary.deleted == ("helse",)
    assert "jobb" in summary.unchanged
    deltid = code(session, "deltid")
    assert deltid.definition == "Arbeid i redusert stilling." and deltid.aliases == ["redusert"]
    assert session.get(Coding, kept.id) is not None and session.get(Coding, kept.id).code_id == deltid.id  # type: ignore[union-attr]
    with pytest.raises(NotFoundError):
        code(session, "arbeidsliv/helse")


def test_reimport_retires_a_missing_code_that_has_codings(session: Session) -> None:
    coded = coding(session, "Ryggen min verker", "helse")
    without = BOOK.replace("  - name: helse\n    definition: Helse og sykdom.\n", "")
    _book, summary = import_codebook_report(session, parse_codebook_text(without, "v2.yaml"))
    assert summary.retired == ("helse",) and summary.deleted == ()
    helse = code(session, "helse")
    assert helse.retired
    assert session.get(Coding, coded.id) is not None
    spec = export_codebook(session, "arbeidsliv")
    assert spec.find("helse").retired


def test_reimport_can_move_a_code_to_another_parent(session: Session) -> None:
    moved = BOOK.replace("  - name: fritid\n    definition: Alt utenfor jobben.\n", "").replace(
        "        definition: Heltidsarbeid.\n",
        "        definition: Heltidsarbeid.\n      - name: fritid\n        definition: Alt utenfor jobben.\n")
    import_codebook(session, parse_codebook_text(moved, "v2.yaml"))
    assert code(session, "fritid").parent_id == code(session, "jobb").id


def test_export_round_trips_the_shipped_codebooks(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "shipped.sqlite")
    shipped = load_codebooks(shipped_codebook_dir())
    with session_scope(engine) as s:
        for spec in shipped:
            import_codebook(s, spec)
    with session_scope(engine) as s:
        exported = export_codebooks(s)
    assert exported == sorted(shipped, key=lambda spec: spec.name)


def test_export_of_an_unknown_codebook(session: Session) -> None:
    with pytest.raises(NotFoundError, match="unknown codebook 'nope' \\(codebooks: arbeidsliv\\)"):
        export_codebook(session, "nope")


# --------------------------------------------------------------------------- create, update, rename


def test_create_code_under_a_parent(session: Session) -> None:
    new = create_code(session, "arbeidsliv", "skift", parent="jobb", definition="Skiftarbeid.",
                      patterns=["skift*"], actor="martin")
    assert new.path == "arbeidsliv/skift" and new.parent_id == code(session, "jobb").id
    assert new.position == 2 and new.color.startswith("#")
    assert events(session, "code.create")[-1].data == {"code": "arbeidsliv/skift", "parent": "arbeidsliv/jobb"}
    assert export_codebook(session, "arbeidsliv").find("skift").patterns == ["skift*"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "Jobb"}, CodebookError, "already has a code 'jobb'"),
        ({"name": " "}, CodebookError, "code name is empty"),
        ({"name": "a/b"}, CodebookError, "must not contain '/'"),
        ({"name": "ny", "color": "grønn"}, CodebookError, "not a hex colour"),
        ({"name": "ny", "patterns": ["j*bb"]}, CodebookError, "pattern 'j\\*bb'"),
        ({"name": "ny", "parent": "finnes ikke"}, NotFoundError, "unknown code 'finnes ikke'"),
        ({"name": "ny", "codebook": "tull"}, NotFoundError, "unknown codebook 'tull'"),
    ],
)
def test_create_code_errors(session: Session, kwargs: dict[str, object], error: type[Exception], message: str) -> None:
    book = str(kwargs.pop("codebook", "arbeidsliv"))
    with pytest.raises(error, match=message):
        create_code(session, book, **kwargs)  # type: ignore[arg-type]


def test_create_codebook_and_name_clash(session: Session) -> None:
    create_codebook(session, "ny bok", "Tom.")
    assert events(session, "codebook.create")[-1].data == {"name": "ny bok"}
    with pytest.raises(CodebookError, match="already exists"):
        create_codebook(session, "Ny bok")


def test_update_code_logs_the_changes(session: Session) -> None:
    update_code(session, "fritid", definition="Tid utenfor arbeid.", color="#59a14f", actor="ingrid")
    fritid = code(session, "fritid")
    assert fritid.definition == "Tid utenfor arbeid." and fritid.color == "#59A14F"
    event = events(session, "code.update")[-1]
    assert event.data["changes"]["definition"]["new"] == "Tid utenfor arbeid."
    with pytest.raises(CodebookError, match="cannot set name"):
        update_code(session, "fritid", name="x")


def test_rename_keeps_codings_and_the_old_name_as_alias(session: Session) -> None:
    kept = coding(session, "deltid", "deltid")
    renamed = rename_code(session, "deltid", "deltidsarbeid", actor="ingrid")
    assert renamed.path == "arbeidsliv/deltidsarbeid" and renamed.aliases == ["deltid"]
    assert session.get(Coding, kept.id).code_id == renamed.id  # type: ignore[union-attr]
    assert resolve_code(session, "deltid").id == renamed.id
    event = events(session, "code.rename")[-1]
    assert event.data["old"] == "arbeidsliv/deltid" and event.data["new"] == "arbeidsliv/deltidsarbeid"


def test_rename_errors(session: Session) -> None:
    with pytest.raises(CodebookError, match="already has a code 'fritid'"):
        rename_code(session, "helse", "fritid")
    with pytest.raises(CodebookError, match="already called"):
        rename_code(session, "helse", "helse")
    with pytest.raises(NotFoundError, match="unknown code 'tull'"):
        rename_code(session, "tull", "noe")


# --------------------------------------------------------------------------- move


def test_move_under_a_new_parent_and_back_to_top(session: Session) -> None:
    kept = coding(session, "helgene", "fritid")
    moved = move_code(session, "fritid", "jobb", actor="ingrid")
    assert moved.parent_id == code(session, "jobb").id and moved.position == 2
    top = move_code(session, "fritid", None)
    assert top.parent_id is None
    assert session.get(Coding, kept.id).code_id == moved.id  # type: ignore[union-attr]
    data = events(session, "code.move")[0].data
    assert data["old_parent"] is None and data["new_parent"] == "arbeidsliv/jobb"


def test_move_to_another_codebook_takes_the_subtree(session: Session) -> None:
    kept = coding(session, "deltid", "deltid")
    create_codebook(session, "arbeidstid")
    moved = move_code(session, "jobb", codebook="arbeidstid")
    assert moved.path == "arbeidstid/jobb"
    assert code(session, "arbeidstid/deltid").parent_id == moved.id
    assert session.get(Coding, kept.id).code_id == code(session, "arbeidstid/deltid").id  # type: ignore[union-attr]
    assert [c.name for c in export_codebook(session, "arbeidsliv").codes] == ["fritid", "helse"]


@pytest.mark.parametrize(
    ("ref", "parent", "book", "message"),
    [
        ("jobb", "deltid", None, "under its own sub-code 'arbeidsliv/deltid'"),
        ("jobb", "jobb", None, "under itself"),
        ("deltid", "jobb", None, "already there"),
        ("jobb", "fritid", "annen", "not in codebook 'annen'"),
    ],
)
def test_move_errors(session: Session, ref: str, parent: str, book: str | None, message: str) -> None:
    with pytest.raises(CodebookError, match=message):
        move_code(session, ref, parent, codebook=book)


def test_move_refuses_a_name_clash_in_the_other_codebook(session: Session) -> None:
    create_codebook(session, "annen")
    create_code(session, "annen", "heltid")
    with pytest.raises(CodebookError, match="'annen' already has a code 'heltid'"):
        move_code(session, "jobb", codebook="annen")
    assert code(session, "arbeidsliv/jobb").codebook.name == "arbeidsliv"


# --------------------------------------------------------------------------- merge


def test_merge_moves_codings_and_collapses_duplicates(session: Session) -> None:
    same_span_a = coding(session, "deltid", "deltid", memo="usikker")
    same_span_b = coding(session, "deltid", "heltid")
    other_coder = coding(session, "deltid", "deltid", coder="martin")
    only_source = coding(session, "lager", "deltid")
    doc = session.scalar(select(Document))
    segment = Segment(document_id=doc.id, ordinal=0, start=0, end=len(TEXT))  # type: ignore[union-attr]
    session.add(segment)
    session.flush()
    session.add_all([
        Suggestion(segment_id=segment.id, code_id=code(session, "deltid").id, score=0.8, model_version="t"),
        Suggestion(segment_id=segment.id, code_id=code(session, "heltid").id, score=0.6, model_version="t"),
    ])
    session.add(Memo(target_type="code", target_id=code(session, "deltid").id, text="Notat om deltid."))
    session.flush()

    result = merge_codes(session, "deltid", "heltid", actor="ingrid")
    heltid = code(session, "heltid")
    assert (result.moved, result.collapsed, result.source_deleted) == (2, 1, False)
    assert session.get(Coding, same_span_a.id) is None
    assert session.get(Coding, same_span_b.id).memo == "usikker"  # type: ignore[union-attr]
    for kept in (other_coder, only_source):
        assert session.get(Coding, kept.id).code_id == heltid.id  # type: ignore[union-attr]
    assert len(session.scalars(select(Suggestion).where(Suggestion.code_id == heltid.id)).all()) == 1
    assert session.scalar(select(Memo).where(Memo.target_type == "code")).target_id == heltid.id  # type: ignore[union-attr]
    assert code(session, "arbeidsliv/deltid").retired
    assert "deltid" in heltid.aliases
    assert events(session, "code.merge")[-1].data["collapsed"] == 1


def test_merge_can_delete_the_source_and_takes_its_children(session: Session) -> None:
    kept = coding(session, "deltid", "deltid")
    result = merge_codes(session, "jobb", "fritid", delete_source=True)
    assert result.source_deleted
    fritid = code(session, "fritid")
    assert sorted(c.name for c in fritid.children) == ["deltid", "heltid"]
    assert session.get(Coding, kept.id) is not None
    assert session.scalar(select(Code).where(Code.name == "jobb")) is None


def test_merge_errors(session: Session) -> None:
    with pytest.raises(CodebookError, match="cannot merge 'arbeidsliv/helse' into itself"):
        merge_codes(session, "helse", "helse")
    with pytest.raises(CodebookError, match="into its own sub-code"):
        merge_codes(session, "jobb", "deltid")
    with pytest.raises(NotFoundError):
        merge_codes(session, "helse", "tull")


# --------------------------------------------------------------------------- split and retire


def test_split_creates_children_and_reassigns_chosen_codings(session: Session) -> None:
    first = coding(session, "helgene", "fritid")
    second = coding(session, "skogen", "fritid")
    new = split_code(session, "fritid", ["helg", "natur"], reassign={"natur": [second.id]}, actor="ingrid")
    fritid = code(session, "fritid")
    assert [c.path for c in new] == ["arbeidsliv/helg", "arbeidsliv/natur"]
    assert all(c.parent_id == fritid.id for c in new)
    assert session.get(Coding, first.id).code_id == fritid.id  # type: ignore[union-attr]
    assert session.get(Coding, second.id).code_id == new[1].id  # type: ignore[union-attr]
    assert events(session, "code.split")[-1].data["reassigned"] == {"natur": 1}


def test_split_as_siblings(session: Session) -> None:
    new = split_code(session, "deltid", ["kort deltid", "lang deltid"], as_children=False)
    assert all(c.parent_id == code(session, "jobb").id for c in new)


def test_split_errors(session: Session) -> None:
    foreign = coding(session, "lager", "jobb")
    with pytest.raises(CodebookError, match="already has a code 'helse'"):
        split_code(session, "fritid", ["helse"])
    with pytest.raises(CodebookError, match="given twice"):
        split_code(session, "fritid", ["a", "A"])
    with pytest.raises(CodebookError, match=f"coding {foreign.id} is not coded with this code"):
        split_code(session, "fritid", ["a"], reassign={"a": [foreign.id]})
    with pytest.raises(CodebookError, match="at least one"):
        split_code(session, "fritid", [])


def test_retire_keeps_codings_and_blocks_new_ones(session: Session) -> None:
    kept = coding(session, "Ryggen", "helse")
    retire_code(session, "helse", actor="ingrid")
    assert session.get(Coding, kept.id) is not None
    with pytest.raises(InputError, match="retired"):
        coding(session, "verker", "helse")
    assert events(session, "code.retire")[-1].data == {"code": "arbeidsliv/helse", "codings": 1}
    with pytest.raises(CodebookError, match="already retired"):
        retire_code(session, "helse")
    retire_code(session, "helse", retired=False)
    assert not code(session, "helse").retired
    assert events(session, "code.unretire")


def test_spec_export_is_a_valid_file(session: Session, tmp_path: Path) -> None:
    from qualcode.codebook import dump_codebook, load_codebook

    create_code(session, "arbeidsliv", "skift", parent="jobb")
    spec = export_codebook(session, "arbeidsliv")
    again = load_codebook(dump_codebook(spec, tmp_path / "arbeidsliv.yaml"))
    assert isinstance(again, CodebookSpec) and again == spec
