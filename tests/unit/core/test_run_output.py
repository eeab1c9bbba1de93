"""`fincast run` never writes the demo password to a log, and its log files are private."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from fincast.cli.run import demo_login_message, protect_output_files
from fincast.services.demo import DemoLogin

LOGIN = DemoLogin("demo@fincast.local", "pw-Zq8xK1-secret", created=True)


def test_the_password_is_not_printed_when_output_is_not_a_terminal(tmp_path: Path) -> None:
    cred = tmp_path / "demo-credentials.json"
    text = demo_login_message(LOGIN, cred, terminal=False)
    assert "demo@fincast.local" in text and str(cred) in text
    assert LOGIN.password not in text


def test_the_password_is_printed_at_a_terminal(tmp_path: Path) -> None:
    text = demo_login_message(LOGIN, tmp_path / "demo-credentials.json", terminal=True)
    assert "demo@fincast.local" in text and LOGIN.password in text


def test_output_redirected_to_a_file_is_made_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        log_path = tmp_path / "run.log"
        with log_path.open("wb") as log:
            assert stat.S_IMODE(log_path.stat().st_mode) == 0o644
            protect_output_files([log])
        assert stat.S_IMODE(log_path.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_a_terminal_or_pipe_is_left_alone() -> None:
    read_fd, write_fd = os.pipe()
    try:
        with os.fdopen(write_fd, "wb") as w:
            before = os.fstat(w.fileno()).st_mode
            protect_output_files([w])
            assert os.fstat(w.fileno()).st_mode == before
    finally:
        os.close(read_fd)
