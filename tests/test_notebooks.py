"""Notebooks are executed, so they never rot."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_cross_case_notebook_runs(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(ROOT / "notebooks" / "cross_case.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    bundles = [o.get("data", {}) for o in outputs if o.get("output_type") in ("execute_result", "display_data")]
    assert any("vega" in mime or "vega-embed" in str(body) for data in bundles for mime, body in data.items()), \
        "the chart did not render"
    text = "\n".join(str(o.get("text", "")) for o in outputs)
    assert "16 documents" in text or "QUALCODE_NOTEBOOK_DB" in text
