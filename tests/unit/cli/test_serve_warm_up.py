"""`fincast serve` prepares the global categorizer in a background thread."""

from __future__ import annotations

import logging
import threading

import pytest

from fincast.cli import serve
from fincast.errors import ModelFileError
from fincast.services import categorization


def test_warm_up_runs_off_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    monkeypatch.setattr(
        categorization, "global_model", lambda: seen.append(threading.current_thread().name)
    )
    thread = serve.warm_categorizer()
    thread.join(timeout=10)
    assert seen == ["categorizer-warm-up"]
    assert thread.daemon and thread.name != threading.main_thread().name


def test_warm_up_failure_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise ModelFileError("signature does not match")

    monkeypatch.setattr(categorization, "global_model", broken)
    with caplog.at_level(logging.WARNING, logger="fincast.cli.serve"):
        serve.warm_categorizer().join(timeout=10)
    assert "categorizer warm-up failed: signature does not match" in caplog.text
