"""Intercoder agreement on fixed units: participant segments x codes, 0/1 per coder.

Unit of agreement: a participant segment of a document that *every* chosen coder has coded (has at
least one coding in). A document coded by only some of the coders is not a unit of agreement; it is
reported in ``documents_skipped``. For each unit and code a coder's decision is 1 when the coder
applied the code to a span overlapping the segment, else 0. Uncoded text is therefore a unit where
both say 0, counted once per segment (not per character).

Per code and overall:

- ``percent_agreement`` -- share (0-1) of units where all coders made the same decision;
- ``kappa`` -- Cohen's kappa (two coders only): (p_o - p_e) / (1 - p_e), p_e = pA(1)pB(1) + pA(0)pB(0);
  undefined (NaN) when p_e = 1, i.e. both coders made one and the same decision everywhere;
- ``alpha`` -- Krippendorff's alpha, nominal, any number of coders, from the coincidence matrix:
  alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k;
- bootstrap 95 % intervals (percentile, resampling units with replacement, seeded);
- ``prevalence`` -- share of all decisions that are 1.

``overall`` pools every unit x code decision into one table ("pooled") and also gives the mean of
the per-code values. The bootstrap is vectorised: units with the same decision pattern are
exchangeable, so a resample is a multinomial draw over the patterns' frequencies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qualcode.analysis.common import dimension_order, positions, require_columns, unique_ints
from qualcode.errors import InputError

UNITS = ("segment",)
N_BOOT = 1000
SEED = 20240917
_MAX_BOOT_CELLS = 20_000_000  # B x patterns per chunk of the pooled bootstrap


def krippendorff_alpha_nominal(reliability_data: Any) -> float:
    """Krippendorff's alpha for nominal data; ``reliability_data`` is coders x units, NaN = missing.

    Values may be any numbers (categories). Units with fewer than two values are not pairable and
    are ignored. Returns NaN when alpha is undefined (fewer than two values used overall).
    """
    data = np.asarray(reliability_data, dtype=float)
    if data.ndim != 2:
        raise InputError("reliability data must be a coders x units table")
    present = ~np.isnan(data)
    categories = np.unique(data[present])
    counts = np.stack([((data == c) & present).sum(axis=0) for c in categories], axis=1).astype(float)  # U x C
    m = counts.sum(axis=1)
    pairable = m >= 2
    counts, m = counts[pairable], m[pairable]
    n_c = counts.sum(axis=0)
    n = n_c.sum()
    o_diag = ((counts * (counts - 1)).sum(axis=1) / (m - 1)).sum()
    expected = n * n - (n_c * n_c).sum()
    if expected <= 0:
        return math.nan
    return float(1 - (n - 1) * (n - o_diag) / expected)


def cohen_kappa(a: Any, b: Any) -> float:
    """Cohen's kappa of two coders' labels (any categories); NaN when undefined (p_e = 1)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.ndim != 1:
        raise InputError("kappa needs two label sequences of the same length")
    labels = np.unique(np.concatenate([a, b]))
    p_o = float((a == b).mean())
    p_e = float(sum((a == k).mean() * (b == k).mean() for k in labels))
    return math.nan if p_e >= 1 else (p_o - p_e) / (1 - p_e)


@dataclass(frozen=True)
class _Patterns:
    """Decision patterns of one unit x code item: how many coders said yes (and, for two coders, who)."""

    n_coders: int
    yes: np.ndarray  # yes count per pattern
    a_yes: np.ndarray  # first coder said yes (two coders only)
    b_yes: np.ndarray

    @classmethod
    def for_coders(cls, n_coders: int) -> _Patterns:
        if n_coders == 2:
            pats = np.arange(4)
            a, b = pats >> 1, pats & 1
            return cls(2, a + b, a, b)
        yes = np.arange(n_coders + 1)
        return cls(n_coders, yes, np.zeros_like(yes), np.zeros_like(yes))

    def index(self, decisions: np.ndarray) -> np.ndarray:
        """Pattern index of each item; ``decisions`` is coders x items (0/1)."""
        if self.n_coders == 2:
            return decisions[0] * 2 + decisions[1]
        return decisions.sum(axis=0)

    def stats(self, w: np.ndarray) -> dict[str, np.ndarray]:
        """Statistics from pattern counts ``w`` (... x patterns), vectorised over leading axes."""
        w = w.astype(float)
        r = self.n_coders
        items = w.sum(axis=-1)
        n1 = w @ self.yes.astype(float)
        n = items * r
        n0 = n - n1
        agree = w @ ((self.yes == 0) | (self.yes == r)).astype(float)
        no = r - self.yes
        o_diag = w @ ((self.yes * (self.yes - 1) + no * (no - 1)) / (r - 1)).astype(float)
        expected = n * n - n0 * n0 - n1 * n1
        with np.errstate(invalid="ignore", divide="ignore"):
            out = {
                "percent_agreement": np.where(items > 0, agree / np.where(items > 0, items, 1), np.nan),
                "alpha": np.where(expected > 0, 1 - (n - 1) * (n - o_diag) / np.where(expected > 0, expected, 1),
                                  np.nan),
                "prevalence": np.where(n > 0, n1 / np.where(n > 0, n, 1), np.nan),
            }
            if r == 2:
                # exact in counts: kappa = (N * agree - E) / (N^2 - E), E = A1 B1 + A0 B0
                a1, b1 = w @ self.a_yes.astype(float), w @ self.b_yes.astype(float)
                chance = a1 * b1 + (items - a1) * (items - b1)
                denom = items * items - chance
                out["kappa"] = np.where(denom > 0, (items * agree - chance) / np.where(denom > 0, denom, 1), np.nan)
            else:
                out["kappa"] = np.full(np.shape(items), np.nan)
        return out


@dataclass
class AgreementResult:
    """Everything :func:`agreement` computes; ``to_dict()`` is the JSON the CLI writes."""

    coders: list[str]
    unit: str
    per_code: pd.DataFrame
    overall: dict[str, Any]
    disagreements: pd.DataFrame
    documents: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    n_boot: int = N_BOOT
    seed: int = SEED

    @property
    def documents_skipped(self) -> pd.DataFrame:
        return self.documents[~self.documents["used"]].reset_index(drop=True)

    def table(self) -> pd.DataFrame:
        """Per-code rows plus one pooled row (``code = "(samlet)"``), for CSV/XLSX."""
        pooled = {k: v for k, v in self.overall.items() if not isinstance(v, dict | list)}
        table = pd.concat([self.per_code, pd.DataFrame([{"code": "(samlet)", **pooled}])], ignore_index=True)
        for column in ("n_units", "n_coders", "agreements", "disagreements", "n_codes", "n_decisions",
                       *[f"units_yes_{c}" for c in self.coders]):
            if column in table:
                table[column] = table[column].astype("Int64")
        return table

    def to_dict(self) -> dict[str, Any]:
        per_code = {row["code"]: {k: v for k, v in row.items() if k != "code"}
                    for row in self.per_code.to_dict(orient="records")}
        used = self.documents[self.documents["used"]]
        return {
            "coders": self.coders,
            "unit": self.unit,
            "method": METHOD_TEXT,
            "bootstrap": {"resamples": self.n_boot, "seed": self.seed, "interval": "percentile 95 %"},
            "n_documents": int(len(used)),
            "documents": used["document"].tolist(),
            "documents_skipped": [
                {"document": d, "coded_by": c} for d, c in
                zip(self.documents_skipped["document"], self.documents_skipped["coded_by"], strict=True)
            ],
            "per_code": per_code,
            "overall": self.overall,
            "disagreements": self.disagreements,
            "notes": self.notes,
        }


METHOD_TEXT = (
    "Enhet: deltakersegment (intervjuerens replikker er utelatt) i dokumenter som alle valgte kodere har kodet. "
    "For hver enhet og kode er en koders beslutning 1 hvis koderen har brukt koden på et tekstutdrag som "
    "overlapper segmentet, ellers 0. Prosentvis enighet = andel enheter der alle koderne er enige. "
    "Cohens kappa = (p_o - p_e)/(1 - p_e) med p_e = pA(1)pB(1) + pA(0)pB(0) (bare to kodere). "
    "Krippendorffs alfa (nominal) = 1 - (n - 1) * sum(o_ck, c != k) / sum(n_c n_k, c != k) fra "
    "koinsidensmatrisen. 95 % konfidensintervall ved bootstrap over enheter."
)


def agreement(
    codings: pd.DataFrame,
    coded_segments: pd.DataFrame,
    segments: pd.DataFrame,
    coders: list[str],
    unit: str = "segment",
    codes: pd.DataFrame | None = None,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> AgreementResult:
    """Agreement of ``coders`` (two or more) per code and overall; see the module docstring.

    ``per_code`` columns: ``code, codebook, n_units, n_coders, units_yes_<coder>..., agreements,
    disagreements, percent_agreement, kappa, alpha, percent_agreement_ci_low/high, kappa_ci_low/high,
    alpha_ci_low/high, prevalence, note``. ``disagreements`` columns: ``document, case, segment_id,
    ordinal, code, coders_yes, coders_no, text``. Raises InputError for fewer than two coders, a coder
    without codings, an unknown unit or no document coded by all coders.
    """
    if unit not in UNITS:
        raise InputError(f"--unit {unit}: use one of {', '.join(UNITS)}")
    coders = list(dict.fromkeys(c.strip() for c in coders if c and c.strip()))
    if len(coders) < 2:
        raise InputError(f"--coders needs at least two different coders (got {', '.join(coders) or 'none'})")
    require_columns(codings, ["document_id", "document", "coder"], "codings")
    require_columns(coded_segments, ["segment_id", "code_path", "coder"], "coded segments")
    require_columns(segments, ["segment_id", "document_id", "document", "case", "ordinal", "text"], "segments")
    present = set(codings["coder"].unique().tolist())
    for coder in coders:
        if coder not in present:
            raise InputError(f"coder '{coder}' has no codings; coders with codings: {', '.join(sorted(present))}")

    documents = _documents(codings, coders)
    used_ids = documents.loc[documents["used"], "document_id"]
    if not len(used_ids):
        raise InputError(f"no document is coded by all of {', '.join(coders)}; agreement needs documents "
                         "that every coder has coded")
    units = segments[segments["document_id"].isin(used_ids)].reset_index(drop=True)
    # work on integer positions only; string columns are factorised once
    r = positions(coded_segments["coder"], coders)
    u = pd.Index(units["segment_id"]).get_indexer(coded_segments["segment_id"])
    code_ix, code_names = pd.factorize(coded_segments["code_path"])
    keep = (r >= 0) & (u >= 0) & (code_ix >= 0)
    names = list(code_names)
    used_codes = [names[i] for i in unique_ints(code_ix[keep]).tolist()]
    code_order = dimension_order("code", pd.DataFrame({"case": []}), used_codes, codes)
    code_order = [c for c in code_order if c in set(used_codes)]
    books = {c: c.split("/", 1)[0] for c in code_order}
    if codes is not None and "codebook" in codes:
        books.update((p, b) for p, b in zip(codes["code_path"].tolist(), codes["codebook"].tolist(), strict=True)
                     if p in books)
    slot = {c: i for i, c in enumerate(code_order)}
    k = np.array([slot.get(n, -1) for n in names] + [-1], dtype=np.int64)[code_ix]

    decisions = np.zeros((len(coders), len(units), len(code_order)), dtype=np.int8)
    decisions[r[keep], u[keep], k[keep]] = 1

    patterns = _Patterns.for_coders(len(coders))
    item_pattern = patterns.index(decisions)  # units x codes
    n_pat = len(patterns.yes)
    rng = np.random.default_rng(seed)
    per_code = _per_code(decisions, item_pattern, patterns, code_order, books, coders, rng, n_boot)
    overall = _overall(item_pattern, patterns, per_code, rng, n_boot, n_pat, len(units))
    notes = _notes(coders, documents, per_code)
    return AgreementResult(
        coders=coders, unit=unit, per_code=per_code, overall=overall,
        disagreements=_disagreements(decisions, units, code_order, coders),
        documents=documents, notes=notes, n_boot=n_boot, seed=seed,
    )


def _documents(codings: pd.DataFrame, coders: list[str]) -> pd.DataFrame:
    coder_pos = positions(codings["coder"], coders)
    mine = coder_pos >= 0
    doc_codes, doc_ids = pd.factorize(codings["document_id"])
    pairs = unique_ints(doc_codes[mine].astype(np.int64) * len(coders) + coder_pos[mine])
    seen = np.zeros((len(doc_ids), len(coders)), dtype=bool)
    seen[pairs // len(coders), pairs % len(coders)] = True
    names = codings.drop_duplicates("document_id").set_index("document_id")["document"]
    frame = pd.DataFrame({"document_id": np.asarray(doc_ids), "coded_by": [
        ", ".join(sorted(c for c, flag in zip(coders, row, strict=True) if flag)) for row in seen.tolist()]})
    frame = frame[seen.any(axis=1)]
    frame.insert(1, "document", frame["document_id"].map(names).astype(object))
    frame["used"] = seen[seen.any(axis=1)].all(axis=1)
    return frame.sort_values("document", kind="stable").reset_index(drop=True)


def _ci(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if len(finite) < max(10, len(values) // 2):
        return math.nan, math.nan
    low, high = np.percentile(finite, [2.5, 97.5])
    return float(low), float(high)


def _per_code(decisions: np.ndarray, item_pattern: np.ndarray, patterns: _Patterns, code_order: list[str],
              books: dict[str, str], coders: list[str], rng: np.random.Generator, n_boot: int) -> pd.DataFrame:
    n_units = item_pattern.shape[0]
    n_pat = len(patterns.yes)
    records = []
    for j, code in enumerate(code_order):
        w = np.bincount(item_pattern[:, j], minlength=n_pat)
        point = {k: float(v) for k, v in patterns.stats(w).items()}
        boot = patterns.stats(rng.multinomial(n_units, w / n_units, size=n_boot)) if n_boot else {}
        agreements = int(w[(patterns.yes == 0) | (patterns.yes == patterns.n_coders)].sum())
        record: dict[str, Any] = {"code": code, "codebook": books.get(code, code.split("/", 1)[0]),
                                  "n_units": n_units, "n_coders": len(coders)}
        for i, coder in enumerate(coders):
            record[f"units_yes_{coder}"] = int(decisions[i, :, j].sum())
        record.update({"agreements": agreements, "disagreements": n_units - agreements})
        record.update({k: point[k] for k in ("percent_agreement", "kappa", "alpha")})
        for name in ("percent_agreement", "kappa", "alpha"):
            low, high = _ci(boot[name]) if n_boot else (math.nan, math.nan)
            record[f"{name}_ci_low"], record[f"{name}_ci_high"] = low, high
        record["prevalence"] = point["prevalence"]
        record["note"] = _code_note(point, len(coders))
        records.append(record)
    columns = ["code", "codebook", "n_units", "n_coders", *[f"units_yes_{c}" for c in coders], "agreements",
               "disagreements", "percent_agreement", "kappa", "alpha", "percent_agreement_ci_low",
               "percent_agreement_ci_high", "kappa_ci_low", "kappa_ci_high", "alpha_ci_low", "alpha_ci_high",
               "prevalence", "note"]
    return pd.DataFrame.from_records(records, columns=columns)


def _code_note(point: dict[str, float], n_coders: int) -> str:
    notes = []
    if n_coders != 2:
        notes.append("kappa (Cohen) gjelder bare to kodere; se alfa")
    elif math.isnan(point["kappa"]):
        notes.append("kappa er udefinert: ingen variasjon (samme beslutning på alle enheter)")
    if math.isnan(point["alpha"]):
        notes.append("alfa er udefinert: bare én verdi er brukt")
    if not math.isnan(point["prevalence"]) and point["prevalence"] < 0.05:
        notes.append("lav forekomst: kappa og alfa blir lave selv ved høy prosentvis enighet")
    return "; ".join(notes)


def _overall(item_pattern: np.ndarray, patterns: _Patterns, per_code: pd.DataFrame, rng: np.random.Generator,
             n_boot: int, n_pat: int, n_units: int) -> dict[str, Any]:
    n_items = item_pattern.size
    w = np.bincount(item_pattern.reshape(-1), minlength=n_pat)
    point = {k: float(v) for k, v in patterns.stats(w).items()}
    overall: dict[str, Any] = {"n_units": n_units, "n_codes": int(item_pattern.shape[1]), "n_decisions": n_items}
    overall.update({k: point[k] for k in ("percent_agreement", "kappa", "alpha")})
    if n_boot and n_items:
        # per-unit pattern counts; identical rows are exchangeable units -> multinomial over distinct rows
        per_unit = np.stack([(item_pattern == p).sum(axis=1) for p in range(n_pat)], axis=1).astype(np.int64)
        base = item_pattern.shape[1] + 1
        if base ** n_pat < 2**62:  # encode each row as one integer: faster than unique(axis=0)
            weights = base ** np.arange(n_pat, dtype=np.int64)
            _, first, freq = np.unique(per_unit @ weights, return_index=True, return_counts=True)
            distinct = per_unit[first]
        else:
            distinct, freq = np.unique(per_unit, axis=0, return_counts=True)
        chunk = max(1, _MAX_BOOT_CELLS // max(1, len(distinct)))
        draws = []
        for start in range(0, n_boot, chunk):
            size = min(chunk, n_boot - start)
            draws.append(rng.multinomial(n_units, freq / n_units, size=size) @ distinct)
        boot = patterns.stats(np.concatenate(draws))
        for name in ("percent_agreement", "kappa", "alpha"):
            overall[f"{name}_ci_low"], overall[f"{name}_ci_high"] = _ci(boot[name])
    overall["prevalence"] = point["prevalence"]
    for name in ("percent_agreement", "kappa", "alpha"):
        values = per_code[name].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        overall[f"mean_{name}"] = float(finite.mean()) if len(finite) else math.nan
    return overall


def _notes(coders: list[str], documents: pd.DataFrame, per_code: pd.DataFrame) -> list[str]:
    notes = []
    skipped = documents[~documents["used"]]
    if len(skipped):
        notes.append(f"{len(skipped)} dokument(er) er ikke kodet av alle koderne og er utelatt: "
                     + ", ".join(f"{d} ({c})" for d, c in zip(skipped["document"], skipped["coded_by"], strict=True)))
    if len(coders) > 2:
        notes.append("Cohens kappa er bare definert for to kodere; bruk Krippendorffs alfa")
    if per_code.empty:
        notes.append("ingen koder er brukt i enhetene")
    return notes


def _disagreements(decisions: np.ndarray, units: pd.DataFrame, code_order: list[str],
                   coders: list[str]) -> pd.DataFrame:
    yes = decisions.sum(axis=0)
    u, k = np.nonzero((yes > 0) & (yes < len(coders)))
    # who said yes, as a bitmask per item; at most 2^coders distinct masks get a text label
    mask = np.zeros(len(u), dtype=np.int64)
    for i in range(len(coders)):
        mask |= decisions[i, u, k].astype(np.int64) << i
    masks, inverse = np.unique(mask, return_inverse=True)
    said_yes = [", ".join(c for i, c in enumerate(coders) if m >> i & 1) for m in masks.tolist()]
    said_no = [", ".join(c for i, c in enumerate(coders) if not m >> i & 1) for m in masks.tolist()]
    frame = units.iloc[u][["document", "case", "segment_id", "ordinal", "text"]].reset_index(drop=True)
    frame.insert(4, "code", pd.Categorical.from_codes(k, categories=pd.Index(code_order, dtype=object)))
    frame.insert(5, "coders_yes", pd.Categorical.from_codes(inverse, categories=pd.Index(said_yes, dtype=object)))
    frame.insert(6, "coders_no", pd.Categorical.from_codes(inverse, categories=pd.Index(said_no, dtype=object)))
    return frame
