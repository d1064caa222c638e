"""Benchmark the analysis layer on a synthetic project.

    python bench/analysis.py --codings 1000000 --json

prints ``{"codings", "matrix_seconds", "agreement_seconds", "cooccurrence_seconds"}``. The frames are
built in memory with the columns of ``qualcode.frames`` (no database), seeded, so only the analysis
functions are timed: the code x ledermodell matrix (all measures), two-coder agreement with a
1,000-resample bootstrap, and segment co-occurrence. Goal: each under 1 s at 1,000,000 codings.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qualcode.analysis import agreement, cooccurrence, matrix_long  # noqa: E402
from qualcode.analysis.common import overlap_pairs  # noqa: E402

CODEBOOKS = {"tillit": 6, "autonomi": 5, "måling": 6, "likeverd": 6}
SEGMENTS_PER_DOCUMENT = 200


def synthetic(n_codings: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """Cases, participant segments, codings and coded segments shaped like ``qualcode.frames``."""
    rng = np.random.default_rng(seed)
    n_docs = max(4, n_codings // 2000)
    cases = pd.DataFrame({
        "case": [f"Informant {i + 1}" for i in range(n_docs)],
        "ledermodell": np.where(np.arange(n_docs) % 2 == 0, "enleder", "toleder"),
        "linje": np.where(np.arange(n_docs) % 4 < 2, "stat", "kommune"),
    })
    n_seg = n_docs * SEGMENTS_PER_DOCUMENT
    doc_of_seg = np.repeat(np.arange(n_docs), SEGMENTS_PER_DOCUMENT)
    ordinal = np.tile(np.arange(SEGMENTS_PER_DOCUMENT), n_docs)
    length = rng.integers(40, 600, n_seg)
    ends = np.cumsum(length.reshape(n_docs, -1), axis=1).reshape(-1)
    starts = ends - length
    segments = pd.DataFrame({
        "segment_id": np.arange(n_seg) + 1, "document_id": doc_of_seg + 1,
        "document": pd.Series([f"intervju{d + 1}.txt" for d in range(n_docs)]).to_numpy()[doc_of_seg],
        "case": cases["case"].to_numpy()[doc_of_seg], "ordinal": ordinal, "start": starts, "end": ends,
        "speaker_role": "participant", "words": length // 6, "text": "",
    })
    code_paths = [f"{book}/kode {i}" for book, n in CODEBOOKS.items() for i in range(n)]
    books = [p.split("/")[0] for p in code_paths]
    seg = rng.integers(0, n_seg, n_codings)
    code = rng.integers(0, len(code_paths), n_codings)
    coder = np.where(rng.random(n_codings) < 0.5, "ingrid", "martin")
    start = starts[seg] + rng.integers(0, 20, n_codings)
    end = np.minimum(start + rng.integers(20, 400, n_codings), ends[seg] + rng.integers(0, 50, n_codings))
    end = np.maximum(end, start + 1)
    codings = pd.DataFrame({
        "coding_id": np.arange(n_codings) + 1, "document_id": doc_of_seg[seg] + 1,
        "document": segments["document"].to_numpy()[seg], "case": segments["case"].to_numpy()[seg],
        "start": start, "end": end, "code_id": code + 1,
        "code": np.array([p.split("/")[1] for p in code_paths])[code],
        "code_path": np.array(code_paths)[code], "codebook": np.array(books)[code], "coder": coder,
        "source": "manual", "words": (end - start) // 6,
    })
    ci, si = overlap_pairs(codings["document_id"], codings["start"], codings["end"],
                           segments["document_id"], segments["start"], segments["end"])
    coded = pd.concat([
        codings.iloc[ci][["coding_id", "document_id", "document", "case", "code_id", "code", "code_path",
                          "codebook", "coder", "source"]].reset_index(drop=True),
        segments.iloc[si][["segment_id", "ordinal", "speaker_role"]].reset_index(drop=True),
    ], axis=1)
    codes = pd.DataFrame({"code_path": code_paths, "codebook": books, "retired": False})
    return {"cases": cases, "segments": segments, "codings": codings, "coded": coded, "codes": codes}


def _timed(func, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    func(*args, **kwargs)
    return time.perf_counter() - started


def run(n_codings: int) -> dict[str, float | int]:
    warm = synthetic(2000, seed=2)  # first calls import scipy parts; time the computing, not the imports
    matrix_long(warm["codings"], warm["coded"], warm["segments"], warm["cases"], cols="ledermodell")
    agreement(warm["codings"], warm["coded"], warm["segments"], ["ingrid", "martin"], n_boot=10)
    cooccurrence(warm["coded"])
    f = synthetic(n_codings)
    return {
        "codings": n_codings,
        "matrix_seconds": _timed(matrix_long, f["codings"], f["coded"], f["segments"], f["cases"],
                                 rows="code", cols="ledermodell", codes=f["codes"]),
        "agreement_seconds": _timed(agreement, f["codings"], f["coded"], f["segments"], ["ingrid", "martin"],
                                    codes=f["codes"]),
        "cooccurrence_seconds": _timed(cooccurrence, f["coded"], codes=f["codes"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codings", type=int, default=100_000, help="number of synthetic codings")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = run(args.codings)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>22}: {value:.3f}" if isinstance(value, float) else f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
