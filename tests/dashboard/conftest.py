"""Dashboard fixtures: a real API (``fincast serve``) on loopback over a temp SQLite file.

The pages run in ``streamlit.testing``'s AppTest, in this process, and reach that API over
HTTP through ``fincast.client``, as the dashboard does in production.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from fincast.dashboard import session
from fincast.dashboard.session import DashboardApi
from tests.dashboard.bankfile import bank_csv
from tests.support.population import with_population

PASSWORD = "a long dashboard test password 42"
_emails = itertools.count()


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_api(tmp: Path, port: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    """``fincast serve`` on ``port`` over an empty SQLite file in ``tmp``, once it answers."""
    env = {
        **os.environ,
        "FINCAST_DATABASE_URL": f"sqlite:///{tmp / 'dash.db'}",
        "FINCAST_DATA_DIR": str(tmp),
        "FINCAST_MODELS_DIR": str(with_population(tmp / "models")),
        "FINCAST_ENV": "test",
        # Every test registers and signs in a user of its own, all from 127.0.0.1.
        "FINCAST_LOGIN_ATTEMPTS_PER_MINUTE": "100000",
        "FINCAST_REGISTRATIONS_PER_HOUR": "100000",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "fincast.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(240):
        if proc.poll() is not None:
            raise RuntimeError((tmp / "api.log").read_text()[-2000:])
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the API did not start")


@pytest.fixture(scope="session")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a running API on loopback."""
    port, tmp = free_port(), tmp_path_factory.mktemp("dash-api")
    with (tmp / "api.log").open("wb") as log:
        proc = start_api(tmp, port, log)
        yield f"http://127.0.0.1:{port}"
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture()
def new_user(api_url: str) -> Iterator[DashboardApi]:
    """A freshly registered, signed-in user with no data."""
    api = session.register(api_url, f"dash{next(_emails)}-{os.getpid()}@example.com", PASSWORD)
    yield api
    api.client.close()


@pytest.fixture()
def user_with_data(new_user: DashboardApi) -> DashboardApi:
    """A user with one checking account and eight months of generated transactions."""
    account = new_user.write("create_account", "Everyday", currency="EUR")
    new_user.write("upload_import", account["id"], bank_csv(), filename="bank.csv")
    return new_user


def _page_script(page: str) -> None:
    from fincast.dashboard.navigation import run_page

    run_page(page)


@pytest.fixture()
def page() -> Callable[..., AppTest]:
    """``page(name, api)``: an AppTest of one dashboard page, run once."""

    def make(name: str, api: DashboardApi | None, **state: Any) -> AppTest:
        at = AppTest.from_function(_page_script, kwargs={"page": name}, default_timeout=120)
        if api is not None:
            at.session_state["api"] = api
        for key, value in state.items():
            at.session_state[key] = value
        return at.run()

    return make
