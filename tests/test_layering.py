"""Dependency rules, read from the imports of every module (ARCHITECTURE.md, 'Dependency rules')."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "qualcode"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(sub: str = "") -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


def _uses(names: set[str], prefix: str) -> bool:
    return any(n == prefix or n.startswith(prefix + ".") for n in names)


def test_only_the_ui_imports_streamlit() -> None:
    offenders = [p for p in _modules() if _uses(_imports(p), "streamlit") and "ui" not in p.relative_to(PACKAGE).parts]
    assert offenders == []


def test_ui_never_imports_sqlalchemy_or_the_models() -> None:
    offenders = [p for p in _modules("ui")
                 if _uses(_imports(p), "sqlalchemy") or _uses(_imports(p), "qualcode.db")]
    assert offenders == []


def test_analysis_imports_neither_db_nor_nlp() -> None:
    paths = [PACKAGE / "analysis.py"] if (PACKAGE / "analysis.py").exists() else _modules("analysis")
    assert paths
    for path in paths:
        names = _imports(path)
        assert not any(_uses(names, m) for m in ("qualcode.db", "qualcode.nlp", "sqlalchemy", "streamlit")), path


def test_db_imports_nothing_of_qualcode_but_errors() -> None:
    for path in _modules("db"):
        own = {n for n in _imports(path) if n.startswith("qualcode")}
        assert own <= {"qualcode.errors", "qualcode.db", "qualcode.db.models", "qualcode.db.session"}, path


def test_importing_qualcode_loads_no_heavy_library() -> None:
    import subprocess
    import sys

    code = ("import sys, qualcode, qualcode.errors; "
            "print(sorted(m for m in ('spacy', 'streamlit', 'sqlalchemy', 'pandas', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
