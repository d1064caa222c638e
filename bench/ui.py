"""How fast every workbench page renders, measured with Streamlit's AppTest.

    python bench/ui.py            # builds the demo project and a 500-document project in a temp folder
    python bench/ui.py --docs 500 --keep /tmp/bench-ui

Prints JSON: for the demo project and the large project, per page the seconds of one script run
with empty data caches (``cold``: what the first visit after an edit costs) and with warm caches
(``warm``: switching back to a page), plus the time to apply one code on the Koding page. Goals:
every page under 1 s on the demo project and under 2 s on a 500-document project. Imports are paid
once before any clock starts (a running server has them loaded).

The large project is the demo project cloned until it holds ``--docs`` documents: each copy gets its
own documents (renamed), cases (with the same attributes), segments, codings and suggestions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOALS = {"demo": 1.0, "large": 2.0}


def _page(name: str) -> None:  # the AppTest script
    from qualcode.ui.app import render_page

    render_page(name)


def build_demo_project(path: Path) -> None:
    from qualcode.db.session import open_engine, session_scope
    from qualcode.demo import build_demo
    from qualcode.suggest.project import score_project

    build_demo(path)
    with session_scope(open_engine(path)) as session:
        score_project(session, actor="bench")


def clone_project(source: Path, target: Path, documents: int) -> None:
    """Copy ``source`` and add renamed copies of its documents until there are ``documents``."""
    from sqlalchemy import insert, select

    from qualcode.db.models import Case, CaseAttribute, Coding, Document, Segment, Suggestion
    from qualcode.db.session import open_engine, session_scope

    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    engine = open_engine(target)
    with session_scope(engine) as s:
        docs = s.scalars(select(Document).order_by(Document.id)).all()
        cases = {c.id: c for c in s.scalars(select(Case))}
        values = s.execute(select(CaseAttribute.case_id, CaseAttribute.attribute_id, CaseAttribute.value)).all()
        segs = s.execute(select(Segment.__table__)).mappings().all()
        codings = s.execute(select(Coding.__table__)).mappings().all()
        suggestions = s.execute(select(Suggestion.__table__)).mappings().all()
        base = [(d.id, d.name, d.text, d.format, d.case_id, d.word_count, dict(d.meta or {})) for d in docs]
    total = len(base)
    k = 0
    while total < documents:
        k += 1
        with session_scope(engine) as s:
            new_case: dict[int, int] = {}
            for case_id, case in cases.items():
                row = Case(name=f"{case.name} · kopi {k}")
                s.add(row)
                s.flush()
                new_case[case_id] = row.id
            s.execute(insert(CaseAttribute), [{"case_id": new_case[c], "attribute_id": a, "value": v}
                                              for c, a, v in values if c in new_case])
            new_doc: dict[int, int] = {}
            for doc_id, name, text, fmt, case_id, words, meta in base[: documents - total]:
                row = Document(name=f"kopi{k:02d}_{name}", text=text, format=fmt, word_count=words, meta=meta,
                               sha256=hashlib.sha256(f"{k}:{text}".encode()).hexdigest(),
                               case_id=new_case.get(case_id) if case_id else None)
                s.add(row)
                s.flush()
                new_doc[doc_id] = row.id
            total += len(new_doc)
            new_seg: dict[int, int] = {}
            for seg in segs:
                if seg["document_id"] in new_doc:
                    values_ = {k_: v for k_, v in seg.items() if k_ != "id"}
                    values_["document_id"] = new_doc[seg["document_id"]]
                    new_seg[seg["id"]] = s.execute(insert(Segment).values(**values_)).inserted_primary_key[0]
            rows = [{**{k_: v for k_, v in c.items() if k_ != "id"}, "document_id": new_doc[c["document_id"]]}
                    for c in codings if c["document_id"] in new_doc]
            if rows:
                s.execute(insert(Coding), rows)
            rows = [{**{k_: v for k_, v in g.items() if k_ not in ("id", "coding_id")},
                     "segment_id": new_seg[g["segment_id"]], "coding_id": None}
                    for g in suggestions if g["segment_id"] in new_seg and g["status"] == "pending"]
            if rows:
                s.execute(insert(Suggestion), rows)


def measure(db: Path, pages: list[str], coder: str = "bench") -> dict[str, Any]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["QUALCODE_DB"] = str(db)
    out: dict[str, Any] = {}
    for page in pages:
        st.cache_data.clear()
        at = AppTest.from_function(_page, args=(page,), default_timeout=120)
        at.session_state["qc_coder"] = coder
        started = time.perf_counter()
        at.run()
        cold = time.perf_counter() - started
        started = time.perf_counter()
        at.run()
        warm = time.perf_counter() - started
        problems = [e.value for e in at.exception] + [e.value for e in at.error]
        out[page] = {"cold": round(cold, 3), "warm": round(warm, 3), **({"errors": problems} if problems else {})}
    # one interaction: apply a code to the selected segment
    at = AppTest.from_function(_page, args=("koding",), default_timeout=120)
    at.session_state["qc_coder"] = coder
    at.run()
    at.selectbox(key="koding_code").set_value(_first_code_id(db)).run()
    started = time.perf_counter()
    at.button(key="koding_apply").click().run()
    out["koding_apply_code"] = {"warm": round(time.perf_counter() - started, 3)}
    return out


def _first_code_id(db: Path) -> int:
    from qualcode import workbench

    return workbench.code_choices(workbench.open_project(db))[0].id


def _documents(db: Path) -> int:
    from qualcode import workbench

    return workbench.project_summary(workbench.open_project(db)).documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=500, help="documents in the large project")
    parser.add_argument("--keep", type=Path, help="folder to build the projects in (kept; reused if present)")
    args = parser.parse_args()
    os.environ.setdefault("QUALCODE_CODER", "bench")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="qualcode-bench-ui-"))
    folder.mkdir(parents=True, exist_ok=True)
    demo, large = folder / "demo.sqlite", folder / f"large{args.docs}.sqlite"
    started = time.perf_counter()
    if not demo.exists():
        build_demo_project(demo)
    if not large.exists():
        clone_project(demo, large, args.docs)
    build_seconds = time.perf_counter() - started

    from qualcode.ui.app import PAGES

    pages = [p.name for p in PAGES]
    warmup = folder / "warmup.sqlite"
    with sqlite3.connect(demo) as src, sqlite3.connect(warmup) as dst:
        src.backup(dst)
    measure(warmup, pages)  # imports and first-use costs, not timed
    report: dict[str, Any] = {"build_seconds": round(build_seconds, 1), "goals_seconds": GOALS}
    for label, db in (("demo", demo), ("large", large)):
        copy = folder / f"{label}-run.sqlite"
        with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        figures = measure(copy, pages)
        slowest = max(v["cold"] for k, v in figures.items() if k in pages)
        report[label] = {"documents": _documents(copy), "pages": figures, "slowest_cold": slowest,
                         "within_goal": slowest < GOALS[label]}
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
