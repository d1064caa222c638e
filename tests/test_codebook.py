"""Codebook files: the shipped four, round trips, and one-line validation errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qualcode.codebook import (
    CODEBOOKS_ENV,
    CodebookSpec,
    CodeSpec,
    check_pattern,
    codebook_to_dict,
    dump_codebook,
    load_codebook,
    load_codebooks,
    parse_codebook_text,
    shipped_codebook_dir,
)
from qualcode.errors import CodebookError, NotFoundError

SHIPPED = {
    "tillit": ["gjensidig tillit", "tillit mot kontroll", "tillit på tvers av linjene", "brukernes tillit",
               "tillitsbasert styring", "mistillit"],
    "autonomi": ["handlingsrom", "skjønn", "lokal autonomi", "begrensninger", "ansvar og selvstendighet"],
    "måling": ["mål- og resultatstyring", "målekort og indikatorer", "rapportering og dokumentasjon",
               "målforskyvning", "hva bør måles", "budsjettstyring"],
    "likeverd": ["partnerskap", "ledermodell", "ubalanse mellom linjene", "felles arenaer", "doble systemer",
                 "anerkjennelse", "likeverdig samarbeid"],
}

MINIMAL = """\
name: prøvebok
description: En liten kodebok for tester.
codes:
  - name: arbeid
    definition: Alt som handler om arbeid.
    color: "#4E79A7"
    patterns: [jobb*, arbeid*]
    examples:
      - text: Jeg fikk meg jobb i fjor.
        kind: typical
    children:
      - name: deltid
        definition: Arbeid i deltidsstilling.
        aliases: [redusert stilling]
  - name: fritid
    definition: Alt utenfor arbeidet.
    weak_patterns: [helg*]
"""


@pytest.fixture(scope="module")
def shipped() -> dict[str, CodebookSpec]:
    return {spec.name: spec for spec in load_codebooks(shipped_codebook_dir())}


# --------------------------------------------------------------------------- the shipped codebooks


def test_the_four_shipped_codebooks_load_with_the_agreed_code_names(shipped: dict[str, CodebookSpec]) -> None:
    assert sorted(shipped) == sorted(SHIPPED)
    for name, codes in SHIPPED.items():
        assert [code.name for code in shipped[name].codes] == codes
        assert 4 <= len(shipped[name].codes) <= 8


@pytest.mark.parametrize("book", sorted(SHIPPED))
def test_shipped_codes_are_complete(shipped: dict[str, CodebookSpec], book: str) -> None:
    spec = shipped[book]
    assert spec.description.strip()
    colours = [code.color for code in spec.codes]
    assert len(set(colours)) == len(colours), f"{book}: colours repeat"
    for path, code in spec.walk():
        for field in ("definition", "inclusion", "exclusion"):
            assert len(getattr(code, field).strip()) > 20, f"{path}: {field} is too short"
        kinds = {example.kind for example in code.examples}
        assert {"typical", "borderline"} <= kinds, f"{path}: needs a typical and a borderline example"
        assert code.patterns, f"{path}: no patterns"
        assert all(check_pattern(p) is None for p in code.patterns + code.weak_patterns)


def test_shipped_files_are_named_after_their_codebook() -> None:
    for file in sorted(shipped_codebook_dir().glob("*.yaml")):
        assert load_codebook(file).name == file.stem


def test_false_friends_are_excluded_from_trust(shipped: dict[str, CodebookSpec]) -> None:
    code = shipped["tillit"].find("gjensidig tillit")
    assert "-tillitsvalgt*" in code.patterns
    likeverd = {p for _path, c in shipped["likeverd"].walk() for p in c.patterns}
    assert {"lillebror*", "stemoderlig*", "tariff*", "dobbeltarbeid*"} <= likeverd
    assert not any(p.startswith("likeverd") for p in likeverd - {"likeverd*"})


def test_shipped_dir_honours_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CODEBOOKS_ENV, str(tmp_path))
    assert shipped_codebook_dir() == tmp_path
    monkeypatch.setenv(CODEBOOKS_ENV, str(tmp_path / "missing"))
    with pytest.raises(NotFoundError, match=CODEBOOKS_ENV):
        shipped_codebook_dir()


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_round_trip_keeps_everything(tmp_path: Path, shipped: dict[str, CodebookSpec], suffix: str) -> None:
    for spec in shipped.values():
        target = dump_codebook(spec, tmp_path / f"{spec.name}{suffix}")
        assert load_codebook(target) == spec
    assert [s.name for s in load_codebooks(tmp_path)] == sorted(shipped)


def test_round_trip_of_a_hierarchy(tmp_path: Path) -> None:
    spec = parse_codebook_text(MINIMAL, "minimal.yaml")
    assert [path for path, _code in spec.walk()] == ["prøvebok/arbeid", "prøvebok/deltid", "prøvebok/fritid"]
    assert spec.find("prøvebok/deltid").aliases == ["redusert stilling"]
    for suffix in (".yaml", ".json"):
        again = load_codebook(dump_codebook(spec, tmp_path / f"b{suffix}"))
        assert again == spec
        assert again.codes[0].children[0].name == "deltid"


def test_json_export_shape(tmp_path: Path) -> None:
    spec = parse_codebook_text(MINIMAL, "minimal.yaml")
    data = json.loads((dump_codebook(spec, tmp_path / "b.json")).read_text(encoding="utf-8"))
    assert data == codebook_to_dict(spec)
    assert list(data) == ["name", "description", "codes"]
    code = data["codes"][0]
    for key in ("name", "definition", "inclusion", "exclusion", "examples", "color", "patterns", "children"):
        assert key in code
    assert code["examples"] == [{"text": "Jeg fikk meg jobb i fjor.", "kind": "typical"}]
    assert code["children"][0]["name"] == "deltid"
    assert "prøvebok" in (tmp_path / "b.json").read_text(encoding="utf-8")  # no \\u escapes


def test_missing_colours_get_distinct_palette_colours() -> None:
    spec = parse_codebook_text(MINIMAL, "minimal.yaml")
    arbeid, fritid = spec.codes
    assert arbeid.color == "#4E79A7"
    assert fritid.color and fritid.color != arbeid.color
    assert arbeid.children[0].color


def test_load_codebooks_rejects_two_files_with_one_name(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "b.yml").write_text(MINIMAL, encoding="utf-8")
    with pytest.raises(CodebookError, match=r"b\.yml: codebook \"prøvebok\" is already defined in .*a\.yaml"):
        load_codebooks(tmp_path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="nope.yaml"):
        load_codebook(tmp_path / "nope.yaml")
    with pytest.raises(NotFoundError, match="nowhere"):
        load_codebooks(tmp_path / "nowhere")
    with pytest.raises(CodebookError, match="not a codebook file"):
        load_codebook(tmp_path / "codes.txt")


# --------------------------------------------------------------------------- validation errors

CODE = "name: tillit\ncodes:\n  - name: foo\n    definition: noe\n"

BAD = [
    ("colour", CODE + "    color: red\n", 'code "tillit/foo": field "color": not a hex colour like #4E79A7'),
    ("missing", "name: tillit\ncodes:\n  - name: foo\n", 'code "tillit/foo": field "definition": required field'),
    ("unknown", CODE + "    colour: '#112233'\n", 'code "tillit/foo": field "colour": unknown key; allowed keys'),
    ("top unknown", "name: tillit\nkoder: []\n", 'codebook "tillit": field "koder": unknown key'),
    ("kind", CODE + "    examples:\n      - text: x\n        kind: typisk\n",
     'code "tillit/foo": field "examples[0].kind": must be one of typical, borderline, negative'),
    ("empty text", CODE + "    examples:\n      - text: ''\n        kind: typical\n",
     'code "tillit/foo": field "examples[0].text": must not be empty'),
    ("star inside", CODE + "    patterns: ['til*lit']\n", 'code "tillit/foo": field "patterns": pattern \'til*lit\''),
    ("lone star", CODE + "    weak_patterns: ['*']\n", 'code "tillit/foo": field "weak_patterns": pattern \'*\''),
    ("empty exclusion", CODE + "    patterns: ['-']\n", 'field "patterns": pattern \'-\': empty exclusion'),
    ("mixed exclusion", CODE + "    patterns: ['stole -på']\n", 'field "patterns": pattern \'stole -på\''),
    ("empty pattern", CODE + "    patterns: ['  ']\n", 'field "patterns": pattern \'  \': empty pattern'),
    ("empty name", "name: tillit\ncodes:\n  - name: ' '\n    definition: d\n", 'code "tillit/#1": field "name": must not be empty'),
    ("empty book", "name: ''\ncodes: []\n", 'codebook "": field "name": must not be empty'),
    ("slash", "name: tillit\ncodes:\n  - name: a/b\n    definition: d\n", 'field "name": must not contain \'/\''),
    ("siblings", CODE + "  - name: Foo\n    definition: d\n", 'code "tillit/Foo": field "name": code name \'Foo\' is used twice'),
    ("nested", CODE + "    children:\n      - name: bar\n        definition: d\n      - name: bar\n        definition: d\n",
     'code "tillit/foo/bar": field "name": code name \'bar\' is used twice'),
    ("across", CODE + "    children:\n      - name: bar\n        definition: d\n  - name: bar\n    definition: d\n",
     'code "tillit/bar": field "name": code name \'bar\' is already used by \'tillit/foo/bar\''),
    ("child colour", CODE + "    children:\n      - name: bar\n        definition: d\n        color: '#12'\n",
     'code "tillit/foo/bar": field "color": not a hex colour'),
    ("type", "name: tillit\ncodes: ingen\n", 'codebook "tillit": field "codes": must be a list'),
    ("yaml", CODE + "    patterns: [tillit*\n", "line 6: YAML syntax error"),
    ("duplicate key", CODE + "    definition: igjen\n", "line 5: YAML syntax error: duplicate key 'definition'"),
    ("not a mapping", "- tillit\n- autonomi\n", "the top level must be a mapping"),
]


@pytest.mark.parametrize(("label", "text", "expected"), BAD, ids=[b[0] for b in BAD])
def test_validation_errors_name_file_code_and_field(tmp_path: Path, label: str, text: str, expected: str) -> None:
    file = tmp_path / "x.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as info:
        load_codebook(file)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{file}: ")
    assert expected in message


def test_json_syntax_error_names_the_line(tmp_path: Path) -> None:
    file = tmp_path / "x.json"
    file.write_text('{"name": "tillit",\n "codes": [,]}', encoding="utf-8")
    with pytest.raises(CodebookError, match=r"x\.json: line 2: JSON syntax error"):
        load_codebook(file)


@pytest.mark.parametrize(
    ("pattern", "ok"),
    [("tillit*", True), ("*måling", True), ("*styringslinj*", True), ("stole på", True),
     ("-tillitsvalgt*", True), ("til*lit", False), ("**", False), ("-", False), ("a -b", False), ("", False)],
)
def test_check_pattern(pattern: str, ok: bool) -> None:
    assert (check_pattern(pattern) is None) is ok


def test_models_validate_when_built_in_code() -> None:
    with pytest.raises(ValueError, match="hex colour"):
        CodeSpec(name="x", definition="y", color="blå")
    code = CodeSpec(name="x", definition="y", patterns=["  stole   på "])
    assert code.patterns == ["stole på"]
