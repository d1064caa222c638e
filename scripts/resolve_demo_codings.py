"""Turn the demo coders' quote files into corpora/demo/codings.csv with code-point offsets.

The reference coding was written as exact quotes (document, code, coder, quote); this script finds
each quote in the document text exactly as qualcode imports it, and writes document, start, end,
code, coder, text. A quote that is missing or not unique stops the script with its row.

    python scripts/resolve_demo_codings.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from qualcode.ingest import read_transcript

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"


def main() -> int:
    texts: dict[str, str] = {}
    rows_out: list[dict[str, object]] = []
    problems: list[str] = []
    for source in sorted(DEMO.glob("coding_quotes_*.csv")):
        with source.open(encoding="utf-8", newline="") as fh:
            for lineno, row in enumerate(csv.DictReader(fh), start=2):
                doc = row["document"].strip()
                if doc not in texts:
                    texts[doc] = read_transcript(DEMO / doc).text
                text = texts[doc]
                quote = row["quote"].strip()
                if text.find(quote) == -1:
                    quote = " ".join(quote.split())
                start = text.find(quote)
                if start == -1:
                    problems.append(f"{source.name} row {lineno}: quote not found in {doc}: {quote[:50]}")
                    continue
                if text.find(quote, start + 1) != -1:
                    problems.append(f"{source.name} row {lineno}: quote occurs more than once in {doc}")
                    continue
                end = start + len(quote)
                rows_out.append({"document": doc, "start": start, "end": end, "code": row["code"].strip(),
                                 "coder": row["coder"].strip(), "text": text[start:end]})
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    rows_out.sort(key=lambda r: (r["coder"], r["document"], r["start"], r["code"]))
    with (DEMO / "codings.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["document", "start", "end", "code", "coder", "text"])
        writer.writeheader()
        writer.writerows(rows_out)
    print(f"wrote {len(rows_out)} codings to {DEMO / 'codings.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
