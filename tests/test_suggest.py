"""Suggestions: scoring and storage, the review queue, learning from answers, the report, the evaluation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import CodingSpec, DocSpec, ProjectSpec, build_project
from sklearn.metrics import cohen_kappa_score
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.codebook import load_codebooks
from qualcode.db.models import Code, Coding, Event, Segment, Suggestion
from qualcode.db.session import session_scope
from qualcode.errors import InputError
from qualcode.suggest import evaluate as evaluate_module
from qualcode.suggest import report as report_module
from qualcode.suggest.evaluate import (
    demo_rows,
    evaluate_suggestions,
    metrics,
    predict_trained,
    read_quotes,
    theme_scores,
    theme_suggester,
)
from qualcode.suggest.learned import MultiLabelLogistic, Suggester, TrainingData
from qualcode.suggest.project import active_codes, build_suggester, covers, load_project, score_project
from qualcode.suggest.queue import accept, more_like_this, reject, review_queue, skip
from qualcode.suggest.report import cohen_kappa, suggestion_report

TILLIT, MALING = "tillit/gjensidig tillit", "måling/målekort"
QUESTION = "Har dere tillit til lederen, og stoler dere på tallene?"  # interviewer: has cue words

POSITIVE = [
    "Jeg har stor tillit til lederen min, og hun stoler på oss i teamet.",
    "Tilliten i teamet er god, vi stoler på hverandre og på kollegene.",
    "Lederen viser oss tillit og lar kollegene jobbe selvstendig.",
    "Kollegene mine har tillit til meg, og jeg har tillit til lederen.",
]
NEGATIVE = [
    "Målekortet viser tallene for hver måned, og vi måler alt.",
    "Vi måler mye, og tallene i rapporten går rett til fylket.",
    "Statistikken og tallene på målekortet styrer prioriteringene.",
]
NUMBERS = [  # "trust in the figures": a pattern hit that people reject (R5)
    "Jeg har tillit til tallene i rapporten fra fylket.",
    "Vi har tillit til tallene og statistikken på målekortet.",
    "Tillit til tallene i statistikken er viktig for rapporten.",
]
COLLEAGUES = "Tilliten mellom kollegene mine og lederen er god."


def interview(name: str, answers: list[str]) -> DocSpec:
    turns: list[tuple[str, str, str]] = []
    for answer in answers:
        turns += [("Intervjuer", "interviewer", QUESTION), (name, "participant", answer)]
    return DocSpec(f"{name}.txt", name, turns)


@pytest.fixture()
def project(tmp_path: Path) -> tuple[Engine, dict[str, Any]]:
    from qualcode.db.session import open_engine

    spec = ProjectSpec(
        documents=[
            interview("inf1", POSITIVE[:2] + NEGATIVE[:1]),
            interview("inf2", POSITIVE[2:] + NEGATIVE[1:]),
            interview("inf3", NUMBERS + [COLLEAGUES, "Vi spiser lunsj sammen hver fredag."]),
        ],
        codes={"tillit": ["gjensidig tillit"], "måling": ["målekort"]},
        codings=[
            CodingSpec("inf1.txt", 1, TILLIT, "ingrid"), CodingSpec("inf1.txt", 3, TILLIT, "ingrid"),
            CodingSpec("inf1.txt", 5, MALING, "ingrid"),
            CodingSpec("inf2.txt", 1, TILLIT, "ingrid"), CodingSpec("inf2.txt", 3, TILLIT, "ingrid"),
            CodingSpec("inf2.txt", 5, MALING, "ingrid"), CodingSpec("inf2.txt", 7, MALING, "ingrid"),
        ],
    )
    engine = open_engine(tmp_path / "p.sqlite")
    ids = build_project(engine, spec)
    with session_scope(engine) as s:
        for code in s.scalars(select(Code)):
            if code.name == "gjensidig tillit":
                code.patterns = ["tillit*", "-tillitsvalgt*", "stole på"]
                code.weak_patterns = ["hverandre"]
                code.definition = "Tillit mellom leder og medarbeidere og mellom kolleger."
                code.examples = [{"text": "Vi stoler på hverandre i teamet.", "kind": "typical"}]
            else:
                code.patterns = ["målekort*", "måle", "statistikk*"]
    return engine, ids


def pending(engine: Engine) -> dict[tuple[int, str], Suggestion]:
    with session_scope(engine) as s:
        rows = s.scalars(select(Suggestion).where(Suggestion.status == "pending")).all()
        return {(row.segment_id, row.code.path): row for row in rows}


def seg(ids: dict[str, Any], document: str, answer: int) -> int:
    """Segment id of the ``answer``-th participant turn of ``document``."""
    return int(ids["segments"][document][2 * answer + 1])


def test_scoring_stores_pending_suggestions_never_on_interviewer_turns(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    with session_scope(engine) as s:
        summary = score_project(s, actor="test")
    assert summary.created > 0 and TILLIT in summary.trained_codes
    found = pending(engine)
    interviewer = {i for doc in ids["segments"].values() for i in doc[0::2]}
    assert not {segment for segment, _ in found} & interviewer
    assert (seg(ids, "inf3.txt", 3), TILLIT) in found  # the uncoded colleagues turn
    assert (seg(ids, "inf1.txt", 0), TILLIT) not in found  # already coded by a person
    suggestion = found[(seg(ids, "inf3.txt", 3), TILLIT)]
    assert suggestion.model_version.startswith("learned-") and "Tilliten" in suggestion.evidence
    with session_scope(engine) as s:
        assert s.scalar(select(func.count(Event.id)).where(Event.kind == "suggestion.score")) == 1


def test_rescoring_replaces_pending_and_keeps_decided(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    with session_scope(engine) as s:
        score_project(s)
    first = pending(engine)
    rejected_id = first[(seg(ids, "inf3.txt", 0), TILLIT)].id
    with session_scope(engine) as s:
        reject(s, rejected_id, "ingrid")
        score_project(s)
    second = pending(engine)
    assert set(second) == set(first) - {(seg(ids, "inf3.txt", 0), TILLIT)}
    with session_scope(engine) as s:
        pairs = s.execute(select(Suggestion.segment_id, Suggestion.code_id)).all()
        assert len(pairs) == len(set(pairs))  # no duplicates
        assert s.get(Suggestion, rejected_id).status == "rejected"  # type: ignore[union-attr]


def test_accept_creates_a_coding_with_model_version_and_score(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    with session_scope(engine) as s:
        score_project(s)
    suggestion = pending(engine)[(seg(ids, "inf3.txt", 3), TILLIT)]
    with session_scope(engine) as s:
        coding = accept(s, suggestion.id, "martin")
        segment = s.get(Segment, suggestion.segment_id)
        assert (coding.start, coding.end) == (segment.start, segment.end)  # type: ignore[union-attr]
        assert (coding.source, coding.model_version, coding.score) == (
            "suggestion", suggestion.model_version, suggestion.score)
        row = s.get(Suggestion, suggestion.id)
        assert row is not None and row.status == "accepted" and row.coding_id == coding.id
        assert row.decided_by is not None and row.decided_by.name == "martin" and row.decided_at is not None
        assert s.scalar(select(func.count(Event.id)).where(Event.kind == "suggestion.accept")) == 1
        with pytest.raises(InputError, match="already accepted"):
            reject(s, suggestion.id, "martin")
    with session_scope(engine) as s:
        data = load_project(s, active_codes(s))
        training, rows = data.training()
        index = [data.segments[i].id for i in rows].index(suggestion.segment_id)
        assert training.labels[index, 0] and training.known[index].all()  # now a positive
        assert s.scalar(select(func.count(Coding.id)).where(Coding.source == "suggestion")) == 1


def test_rejections_are_negatives_and_change_the_next_ranking(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    target, other = seg(ids, "inf3.txt", 2), seg(ids, "inf3.txt", 3)
    with session_scope(engine) as s:
        score_project(s)
    before = pending(engine)
    gap_before = before[(other, TILLIT)].score - before[(target, TILLIT)].score
    with session_scope(engine) as s:
        for answer in (0, 1):
            reject(s, before[(seg(ids, "inf3.txt", answer), TILLIT)].id, "ingrid")
        data = load_project(s, active_codes(s))
        training, rows = data.training()
        negatives = {data.segments[i].id for i, known, label in zip(rows, training.known[:, 0], training.labels[:, 0],
                                                                   strict=True) if known and not label}
        assert {seg(ids, "inf3.txt", 0), seg(ids, "inf3.txt", 1)} <= negatives
        score_project(s)
    after = pending(engine)
    assert after[(target, TILLIT)].score < before[(target, TILLIT)].score
    assert after[(other, TILLIT)].score - after[(target, TILLIT)].score > gap_before
    with session_scope(engine) as s:
        ranked = [item.segment_id for item in review_queue(s, order="confidence", code=TILLIT)]
    assert ranked.index(other) < ranked.index(target)


def test_skip_is_neither_coding_nor_negative(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    with session_scope(engine) as s:
        score_project(s)
    suggestion = pending(engine)[(seg(ids, "inf3.txt", 0), TILLIT)]
    with session_scope(engine) as s:
        skip(s, suggestion.id, "ingrid")
        data = load_project(s, active_codes(s))
        training, rows = data.training()
        assert suggestion.segment_id not in {data.segments[i].id for i in rows}
        assert s.scalar(select(func.count(Coding.id)).where(Coding.source == "suggestion")) == 0
        assert [i.suggestion_id for i in review_queue(s, status="skipped")] == [suggestion.id]


def test_review_queue_orders_by_uncertainty_or_confidence(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    scores = {seg(ids, "inf3.txt", 0): 0.9, seg(ids, "inf3.txt", 1): 0.32, seg(ids, "inf3.txt", 2): 0.6,
              seg(ids, "inf3.txt", 3): 0.05}
    with session_scope(engine) as s:
        code_id = next(c.id for c in active_codes(s) if c.path == TILLIT)
        other_id = next(c.id for c in active_codes(s) if c.path == MALING)
        for segment_id, score in scores.items():
            s.add(Suggestion(segment_id=segment_id, code_id=code_id, score=score, evidence=["x"], model_version="m"))
        s.add(Suggestion(segment_id=seg(ids, "inf1.txt", 0), code_id=other_id, score=0.3, evidence=[],
                         model_version="m"))
    with session_scope(engine) as s:
        uncertain = [i.score for i in review_queue(s, threshold=0.3, code=TILLIT)]
        confident = [i.score for i in review_queue(s, order="confidence", code=TILLIT)]
        by_document = review_queue(s, document="inf1.txt")
        with pytest.raises(InputError):
            review_queue(s, order="random")
    assert uncertain == [0.32, 0.05, 0.6, 0.9]
    assert confident == [0.9, 0.6, 0.32, 0.05]
    assert [(i.code_path, i.document) for i in by_document] == [(MALING, "inf1.txt")]


def test_more_like_this_finds_similar_uncoded_participant_turns(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    with session_scope(engine) as s:
        found = more_like_this(s, seg(ids, "inf1.txt", 1), k=3)
    coded_tillit = {seg(ids, "inf1.txt", 0), seg(ids, "inf1.txt", 1), seg(ids, "inf2.txt", 0), seg(ids, "inf2.txt", 1)}
    interviewer = {i for doc in ids["segments"].values() for i in doc[0::2]}
    assert found and found[0].segment_id == seg(ids, "inf3.txt", 3)  # the colleagues turn
    assert not {f.segment_id for f in found} & (coded_tillit | interviewer)
    assert all(a.similarity >= b.similarity for a, b in zip(found, found[1:], strict=False))


def test_report_cross_validation_is_grouped_by_document(project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine, _ids = project
    splits: list[tuple[set[int], set[int]]] = []
    real = report_module.grouped_folds

    def spy(groups: np.ndarray, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
        result = real(groups, folds)
        splits.extend((set(groups[train]), set(groups[test])) for train, test in result)
        return result

    monkeypatch.setattr(report_module, "grouped_folds", spy)
    with session_scope(engine) as s:
        report = suggestion_report(s, folds=5)
    assert report.folds == len(splits) == 2 and report.documents == 2
    assert all(not train & test for train, test in splits)
    assert set().union(*(test for _, test in splits)) == {1, 2}
    frame = report.frame()
    assert list(frame["code"]) == [MALING, TILLIT] or list(frame["code"]) == [TILLIT, MALING]
    for row in report.rows:
        truth = [1] * row.tp + [1] * row.fn + [0] * row.fp + [0] * row.tn
        guess = [1] * row.tp + [0] * row.fn + [1] * row.fp + [0] * row.tn
        if len(set(truth)) > 1 or len(set(guess)) > 1:
            assert row.kappa == pytest.approx(cohen_kappa_score(truth, guess), abs=1e-4)


def test_cohen_kappa_matches_sklearn() -> None:
    truth = [1, 1, 1, 0, 0, 0, 0, 1, 0, 0]
    guess = [1, 1, 0, 0, 1, 0, 0, 1, 0, 0]
    assert cohen_kappa(3, 1, 1, 5) == pytest.approx(cohen_kappa_score(truth, guess))


def test_covers_needs_half_of_the_shorter_span() -> None:
    assert covers(0, 10, 0, 10) and covers(5, 8, 0, 10) and not covers(8, 30, 0, 10) and not covers(10, 20, 0, 10)


def test_cold_start_is_pattern_only(project) -> None:  # type: ignore[no-untyped-def]
    engine, _ids = project
    with session_scope(engine) as s:
        for coding in s.scalars(select(Coding)):
            s.delete(coding)
    with session_scope(engine) as s:
        data = load_project(s, active_codes(s))
        suggester = build_suggester(data)
        summary = score_project(s)
    assert not suggester.trained.any() and summary.model_version == "patterns-v1"
    assert all(row.model_version == "patterns-v1" for row in pending(engine).values())


# --------------------------------------------------------------------------- evaluation on labelled quotes

CODEBOOKS = {
    "tillit.yaml": "name: tillit\ncodes:\n  - name: a\n    definition: Tillit.\n    patterns: ['tillit*']\n",
    "måling.yaml": "name: måling\ncodes:\n  - name: b\n    definition: Måling.\n    patterns: [måle]\n"
                   "    weak_patterns: ['tall*']\n",
}
TEST_QUOTES = [
    {"text": "Vi har tillit til lederen.", "themes": ["tillit"], "id": "q1"},  # TP tillit
    {"text": "Det måles hver uke.", "themes": ["maling"]},  # TP måling ("maling" spelling)
    {"text": "Tallene er mange.", "themes": ["måling"]},  # FN måling: a lone weak cue
    {"text": "Tilliten og målingene.", "themes": []},  # FP tillit; "målingene" is not "måle"
    {"text": "Ingenting her.", "themes": ["tillit"]},  # FN tillit
]
# tillit: TP 1, FP 1, FN 1 -> P 0.5, R 0.5, F1 0.5; måling: TP 1, FP 0, FN 1 -> P 1, R 0.5, F1 2/3
# macro (0.5 + 0.6667) / 2 = 0.5833; micro TP 2, FP 1, FN 2 -> P 2/3, R 1/2, F1 4/7 = 0.5714
EXPECTED = {"macro_f1": 0.5833, "micro_f1": 0.5714, "per_code": {
    "måling": {"precision": 1.0, "recall": 0.5, "f1": 0.6667},
    "tillit": {"precision": 0.5, "recall": 0.5, "f1": 0.5}}}


@pytest.fixture()
def quotes(tmp_path: Path) -> tuple[Path, Path, Path]:
    books = tmp_path / "books"
    books.mkdir()
    for name, text in CODEBOOKS.items():
        (books / name).write_text(text, encoding="utf-8")
    train = tmp_path / "train.jsonl"
    train.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"text": "Tillit er viktig.", "themes": ["tillit"]}, {"text": "Vi måler alt.", "themes": ["måling"]},
        {"text": "Lunsj i dag.", "themes": []}]) + "\n", encoding="utf-8")
    test = tmp_path / "test.jsonl"
    test.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in TEST_QUOTES) + "\n", encoding="utf-8")
    return train, test, books


def test_evaluation_matches_a_hand_computed_example(quotes) -> None:  # type: ignore[no-untyped-def]
    train, test, books = quotes
    result = evaluate_suggestions(train, test, books)
    assert result["patterns"] == EXPECTED
    # two positives per theme are too few for a model: the trained suggester falls back to patterns
    assert result["trained"] == EXPECTED


def test_evaluate_command_prints_json(quotes) -> None:  # type: ignore[no-untyped-def]
    train, test, books = quotes
    run = CliRunner().invoke(app, ["evaluate-suggestions", "--train", str(train), "--test", str(test),
                                   "--codebooks", str(books), "--json"])
    assert run.exit_code == 0, run.output
    assert json.loads(run.output) == {"patterns": EXPECTED, "trained": EXPECTED}


def test_evaluate_rejects_unknown_themes(tmp_path: Path, quotes) -> None:  # type: ignore[no-untyped-def]
    train, _test, books = quotes
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "themes": ["velferd"]}\n', encoding="utf-8")
    with pytest.raises(InputError, match="velferd"):
        evaluate_suggestions(train, bad, books)


# a tiny demo corpus: one interview, coded by ingrid (and one coding by martin, which is ignored)
DEMO_TEXT = (
    "Intervjuer: Har dere tillit til lederen?\n\n"
    "Kari: Ja, vi har stor tillit til lederen vår. Vi måler alt hver uke.\n\n"
    "Intervjuer: Og lunsjen?\n\n"
    "Kari: Vi spiser lunsj sammen på fredag.\n"
)


def demo_corpus(folder: Path) -> Path:
    folder.mkdir()
    (folder / "inf1.txt").write_text(DEMO_TEXT, encoding="utf-8")
    spans = [("Ja, vi har stor tillit til lederen vår.", "tillit/a", "ingrid"),
             ("Vi måler alt hver uke.", "måling/b", "ingrid"),
             ("Vi måler alt hver uke.", "tillit/a", "ingrid"),
             ("Vi spiser lunsj sammen på fredag.", "tillit/a", "martin")]
    lines = ["document,start,end,code,coder,text"]
    for text, code, coder in spans:
        start = DEMO_TEXT.index(text)
        lines.append(f"inf1.txt,{start},{start + len(text)},{code},{coder},\"{text}\"")
    (folder / "codings.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "meta.csv").write_text("file,case\ninf1.txt,Informant 1\n", encoding="utf-8")  # marks a demo folder
    return folder


def test_demo_rows_are_coded_spans_and_uncoded_participant_turns(tmp_path: Path, quotes) -> None:  # type: ignore[no-untyped-def]
    books = load_codebooks(quotes[2])  # måling, tillit
    rows = demo_rows(books, 0.3, corpus_dir=demo_corpus(tmp_path / "demo"))
    got = {text: {book.name for book, on in zip(books, labels, strict=True) if on}
           for text, labels in zip(rows.texts, rows.labels, strict=True)}
    # the span coded twice is one row with both themes; martin's coding does not count, so the
    # lunch turn is a row without a theme; interviewer turns are never rows
    assert got == {"Ja, vi har stor tillit til lederen vår.": {"tillit"},
                   "Vi måler alt hver uke.": {"måling", "tillit"},
                   "Vi spiser lunsj sammen på fredag.": set()}
    assert rows.known.all() and np.allclose(rows.weights, 0.3)


def test_extra_training_option_is_honoured(tmp_path: Path, quotes, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    train, test, books = quotes
    monkeypatch.setenv("QUALCODE_DEMO_DIR", str(demo_corpus(tmp_path / "demo")))
    seen: list[TrainingData] = []
    original = Suggester.fit

    def spy(self: Suggester, data: TrainingData, extra: TrainingData | None = None) -> Suggester:
        if extra is not None:
            seen.append(extra)
        return original(self, data, extra)

    monkeypatch.setattr(Suggester, "fit", spy)
    evaluate_suggestions(train, test, books)  # default: none
    assert seen and all("Vi spiser lunsj sammen på fredag." not in extra.texts for extra in seen)
    seen.clear()
    evaluate_suggestions(train, test, books, extra_training="demo", extra_weight=0.25)
    assert seen
    for extra in seen:
        index = extra.texts.index("Vi spiser lunsj sammen på fredag.")
        assert extra.weights is not None and extra.weights[index] == 0.25
        assert extra.weights[extra.texts.index("Tillit.")] == 1.0  # a codebook row keeps weight 1
    with pytest.raises(InputError, match="extra training"):
        evaluate_suggestions(train, test, books, extra_training="everything")
    run = CliRunner().invoke(app, ["evaluate-suggestions", "--train", str(train), "--test", str(test),
                                   "--codebooks", str(books), "--extra-training", "demo", "--json"])
    assert run.exit_code == 0, run.output
    assert set(json.loads(run.output)) == {"patterns", "trained"}


THEMED_TRAIN = [
    *({"text": t, "themes": ["tillit"]} for t in [
        "Vi har tillit til hverandre i teamet.", "Lederen stoler på oss og viser tillit.",
        "Tilliten mellom kollegene er stor.", "Jeg stoler på at lederen tar gode valg.",
        "Det er god tillit mellom ledelsen og de ansatte."]),
    *({"text": t, "themes": ["måling"]} for t in [
        "Vi måler resultatene hver måned.", "Tallene på målekortet styrer mye.",
        "Måltallene kommer fra direktoratet.", "Vi rapporterer tall hver uke.",
        "Resultatene måles og sammenlignes med andre kontor."]),
    *({"text": t, "themes": []} for t in [
        "Vi spiser lunsj sammen.", "Kontoret ligger i sentrum.", "Jeg begynte her for fem år siden.",
        "Det var mye snø i vinter.", "Kantina har god kaffe."]),
]
THEMED_TEST = [
    {"text": "Tillit er grunnlaget for samarbeidet vårt.", "themes": ["tillit"]},
    {"text": "Målingene viser at vi ligger bak.", "themes": ["måling"]},
    {"text": "Parkeringen er full om morgenen.", "themes": []},
]


def test_trained_suggester_never_sees_test_quotes(tmp_path: Path, quotes, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _train, _test, books = quotes
    train, test = tmp_path / "themed_train.jsonl", tmp_path / "themed_test.jsonl"
    for path, rows in ((train, THEMED_TRAIN), (test, THEMED_TEST)):
        path.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in rows) + "\n", encoding="utf-8")
    fitted: list[str] = []
    threshold_rows: list[int] = []
    original_fit, original_best = Suggester.fit, evaluate_module._best_shared_threshold

    def spy_fit(self: Suggester, data: TrainingData, extra: TrainingData | None = None) -> Suggester:
        fitted.extend(data.texts + (extra.texts if extra is not None else []))
        return original_fit(self, data, extra)

    def spy_best(scores: np.ndarray, truth: np.ndarray, default: float) -> float:
        threshold_rows.append(len(truth))
        return original_best(scores, truth, default)

    monkeypatch.setattr(Suggester, "fit", spy_fit)
    monkeypatch.setattr(evaluate_module, "_best_shared_threshold", spy_best)
    result = evaluate_suggestions(train, test, books)
    test_texts = {q["text"] for q in THEMED_TEST}
    assert fitted and not test_texts & set(fitted)
    assert threshold_rows == [len(THEMED_TRAIN)]  # the threshold is chosen on TRAIN's out-of-fold scores
    assert result["trained"]["per_code"]["tillit"]["recall"] == 1.0
    # each test quote's prediction is the same whether scored alone or with the others
    loaded = load_codebooks(books)
    train_quotes = read_quotes(train)
    y = evaluate_module.label_matrix(train_quotes, [b.name for b in loaded], "train")
    together = predict_trained(loaded, train_quotes, y, [q["text"] for q in THEMED_TEST])
    alone = np.vstack([predict_trained(loaded, train_quotes, y, [q["text"]]) for q in THEMED_TEST])
    assert (together == alone).all()


def test_pattern_floor_keeps_strong_cues(quotes) -> None:  # type: ignore[no-untyped-def]
    books = load_codebooks(quotes[2])
    k = [b.name for b in books].index("tillit")
    # people rejected "tillit" four times: the model learns to distrust the word
    texts = [f"Tillit nummer {i} er ikke temaet her." for i in range(4)] + ["Vi stoler på hverandre."] * 3
    y = np.zeros((len(texts), len(books)), dtype=bool)
    y[4:, k] = True
    suggester = theme_suggester(books).fit(TrainingData(texts, y, np.ones_like(y)))
    probe = ["Tillit nummer 9 er ikke temaet her."]
    scores = suggester.score(probe)
    assert scores.blended[0, k] < scores.pattern[0, k] == 0.5
    assert theme_scores(suggester, probe)[0, k] == 0.5
    assert theme_scores(suggester, probe, pattern_floor=False)[0, k] == scores.blended[0, k]


def test_sample_weight_is_a_row_multiplicity() -> None:
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    x = sp.csr_matrix(rng.random((30, 5)))
    y = rng.random((30, 1)) > 0.5
    weights = np.ones(30)
    weights[:10] = 2.0
    weighted = MultiLabelLogistic(n_jobs=1).fit(x, y, sample_weight=weights)
    repeated = MultiLabelLogistic(n_jobs=1).fit(sp.vstack([x, x[:10]]).tocsr(), np.vstack([y, y[:10]]))
    assert np.allclose(weighted.coef_, repeated.coef_) and np.allclose(weighted.intercept_, repeated.intercept_)
    plain = TrainingData(["a"], np.ones((1, 1), bool), np.ones((1, 1), bool))
    light = TrainingData(["b", "c"], np.zeros((2, 1), bool), np.ones((2, 1), bool), np.array([0.5, 0.25]))
    assert plain.concat(plain).weights is None  # the project's decisions carry no weights
    assert plain.concat(light).weights.tolist() == [1.0, 0.5, 0.25]
    assert plain.concat(light).subset(np.array([2])).weights.tolist() == [0.25]


def test_metrics_zero_division_is_zero() -> None:
    truth = np.array([[True], [False]])
    result = metrics(truth, np.zeros_like(truth), ["t"])
    assert result["per_code"]["t"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_cli_suggest_review_decide_report(project) -> None:  # type: ignore[no-untyped-def]
    engine, ids = project
    db = engine.url.database
    runner = CliRunner()
    run = runner.invoke(app, ["suggest", "--db", db])
    assert run.exit_code == 0 and "pending suggestions" in run.output
    run = runner.invoke(app, ["review", "--db", db, "--order", "confidence", "-f", "json"])
    rows = json.loads(run.output)
    assert rows and rows[0]["score"] == max(r["score"] for r in rows)
    run = runner.invoke(app, ["decide", str(rows[0]["suggestion_id"]), "accept", "--coder", "ingrid", "--db", db])
    assert run.exit_code == 0 and "coding" in run.output
    run = runner.invoke(app, ["suggestion-report", "--db", db])
    assert run.exit_code == 0 and "code,mode,positives," in run.output
