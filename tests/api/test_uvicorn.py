"""The API in a real ``fincast serve`` process on loopback, driven through ``fincast.client``."""

from __future__ import annotations

import datetime as dt
import io
import os
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator

import httpx
import pytest

from fincast.client import ApiError, FincastClient

CSV = b"Date,Description,Amount\n2024-01-05,Coffee Shop,-3.50\n2024-01-06,Payroll ACME,2500.00\n"


def free_port() -> int:
    # Kept here: the API tests must not depend on benchmark code.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {
        **os.environ,
        "FINCAST_DATABASE_URL": f"sqlite:///{tmp / 'serve.db'}",  # empty: serve migrates it
        "FINCAST_DATA_DIR": str(tmp),
        "FINCAST_ENV": "test",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fincast.cli.main",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "exited")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("server did not become ready")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()


def test_real_server_round_trip(server: str) -> None:
    assert httpx.get(f"{server}/healthz").json() == {"status": "ok"}
    r = httpx.get(f"{server}/healthz", headers={"X-Request-ID": "rid-1"})
    assert r.headers["x-request-id"] == "rid-1"
    assert "fincast_http_requests_total" in httpx.get(f"{server}/metrics").text
    assert httpx.get(f"{server}/docs").status_code == 200

    with FincastClient(server) as api:
        api.register("real@example.com", "a long password")
        api.login("real@example.com", "a long password")
        assert api.me()["email"] == "real@example.com"
        acc = api.create_account("Checking")
        api.create_transaction(acc["id"], dt.date(2024, 2, 1), "-12.30", payee="Bakery")
        result = api.upload_import(acc["id"], CSV, filename="bank.csv")
        assert set(result) >= {"file", "format", "imported", "duplicates", "skipped", "errors"}
        assert result["imported"] == 2
        again = api.upload_import(acc["id"], CSV, filename="bank.csv")
        assert again["imported"] == 0 and again["duplicates"] == 2
        page = api.transactions(date_from=dt.date(2024, 1, 1), limit=10)
        assert page["count"] == 3
        assert api.transactions(q="bakery")["count"] == 1
        groceries = next(c for c in api.categories()["data"] if c["slug"] == "groceries")
        tx = api.transactions(q="bakery")["data"][0]
        assert api.set_category(tx["id"], groceries["id"])["category_source"] == "user"
        exported = api.export("json")
        assert isinstance(exported, dict) and len(exported["transactions"]) == 3
        zipped = api.export("csv")
        assert isinstance(zipped, bytes)
        assert "transactions.csv" in zipfile.ZipFile(io.BytesIO(zipped)).namelist()
        with pytest.raises(ApiError) as err:
            api.predict_expense()  # three transactions are not enough history
        assert err.value.status == 422
        # made with the password, the script's token outlives this login session
        token = api.create_api_token("script", password="a long password")["token"]
        api.refresh()
        api.logout()
        with pytest.raises(ApiError) as err:
            api.me()
        assert err.value.status == 401

    with FincastClient(server, token=token) as script:
        assert script.accounts()["count"] == 1
