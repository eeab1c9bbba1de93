"""Browser fixtures: Debian's Chromium driven by Playwright, and where screenshots go."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.dashboard.conftest import free_port, start_api

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Kept out of git (/var/ is ignored); CI may point it elsewhere and keep the files.
SCREENSHOTS = Path(
    os.environ.get("FINCAST_SCREENSHOTS_DIR")
    or Path(__file__).resolve().parents[2] / "var" / "screenshots"
)


def need_browser() -> None:
    """Skip (or fail, with FINCAST_TEST_REQUIRE_BROWSER=1) when Chromium is missing."""
    if not CHROMIUM.exists():
        msg = "Chromium not installed at /usr/bin/chromium (apt-get install -y chromium)"
        if os.environ.get("FINCAST_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium for a test module."""
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder this run's screenshots are saved in."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def settle(page: object, timeout: int = 120_000) -> None:
    """Wait until Streamlit has finished the run the last action started and has painted.

    Streamlit marks its app root with the script's state (``data-test-script-state``).
    """
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.locator(  # type: ignore[attr-defined]
        '[data-testid="stApp"][data-test-script-state="notRunning"]'
    ).wait_for(timeout=timeout)
    page.locator('[data-testid="stStatusWidget"]').wait_for(  # type: ignore[attr-defined]
        state="detached", timeout=timeout
    )
    page.wait_for_timeout(500)  # type: ignore[attr-defined]


@contextmanager
def api_and_dashboard(tmp: Path) -> Iterator[tuple[str, str]]:
    """``fincast serve`` and ``fincast dashboard`` on free ports; yields their two URLs."""
    need_browser()
    api_port, dash_port = free_port(), free_port()
    api_url, dash_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{dash_port}"
    with (tmp / "api.log").open("wb") as api_log, (tmp / "dash.log").open("wb") as dash_log:
        api = start_api(tmp, api_port, api_log)
        env = {k: v for k, v in os.environ.items() if not k.startswith("FINCAST_DASHBOARD_")}
        dash = subprocess.Popen(
            [sys.executable, "-m", "fincast.cli.main", "dashboard", "--port", str(dash_port),
             "--api", api_url],
            env=env, stdout=dash_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            for _ in range(240):
                if dash.poll() is not None:
                    pytest.fail((tmp / "dash.log").read_text()[-2000:])
                try:
                    if httpx.get(f"{dash_url}/_stcore/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            yield api_url, dash_url
        finally:
            for proc in (dash, api):
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
