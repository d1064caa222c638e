"""End to end in a real Chromium: ``qualcode ui`` on the demo project, every page, one coded segment.

Chromium is Debian's (``apt-get install chromium``), driven by Playwright for Python through
``executable_path`` (Playwright's own browser download is not used). Screenshots go to
``test-artifacts/`` (gitignored); with ``QUALCODE_SCREENSHOTS=1`` the coding and comparison pages are
also written to ``docs/screenshots/`` for the README. Without Chromium the test is skipped and says why.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
DOC_SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
CODER = "e2e-koder"
HOSTILE = (
    "Intervjuer: Hva står i notatet?\n\n"
    "Informant: Det står <script>window.__qcHacked = 1</script> og et bilde "
    '<img src=x onerror="window.__qcHacked = 2"> i teksten, men vi stoler på hverandre.\n\n'
    "Intervjuer: Takk.\n\n"
    "Informant: Bare hyggelig, vi har godt handlingsrom.\n"
)

pytestmark = pytest.mark.browser


def _chromium() -> str | None:
    configured = os.environ.get("QUALCODE_CHROMIUM")
    if configured and Path(configured).exists():
        return configured
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"qualcode ui exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310 - localhost
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"qualcode ui did not answer on {url} within {timeout:.0f} s")


@pytest.fixture(scope="module")
def chromium_path() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install playwright); the browser test needs it")
    path = _chromium()
    if path is None:
        pytest.skip("no Chromium on this machine: install Debian's package with `apt-get install chromium` "
                    "(or set QUALCODE_CHROMIUM) to run the end-to-end browser test")
    return path


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Path:
    from qualcode.db.session import open_engine, session_scope
    from qualcode.demo import build_demo
    from qualcode.importer import import_paths
    from qualcode.suggest.project import score_project

    folder = tmp_path_factory.mktemp("e2e")
    db = folder / "demo.sqlite"
    build_demo(db)
    hostile = folder / "zz_uro.txt"  # sorts last: the demo's own transcripts come first
    hostile.write_text(HOSTILE, encoding="utf-8")
    engine = open_engine(db)
    [result] = import_paths(engine, [hostile])
    assert result.status == "imported", result.message
    with session_scope(engine) as session:
        score_project(session, actor="e2e")
    return db


@pytest.fixture(scope="module")
def server(demo_project: Path) -> Iterator[str]:
    port = _free_port()
    env = dict(os.environ, QUALCODE_CODER=CODER, PYTHONUNBUFFERED="1")
    env.pop("QUALCODE_DEBUG", None)
    log = (ARTIFACTS / "server.log")
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "qualcode", "ui", "--db", str(demo_project), "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, process)
            yield url
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _settle(page, timeout: float = 90) -> None:  # type: ignore[no-untyped-def]
    """Wait until the script has finished and every lazily loaded element has been drawn."""
    selector = "[data-testid='stApp'][data-test-script-state='notRunning']"
    page.wait_for_selector(selector, timeout=timeout * 1000)
    time.sleep(0.4)
    page.wait_for_selector(selector, timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while page.locator("[data-testid='stSkeleton']").count() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)


def _choose(page, label: str, typed: str, option: str) -> None:  # type: ignore[no-untyped-def]
    """Pick an option of a select box by typing part of it, as a keyboard user would."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.fill(typed)
    page.get_by_role("option", name=option).first.click()


def _assert_no_error(page, where: str) -> None:  # type: ignore[no-untyped-def]
    assert page.locator("[data-testid='stException']").count() == 0, f"{where}: a traceback is on screen"
    assert page.get_by_text("Noe gikk galt").count() == 0, f"{where}: the page reported an internal error"


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if os.environ.get("QUALCODE_SCREENSHOTS") and name in ("koding", "sammenligning"):
        DOC_SHOTS.mkdir(parents=True, exist_ok=True)
        page.wait_for_selector("[data-testid='stToast']", state="detached", timeout=15000)
        size = page.viewport_size
        if name == "sammenligning":  # tall enough for the charts and the quotes behind them
            page.set_viewport_size({"width": size["width"], "height": 1900})
            _settle(page)
        page.screenshot(path=str(DOC_SHOTS / f"{name}.png"))
        page.set_viewport_size(size)


def _codings_by(db: Path, coder: str) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from qualcode.db.models import Coder, Coding
    from qualcode.db.session import open_engine, session_scope

    with session_scope(open_engine(db)) as s:
        rows = s.scalars(select(Coding).join(Coder).where(Coder.name == coder)).all()
        return sorted((c.code.path, c.source) for c in rows)


def test_the_workbench_in_a_real_browser(chromium_path: str, server: str, demo_project: Path) -> None:
    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = None
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 960})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            failed: list[str] = []
            page.on("requestfailed", lambda r: failed.append(r.url))

            # lands in the coding page of the demo project, in Norwegian
            page.goto(server)
            _settle(page)
            _assert_no_error(page, "Koding")
            assert page.get_by_role("heading", name="Koding").count() == 1
            assert page.get_by_text("Kodinger i segmentet").count() == 1

            # code the selected segment
            _choose(page, "Kode", "handlingsrom", "autonomi / handlingsrom")
            _settle(page)
            page.get_by_role("button", name="Kod utdraget").click()
            _settle(page)
            _assert_no_error(page, "Koding after applying a code")
            assert _codings_by(demo_project, CODER) == [("autonomi/handlingsrom", "manual")]
            _shot(page, "koding")

            # a transcript with <script> and <img onerror> is shown as text and runs nothing
            _choose(page, "Dokument", "zz_uro", "zz_uro.txt")
            _settle(page)
            assert page.get_by_text("<script>window.__qcHacked = 1</script>", exact=False).count() >= 1
            assert page.evaluate("() => window.__qcHacked === undefined")
            _assert_no_error(page, "Koding with a hostile transcript")

            for title, name in (("Prosjekt og import", "prosjekt"), ("Kodebok", "kodebok"),
                                ("Forslag", "forslag"), ("Sammenligning", "sammenligning"),
                                ("Veileder", "veileder"), ("Eksport", "eksport")):
                page.get_by_role("link", name=title).click()
                _settle(page)
                _assert_no_error(page, title)
                assert page.get_by_role("heading", name=title).count() >= 1, title
                if name == "forslag":
                    page.get_by_role("button", name="Godta").click()
                    _settle(page)
                    _assert_no_error(page, "Forslag after accepting")
                    assert ("suggestion" in {source for _, source in _codings_by(demo_project, CODER)})
                if name == "sammenligning":
                    assert page.get_by_role("heading", name="Sitatene bak").count() == 1
                    assert page.get_by_text("kodet av").count() >= 1  # quotes with attribution
                _shot(page, name)
            assert dialogs == [], f"a transcript opened a dialog: {dialogs}"
            assert not [u for u in failed if not u.startswith(server)], f"requests left the machine: {failed}"
        except Exception:
            if page is not None:
                page.screenshot(path=str(ARTIFACTS / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()
