"""``fincast dashboard`` is the server process itself: stopping it stops the dashboard.

It used to run Streamlit as a child: a SIGTERM to ``fincast dashboard`` (a supervisor, a
test fixture's ``terminate()``) ended the parent and left the server running, orphaned.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="exec is how POSIX replaces a process")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_terminating_fincast_dashboard_stops_the_server() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fincast.cli.main", "dashboard", "--port", str(port),
         "--api", "http://127.0.0.1:9"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(240):
            assert proc.poll() is None, "the dashboard exited at start"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).is_success:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("the dashboard did not come up in 120 s")
        proc.terminate()
        proc.wait(timeout=30)
        deadline = time.monotonic() + 15
        while _listening(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _listening(port), "the server outlived fincast dashboard"
    finally:
        # whatever is left of the session (the server orphaned, on failure) goes too
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
