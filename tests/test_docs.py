"""Docs that tests keep honest: README commands, CI, ARCHITECTURE.md, CLI help."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from qualcode.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", setup)


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one_verbatim() -> None:
    run, test = _readme_commands()
    assert run.endswith("qualcode demo") and "pip install" in run
    assert test.endswith("pytest") and "pip install" in test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()


def test_every_module_is_described_in_architecture_md() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = []
    for path in sorted((ROOT / "qualcode").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if path.name in {"__init__.py", "__main__.py"} or "/migrations/" in rel:
            continue
        short = rel.removeprefix("qualcode/")
        package = short.rsplit("/", 1)[0] + "/" if "/" in short else None
        named_in_package = package is not None and package in text and f"`{path.name}`" in text
        if short not in text and not named_in_package:
            missing.append(rel)
    assert not missing, f"ARCHITECTURE.md does not mention: {missing}"


def _commands(group, prefix=()):  # type: ignore[no-untyped-def]
    import typer.main

    click_group = typer.main.get_command(group) if not hasattr(group, "commands") else group
    for name, command in click_group.commands.items():
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def test_every_command_has_help() -> None:
    runner = CliRunner()
    names = []
    for path, command in _commands(app):
        names.append(" ".join(path))
        assert (command.help or "").strip(), f"qualcode {' '.join(path)} has no help text"
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, result.output
    for expected in ("init", "import", "export", "import-codings", "demo", "ui"):
        assert expected in names
