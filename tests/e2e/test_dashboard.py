"""The Quick start's main job end to end: `fincast run` + a real browser on the dashboard."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import need_browser, settle

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory):
    need_browser()
    data_dir = tmp_path_factory.mktemp("run")
    api_port, dash_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "FINCAST_DATA_DIR": str(data_dir),
        "FINCAST_ENV": "development",
        "FINCAST_CORS_ORIGINS": f'["http://127.0.0.1:{dash_port}"]',
    }
    env.pop("FINCAST_DATABASE_URL", None)
    log = (data_dir / "run.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fincast.cli.main",
            "run",
            "--api-port",
            str(api_port),
            "--dashboard-port",
            str(dash_port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api, dash = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{dash_port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"fincast run exited: {(data_dir / 'run.log').read_text()[-2000:]}")
        if "Dashboard" in (data_dir / "run.log").read_text(errors="replace"):
            break
        time.sleep(1)
    else:
        proc.kill()
        pytest.fail(f"fincast run did not start: {(data_dir / 'run.log').read_text()[-2000:]}")
    yield api, dash, data_dir
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


def test_run_prints_urls_and_the_api_serves_demo_data(running) -> None:
    api, dash, data_dir = running
    out = (data_dir / "run.log").read_text()
    assert api in out and dash in out and "demo@fincast.local" in out
    # The password stays in the 0600 credentials file; the log only says where it is.
    credentials = data_dir / "demo-credentials.json"
    assert str(credentials) in out.replace("\n", "")
    assert json.loads(credentials.read_text())["password"] not in out
    for private in (data_dir / "run.log", credentials, data_dir / "fincast.db"):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
    assert httpx.get(f"{api}/readyz", timeout=10).status_code == 200
    assert httpx.get(f"{api}/api/transactions", timeout=10).status_code == 401


def test_dashboard_signs_in_to_the_demo_and_shows_history_and_forecast(
    running, browser, screenshots: Path
) -> None:
    """The quick start's dashboard: demo banner, overview charts, the forecast and its range.

    Saves ``demo-overview.png`` and ``demo-forecast.png`` (the README's pictures come from
    these: ``cp var/screenshots/demo-*.png docs/images/``).
    """
    from playwright.sync_api import expect

    _api, dash, _ = running
    page = browser.new_page(viewport={"width": 1366, "height": 1000})
    try:
        page.goto(dash, wait_until="domcontentloaded")
        expect(page.get_by_text("Demo account")).to_be_visible(timeout=90_000)
        expect(page.get_by_text("demo@fincast.local").first).to_be_visible()
        expect(page.get_by_text("Income, spending and savings per month")).to_be_visible(
            timeout=60_000
        )
        expect(page.get_by_text("Deploy", exact=True)).to_have_count(0)
        settle(page)
        page.screenshot(path=str(screenshots / "demo-overview.png"))
        page.get_by_role("link", name="Forecast", exact=True).click()
        expect(page.get_by_text("95% range:")).to_be_visible(timeout=120_000)
        chart = page.locator(".js-plotly-plot").first
        expect(chart.get_by_text("95% range", exact=True)).to_be_visible(timeout=60_000)
        settle(page)
        page.screenshot(path=str(screenshots / "demo-forecast.png"))
        page.get_by_role("link", name="Transactions", exact=True).click()
        expect(page.get_by_text("transactions match")).to_be_visible(timeout=60_000)
    finally:
        page.close()
