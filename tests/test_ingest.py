"""Transcript readers: every format, encodings, speaker labels, offsets and one-line errors.

All text is fictional. Binary fixtures (docx, pdf, odt) are built in tmp_path with python-docx, fpdf2 and odfpy.
"""

from __future__ import annotations

import io
import random
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from fpdf import FPDF
from odf.opendocument import OpenDocumentText
from odf.text import H, P

from qualcode.errors import InputError
from qualcode.ingest import (
    READERS,
    SUPPORTED_EXTENSIONS,
    SpeakerConfig,
    Transcript,
    find_turns,
    read_transcript,
)
from qualcode.ingest.speakers import parse_timestamp

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def spoken(transcript: Transcript) -> list[tuple[str | None, str, str]]:
    """(speaker, role, utterance) per turn, checking the offsets on the way."""
    result = []
    for turn in transcript.turns:
        assert 0 <= turn.start < turn.end <= len(transcript.text)
        utterance = transcript.text[turn.start : turn.end]
        assert utterance == utterance.strip()
        result.append((turn.speaker, turn.role, utterance))
    return result


def assert_clean_text(transcript: Transcript) -> None:
    assert "\r" not in transcript.text
    assert "\ufeff" not in transcript.text
    assert unicodedata.normalize("NFC", transcript.text) == transcript.text


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def assert_input_error(path: Path, *words: str) -> InputError:
    with pytest.raises(InputError) as info:
        read_transcript(path)
    message = str(info.value)
    assert path.name in message
    assert "\n" not in message and "\r" not in message
    for word in words:
        assert word in message
    return info.value


# --------------------------------------------------------------------------- plain text and encodings

DIALOGUE = "Intervjuer: Hva gjør du på kontoret? 😀\nInformant 1: Jeg følger opp brukere på Ørnes og Ålen.\n"
DIALOGUE_TURNS = [
    ("Intervjuer", "interviewer", "Hva gjør du på kontoret? 😀"),
    ("Informant 1", "participant", "Jeg følger opp brukere på Ørnes og Ålen."),
]


def test_txt_fixture_turns_and_title_line() -> None:
    transcript = read_transcript(FIXTURES / "intervju.txt")
    assert transcript.format == "txt"
    assert transcript.meta["encoding"] == "utf-8"
    assert transcript.text.startswith("Intervju med informant 2")  # the title stays in the text ...
    assert spoken(transcript) == [  # ... but is no turn
        ("Intervjuer", "interviewer", "Kan du fortelle litt om jobben din?"),
        (
            "Informant 2",
            "participant",
            "Ja. Jeg er veileder på oppfølgingsavdelingen,\nog jeg har cirka åtti brukere. Det er mye! 😅",
        ),
        ("Intervjuer", "interviewer", "Hvordan opplever du det?"),
        ("Informant 2", "participant", "Det er sånn: vi gjør så godt vi kan."),
    ]
    assert all(turn.time_start is None for turn in transcript.turns)


def test_md_fixture_bold_labels() -> None:
    transcript = read_transcript(FIXTURES / "intervju.md")
    assert transcript.format == "md"
    assert transcript.text.startswith("# Intervju 5")
    assert spoken(transcript) == [
        ("Intervjuer", "interviewer", "Hva betyr tillit for deg i jobben?"),
        ("Inf 5", "participant", "At lederen stoler på vurderingene mine, også når tallene er røde."),
        ("Intervjuer", "interviewer", "Føler du at hun gjør det? 🙂"),
        ("Inf 5", "participant", "Stort sett, ja."),
    ]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (DIALOGUE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + DIALOGUE.encode("utf-8"), "utf-8-sig"),
        (b"\xff\xfe" + DIALOGUE.encode("utf-16-le"), "utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-bom"],
)
def test_unicode_encodings(tmp_path: Path, data: bytes, encoding: str) -> None:
    transcript = read_transcript(write(tmp_path, "intervju.txt", data))
    assert transcript.meta["encoding"] == encoding
    assert transcript.text == DIALOGUE
    assert_clean_text(transcript)
    assert spoken(transcript) == DIALOGUE_TURNS


def test_cp1252_with_ellipsis_byte(tmp_path: Path) -> None:
    data = "Intervjuer: Og så …?\r\nInformant 3: Tja … det vet jeg ikke. Blåbær og rømme.\r\n".encode(
        "cp1252"
    )
    assert b"\x85" in data
    transcript = read_transcript(write(tmp_path, "ansi.txt", data))
    assert transcript.meta["encoding"] == "cp1252"
    assert "…" in transcript.text and "\x85" not in transcript.text
    assert_clean_text(transcript)
    assert spoken(transcript) == [
        ("Intervjuer", "interviewer", "Og så …?"),
        ("Informant 3", "participant", "Tja … det vet jeg ikke. Blåbær og rømme."),
    ]


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_windows_and_old_mac_newlines(tmp_path: Path, newline: str) -> None:
    path = write(tmp_path, "linjer.txt", DIALOGUE.replace("\n", newline))
    transcript = read_transcript(path)
    assert transcript.text == DIALOGUE
    assert spoken(transcript) == DIALOGUE_TURNS


def test_decomposed_letters_become_nfc(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Intervjuer: Hvordan går det på Røros?\nIP: Åpent og ærlig.")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    transcript = read_transcript(write(tmp_path, "nfd.txt", decomposed))
    assert_clean_text(transcript)
    assert spoken(transcript)[1] == ("IP", "participant", "Åpent og ærlig.")


# --------------------------------------------------------------------------- speaker labels


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("I", "interviewer"),
        ("Int", "interviewer"),
        ("Intervjuer", "interviewer"),
        ("Interviewer", "interviewer"),
        ("Spørsmål", "interviewer"),
        ("Q", "interviewer"),
        ("Moderator", "interviewer"),
        ("Informant", "participant"),
        ("Inf", "participant"),
        ("Inf 3", "participant"),
        ("Informant 3", "participant"),
        ("IP", "participant"),
        ("Svar", "participant"),
        ("Respondent", "participant"),
        ("R", "participant"),
        ("A", "participant"),
        ("Deltaker 2", "participant"),
    ],
)
def test_known_labels(label: str, role: str) -> None:
    other = "Informant" if role == "interviewer" else "Intervjuer"
    text = f"{label}: Første replikk om målstyring.\n{other}: Andre replikk.\n"
    turns = find_turns(text)
    assert [(t.speaker, t.role) for t in turns] == [
        (label, role),
        (other, "participant" if role == "interviewer" else "interviewer"),
    ]
    assert text[turns[0].start : turns[0].end] == "Første replikk om målstyring."


def test_label_with_tab_separator() -> None:
    text = "I\tHva tenker du om tavlemøtene?\nIP\tDe er nyttige.\n"
    assert [(t.speaker, text[t.start : t.end]) for t in find_turns(text)] == [
        ("I", "Hva tenker du om tavlemøtene?"),
        ("IP", "De er nyttige."),
    ]


def test_lower_case_single_letters_are_no_labels() -> None:
    text = "Intervjuer: Hei.\ni: dette er ikke en etikett\nInformant: Nei.\n"
    turns = find_turns(text)
    assert [t.speaker for t in turns] == ["Intervjuer", "Informant"]
    assert text[turns[0].start : turns[0].end] == "Hei.\ni: dette er ikke en etikett"


@pytest.mark.parametrize(
    ("prefix", "seconds"),
    [("[00:12:03] ", 723.0), ("(00:12:03) ", 723.0), ("00:12:03 ", 723.0), ("[12:03.5] ", 723.5)],
)
def test_timestamp_prefixes(prefix: str, seconds: float) -> None:
    text = f"{prefix}Intervjuer: Hva skjedde da?\n[01:00:00] Inf 2: Det ble omorganisert.\nInf 2: Mer.\n"
    turns = find_turns(text)
    assert text.startswith(prefix)  # the timestamp stays in the text
    assert [t.time_start for t in turns] == [seconds, 3600.0, None]
    assert [t.time_end for t in turns] == [3600.0, None, None]
    assert [text[t.start : t.end] for t in turns] == ["Hva skjedde da?", "Det ble omorganisert.", "Mer."]


def test_parse_timestamp() -> None:
    assert parse_timestamp("[01:02:03,250]") == pytest.approx(3723.25)
    assert parse_timestamp("(02:03)") == 123.0


def test_named_speakers_question_heuristic() -> None:
    text = (
        "Kari Nordmann: Hvordan er samarbeidet med kommunen?\n"
        "Ola: Det er godt.\n"
        "Vi har felles lunsj: hver fredag.\n"
        "Kari Nordmann: Og med fylket?\n"
        "Ola: Mindre kontakt der. Hvorfor spør du?\n"
        "Kari Nordmann: Bare nysgjerrig.\n"
    )
    turns = find_turns(text)
    assert [(t.speaker, t.role) for t in turns] == [
        ("Kari Nordmann", "interviewer"),
        ("Ola", "participant"),
        ("Kari Nordmann", "interviewer"),
        ("Ola", "participant"),
        ("Kari Nordmann", "interviewer"),
    ]
    assert text[turns[1].start : turns[1].end] == "Det er godt.\nVi har felles lunsj: hver fredag."


def test_explicit_interviewer_names_override_heuristic() -> None:
    text = "Kari: Ja?\nOla: Hva mener du?\nKari: Det jeg sa.\nOla: Greit?\n"
    config = SpeakerConfig(interviewer_names=("kari",))
    assert [t.role for t in find_turns(text, config)] == ["interviewer", "participant"] * 2
    assert [t.role for t in find_turns(text)] == ["participant", "interviewer"] * 2


def test_named_speakers_with_labelled_interviewer_are_participants() -> None:
    text = "Intervjuer: Hva tenker dere?\nKari: Hvem, jeg?\nOla: Godt.\nKari: Ja?\nOla: Ja.\n"
    assert [t.role for t in find_turns(text)] == ["interviewer"] + ["participant"] * 4


def test_sentences_with_colon_are_no_labels() -> None:
    text = (
        "Det er sånn: vi må prioritere.\n\n"
        "Merk: dette er et notat.\n\n"
        "Klokka 10:30 startet møtet, se https://nav.example/side.\n\n"
        "10:45 var vi ferdige.\n"
    )
    turns = find_turns(text)
    assert [(t.speaker, t.role) for t in turns] == [(None, "participant")] * 4
    assert [text[t.start : t.end] for t in turns] == [
        "Det er sånn: vi må prioritere.",
        "Merk: dette er et notat.",
        "Klokka 10:30 startet møtet, se https://nav.example/side.",
        "10:45 var vi ferdige.",
    ]
    assert all(t.time_start is None for t in turns)


def test_single_named_label_is_not_trusted() -> None:
    text = "Første avsnitt om styring.\n\nTrude: en kommentar midt i.\n\nSiste avsnitt.\n"
    assert len(find_turns(text)) == 3


def test_text_without_labels_gives_paragraph_turns() -> None:
    text = "\n  Første avsnitt,\nsom fortsetter her.\n\n\n[00:01:30] Andre avsnitt med æøå.  \n"
    turns = find_turns(text)
    assert [text[t.start : t.end] for t in turns] == [
        "Første avsnitt,\nsom fortsetter her.",
        "Andre avsnitt med æøå.",
    ]
    assert [(t.speaker, t.role, t.time_start) for t in turns] == [
        (None, "participant", None),
        (None, "participant", 90.0),
    ]


def test_label_with_content_on_next_line_and_empty_label() -> None:
    text = "Intervjuer:\nHvordan var omstillingen?\nInformant:\nIntervjuer: Ingen svar?\n"
    turns = find_turns(text)
    assert [(t.speaker, text[t.start : t.end]) for t in turns] == [
        ("Intervjuer", "Hvordan var omstillingen?"),
        ("Intervjuer", "Ingen svar?"),
    ]


# --------------------------------------------------------------------------- docx


def make_docx(path: Path, with_table: bool = True) -> Path:
    document = docx.Document()
    document.add_heading("Intervju 8 (fiktivt)", level=1)
    paragraph = document.add_paragraph()
    paragraph.add_run("Intervjuer:").bold = True
    paragraph.add_run(" Hvordan er ledermodellen hos dere? 🤔")
    paragraph = document.add_paragraph()
    paragraph.add_run("Informant 8").bold = True
    paragraph.add_run(": Vi har én leder for begge linjer.")
    document.add_paragraph("Intervjuer: Og hva betyr det for de ansatte?")
    paragraph = document.add_paragraph()
    paragraph.add_run("Informant 8").bold = True
    paragraph.add_run(" Kortere vei til beslutninger, tror jeg.")
    paragraph = document.add_paragraph()
    paragraph.add_run("Bra").bold = True
    paragraph.add_run(" sa de i hvert fall på allmøtet.")
    if with_table:
        table = document.add_table(rows=2, cols=2)
        table.cell(0, 0).text = "Intervjuer"
        table.cell(0, 1).text = "Noe mer om måltallene?"
        table.cell(1, 0).text = "Informant 8"
        table.cell(1, 1).text = "Nei, det holder."
    document.save(str(path))
    return path


def test_docx_bold_and_plain_labels_and_table(tmp_path: Path) -> None:
    transcript = read_transcript(make_docx(tmp_path / "intervju8.docx"))
    assert transcript.format == "docx"
    assert transcript.text.split("\n")[0] == "Intervju 8 (fiktivt)"
    assert_clean_text(transcript)
    assert spoken(transcript) == [
        ("Intervjuer", "interviewer", "Hvordan er ledermodellen hos dere? 🤔"),
        ("Informant 8", "participant", "Vi har én leder for begge linjer."),
        ("Intervjuer", "interviewer", "Og hva betyr det for de ansatte?"),
        (
            "Informant 8",
            "participant",
            "Kortere vei til beslutninger, tror jeg.\nBra sa de i hvert fall på allmøtet.",
        ),
        ("Intervjuer", "interviewer", "Noe mer om måltallene?"),
        ("Informant 8", "participant", "Nei, det holder."),
    ]
    assert "Informant 8 Kortere vei" in transcript.text  # the text is kept as written
    assert transcript.text.endswith("Intervjuer: Noe mer om måltallene?\nInformant 8: Nei, det holder.")


def test_docx_bold_named_speakers(tmp_path: Path) -> None:
    document = docx.Document()
    for name, line in [
        ("Lise", "Hvordan fungerer tavlemøtene?"),
        ("Jon", "De er korte."),
        ("Lise", "Hvem leder dem?"),
        ("Jon", "Avdelingslederen."),
    ]:
        paragraph = document.add_paragraph()
        paragraph.add_run(name).bold = True
        paragraph.add_run("\t" + line)
    path = tmp_path / "navn.docx"
    document.save(str(path))
    transcript = read_transcript(path)
    assert spoken(transcript) == [
        ("Lise", "interviewer", "Hvordan fungerer tavlemøtene?"),
        ("Jon", "participant", "De er korte."),
        ("Lise", "interviewer", "Hvem leder dem?"),
        ("Jon", "participant", "Avdelingslederen."),
    ]


def test_docx_corrupt_files(tmp_path: Path) -> None:
    rng = random.Random(7)
    assert_input_error(
        write(tmp_path, "tilfeldig.docx", bytes(rng.randrange(256) for _ in range(2048))), "docx"
    )
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert_input_error(write(tmp_path, "kryptert.docx", ole), "password-protected")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("hei.txt", "ikke word")
    assert_input_error(write(tmp_path, "zip.docx", buffer.getvalue()), "docx")
    whole = (make_docx(tmp_path / "hel.docx")).read_bytes()
    assert_input_error(write(tmp_path, "avkuttet.docx", whole[: len(whole) // 2]), "docx")


def test_docx_without_text(tmp_path: Path) -> None:
    path = tmp_path / "tom.docx"
    docx.Document().save(str(path))
    assert_input_error(path, "no text")


# --------------------------------------------------------------------------- pdf


def make_pdf(path: Path, pages: list[list[str]], header: str | None = None) -> Path:
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=11)
    for number, lines in enumerate(pages, start=1):
        pdf.add_page()
        if header:
            pdf.cell(text=header, new_x="LMARGIN", new_y="NEXT")
        for line in lines:
            pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
        if header:
            pdf.set_y(-20)
            pdf.cell(text=f"Side {number} av {len(pages)}")
    pdf.output(str(path))
    return path


PDF_PAGES = [
    [
        "Intervjuer: Hvordan samarbeider dere med de kommunale veilederne",
        "på kontoret, og hvor ofte møtes dere egentlig i hverdagen?",
        "Informant 4: Vi har felles møter hver uke, og de statlige veile-",
        "dere sitter i samme etasje som oss. Det gjør at mål-",
        "og resultatstyringen merkes mindre enn før, og at NAV-",
        "kontoret er ett kontor. Blåbær, æøå.",
        "Det var alt.",
        "3",
    ],
    [
        "Intervjuer: Og Nord-",
        "Norge?",
        "Informant 4: Der er det annerledes.",
    ],
]


def test_pdf_headers_hyphenation_and_turns(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "intervju4.pdf", PDF_PAGES, header="Intervju 4 - NAV Fjordvik (fiktivt)")
    transcript = read_transcript(path)
    assert transcript.format == "pdf"
    assert transcript.meta["pages"] == "2"
    assert "Fjordvik" not in transcript.text and "Side" not in transcript.text
    assert_clean_text(transcript)
    assert spoken(transcript) == [
        (
            "Intervjuer",
            "interviewer",
            "Hvordan samarbeider dere med de kommunale veilederne "
            "på kontoret, og hvor ofte møtes dere egentlig i hverdagen?",
        ),
        (
            "Informant 4",
            "participant",
            "Vi har felles møter hver uke, og de statlige veiledere sitter i samme etasje som oss. "
            "Det gjør at mål- og resultatstyringen merkes mindre enn før, og at NAV-kontoret "
            "er ett kontor. Blåbær, æøå.\nDet var alt.",
        ),
        ("Intervjuer", "interviewer", "Og Nord-Norge?"),
        ("Informant 4", "participant", "Der er det annerledes."),
    ]


def test_pdf_without_labels_gives_paragraphs(tmp_path: Path) -> None:
    lines = [
        "Notatet beskriver samarbeidet mellom linjene ved et fiktivt kontor, der",
        "lederne møtes jevnlig og deler informasjon om brukerne og budsjettet.",
        "Slik var det.",
        "Neste avsnitt handler om tillit mellom ansatte og ledelse i kommunen.",
    ]
    transcript = read_transcript(make_pdf(tmp_path / "notat.pdf", [lines]))
    assert [u for _, _, u in spoken(transcript)] == [" ".join(lines[:3]), lines[3]]
    assert transcript.text == " ".join(lines[:3]) + "\n\n" + lines[3]


def test_pdf_password_protected(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.cell(text="Intervjuer: Hemmelig?")
    pdf.set_encryption(owner_password="eier", user_password="hemmelig")
    path = tmp_path / "låst.pdf"
    pdf.output(str(path))
    assert_input_error(path, "password-protected")


def test_pdf_owner_password_only_is_readable(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.cell(text="Intervjuer: Kan alle lese dette?", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text="Informant: Ja, uten passord.")
    pdf.set_encryption(owner_password="eier")
    path = tmp_path / "begrenset.pdf"
    pdf.output(str(path))
    assert [u for _, _, u in spoken(read_transcript(path))] == ["Kan alle lese dette?", "Ja, uten passord."]


def test_pdf_scanned_has_no_text_layer(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 120, 80, style="F")
    path = tmp_path / "skannet.pdf"
    pdf.output(str(path))
    assert_input_error(path, "no text layer", "OCR")


def test_pdf_corrupt_and_truncated(tmp_path: Path) -> None:
    rng = random.Random(11)
    assert_input_error(write(tmp_path, "støy.pdf", bytes(rng.randrange(256) for _ in range(4096))), "PDF")
    whole = make_pdf(tmp_path / "hel.pdf", PDF_PAGES).read_bytes()
    with pytest.raises(InputError) as info:
        read_transcript(write(tmp_path, "halv.pdf", whole[: len(whole) // 3]))
    assert "halv.pdf" in str(info.value) and "\n" not in str(info.value)


# --------------------------------------------------------------------------- subtitles


def test_vtt_teams_voice_tags_merge_cues() -> None:
    transcript = read_transcript(FIXTURES / "intervju_teams.vtt")
    assert transcript.format == "vtt"
    assert spoken(transcript) == [
        (
            "Intervjuer",
            "interviewer",
            "Velkommen, og takk for at du stiller opp. Hvordan er samarbeidet med kommunen på kontoret?",
        ),
        (
            "Informant 6",
            "participant",
            "Det er ganske godt, synes jeg. Vi møtes på tvers av linjene "
            "hver tirsdag, og det er nesten alltid bløtkake 🎂 & kaffe.",
        ),
        ("Intervjuer", "interviewer", "Så fint. Og målekortet?"),
    ]
    assert [(t.time_start, t.time_end) for t in transcript.turns] == [(1.25, 7.5), (8.0, 15.75), (16.0, 18.0)]
    assert transcript.text.startswith("Intervjuer: Velkommen")
    assert "\n\nInformant 6: Det er ganske godt" in transcript.text


def test_srt_name_prefixes_and_question_heuristic() -> None:
    transcript = read_transcript(FIXTURES / "intervju_zoom.srt")
    assert transcript.format == "srt"
    assert spoken(transcript) == [
        ("Siri Haugland", "interviewer", "Hvor lenge har du jobbet i NAV?"),
        (
            "Per Ø. Lunde",
            "participant",
            "Snart ti år. Først på trygdekontoret, så på det nye NAV-kontoret i Sørvåg. 😊",
        ),
        ("Siri Haugland", "interviewer", "Hva var den største endringen?"),
        ("Per Ø. Lunde", "participant", "Måltallene, uten tvil."),
    ]
    assert transcript.turns[1].time_start == 3.2
    assert transcript.turns[1].time_end == 9.4


def test_vtt_without_speakers_merges_until_a_pause(tmp_path: Path) -> None:
    vtt = (
        "WEBVTT\n\n00:01.000 --> 00:03.000\nDette er første del\n\n"
        "00:03.000 --> 00:05.000\nav samme setning.\n\n"
        "00:09.000 --> 00:11.000\n<c.gul>Etter en pause</c>.\n"
    )
    transcript = read_transcript(write(tmp_path, "whisper.vtt", vtt))
    assert spoken(transcript) == [
        (None, "participant", "Dette er første del av samme setning."),
        (None, "participant", "Etter en pause."),
    ]
    assert transcript.text == "Dette er første del av samme setning.\n\nEtter en pause."


def test_subtitles_without_cues(tmp_path: Path) -> None:
    assert_input_error(write(tmp_path, "tom.vtt", "WEBVTT\n\nNOTE bare en merknad\n"), "no subtitle cues")
    assert_input_error(write(tmp_path, "tekst.srt", "Bare litt tekst uten tider.\n"), "no subtitle cues")


# --------------------------------------------------------------------------- odt


def test_odt_paragraphs_and_turns(tmp_path: Path) -> None:
    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Intervju 9 (fiktivt)"))
    for line in [
        "Intervjuer: Hvordan måles arbeidet ditt? 📊",
        "Informant 9: Med måltall fra direktoratet.",
        "Og brukerundersøkelser.",
    ]:
        document.text.addElement(P(text=line))
    path = tmp_path / "intervju9.odt"
    document.save(str(path))
    transcript = read_transcript(path)
    assert transcript.format == "odt"
    assert transcript.text.startswith("Intervju 9 (fiktivt)\nIntervjuer:")
    assert spoken(transcript) == [
        ("Intervjuer", "interviewer", "Hvordan måles arbeidet ditt? 📊"),
        ("Informant 9", "participant", "Med måltall fra direktoratet.\nOg brukerundersøkelser."),
    ]


def test_odt_corrupt_and_encrypted(tmp_path: Path) -> None:
    assert_input_error(write(tmp_path, "støy.odt", bytes(range(256)) * 4), "odt")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", b"\x8a\x13 kryptert innhold")
        package.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/>'
            "</manifest:file-entry></manifest:manifest>",
        )
    assert_input_error(write(tmp_path, "låst.odt", buffer.getvalue()), "password-protected")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", "<office:document-content><ikke lukket")
        package.writestr("META-INF/manifest.xml", "<manifest/>")
    assert_input_error(write(tmp_path, "ødelagt.odt", buffer.getvalue()), "odt")


# --------------------------------------------------------------------------- dispatch and errors


def test_registry_and_extensions() -> None:
    assert set(READERS) == {".txt", ".md", ".docx", ".pdf", ".vtt", ".srt", ".odt"}
    assert set(SUPPORTED_EXTENSIONS) == set(READERS)


def test_extension_is_case_insensitive(tmp_path: Path) -> None:
    transcript = read_transcript(write(tmp_path, "STOR.TXT", DIALOGUE))
    assert transcript.format == "txt"
    assert spoken(transcript) == DIALOGUE_TURNS


@pytest.mark.parametrize(
    "name", ["tom.txt", "tom.md", "tom.docx", "tom.pdf", "tom.vtt", "tom.srt", "tom.odt"]
)
def test_empty_file(tmp_path: Path, name: str) -> None:
    assert_input_error(write(tmp_path, name, b""), "empty")


def test_whitespace_only_file(tmp_path: Path) -> None:
    assert_input_error(write(tmp_path, "blank.txt", " \r\n\t\n"), "empty")


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"Intervjuer: hei\x81\x8d\x8f\x90\x9d", bytes(range(1, 32)) * 8],
    ids=["nul-bytes", "undefined-cp1252", "control-characters"],
)
def test_binary_file(tmp_path: Path, data: bytes) -> None:
    assert_input_error(write(tmp_path, "bilde.txt", data), "binary")


def test_unsupported_extension(tmp_path: Path) -> None:
    assert_input_error(write(tmp_path, "intervju.rtf", "{\\rtf1 hei}"), "unsupported", ".rtf")
    assert_input_error(write(tmp_path, "README", "hei"), "unsupported")


def test_missing_path_and_directory(tmp_path: Path) -> None:
    assert_input_error(tmp_path / "finnes_ikke.txt", "does not exist")
    directory = tmp_path / "mappe.txt"
    directory.mkdir()
    assert_input_error(directory, "not a file")


def test_file_name_with_newline_stays_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "rar\nfil.rtf", "hei")
    with pytest.raises(InputError) as info:
        read_transcript(path)
    assert "rar?fil.rtf" in str(info.value) and "\n" not in str(info.value)


def test_damaged_files_raise_only_input_error(tmp_path: Path) -> None:
    """Regression: zlib.error and NotImplementedError from damaged zip/PDF streams once escaped."""
    document = OpenDocumentText()
    document.text.addElement(P(text="Intervjuer: Hei på deg."))
    document.save(str(tmp_path / "kilde.odt"))
    seeds = {
        ".docx": make_docx(tmp_path / "kilde.docx").read_bytes(),
        ".pdf": make_pdf(tmp_path / "kilde.pdf", PDF_PAGES, header="Topptekst").read_bytes(),
        ".odt": (tmp_path / "kilde.odt").read_bytes(),
        ".vtt": (FIXTURES / "intervju_teams.vtt").read_bytes(),
    }
    rng = random.Random(2024)
    outcomes = {"read": 0, "refused": 0}
    for extension, data in seeds.items():
        for number in range(25):
            damaged = bytearray(data)
            if number % 2:
                for _ in range(rng.randint(1, 12)):
                    damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            else:
                del damaged[rng.randrange(len(damaged)) :]
            path = write(tmp_path, f"skadet{number}{extension}", bytes(damaged))
            try:
                transcript = read_transcript(path)
            except InputError as error:
                assert path.name in str(error) and "\n" not in str(error)
                outcomes["refused"] += 1
            else:
                spoken(transcript)
                outcomes["read"] += 1
    assert outcomes["refused"] > 0
