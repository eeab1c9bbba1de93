"""``fincast run``: the Quick start's main job — database, demo data, API and dashboard."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from fincast.cli.common import migrated_engine
from fincast.cli.dashboard import streamlit_command
from fincast.config import get_settings, private_dir
from fincast.errors import FincastError

if TYPE_CHECKING:
    from fincast.services.demo import DemoLogin

console = Console()


def _wait_http(url: str, proc: subprocess.Popen[bytes], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise FincastError(f"the {what} exited with code {proc.returncode} while starting")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise FincastError(f"the {what} did not answer at {url} within {timeout:.0f} s")


def protect_output_files(streams: Iterable[IO[Any]]) -> None:
    """Make output streams that are regular files we own (a redirected log) mode 0600."""
    for stream in streams:
        try:
            fd = stream.fileno()
            st = os.fstat(fd)
        except (OSError, ValueError, AttributeError):
            continue  # not backed by a file descriptor (e.g. captured by a test runner)
        if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid():
            os.fchmod(fd, 0o600)


def demo_login_message(login: DemoLogin, credentials: Path, *, terminal: bool) -> str:
    """The demo login line: the password only at a terminal, never into a log file or pipe."""
    if terminal:
        return f"[bold]Demo login[/] {login.email} / {login.password}"
    return (
        f"[bold]Demo login[/] {login.email} (password in {escape(str(credentials))}, "
        "readable only by you; not printed since the output is not a terminal)"
    )


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run(
    host: str = typer.Option("127.0.0.1", help="Interface for the API and the dashboard."),
    api_port: int = typer.Option(8000, help="API port."),
    dashboard_port: int = typer.Option(8501, help="Dashboard port."),
    dashboard: bool = typer.Option(True, help="Start the Streamlit dashboard too."),
    demo: bool = typer.Option(True, help="Load demo households on first run."),
    check: bool = typer.Option(
        False, help="Start everything, check it answers, then stop (a smoke test)."
    ),
) -> None:
    """Migrate the database, load demo data once, start the API and dashboard, print URLs."""
    # Stop cleanly on SIGTERM (service managers) as on Ctrl-C, also when started in the
    # background where the shell leaves SIGINT ignored.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    protect_output_files([sys.stdout, sys.stderr])
    settings = get_settings()
    private_dir(settings.data_dir)
    console.print(f"database: {settings.resolved_database_url}")
    engine = migrated_engine()
    env = dict(os.environ)
    if demo:
        from fincast.services.demo import demo_credentials_file, ensure_demo_data

        with console.status("loading demo households (first run only)..."):
            login = ensure_demo_data(engine, settings)
        env["FINCAST_DASHBOARD_EMAIL"] = login.email
        env["FINCAST_DASHBOARD_PASSWORD"] = login.password
    from fincast.services.forecasting.household import population_model

    # Trained here, once per install, so no user's first forecast waits for it.
    with console.status("preparing the household forecasting model (first run only)..."):
        population_model(settings.resolved_models_dir)
    api_url = f"http://{host}:{api_port}"
    env["FINCAST_API_URL"] = api_url
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "fincast.cli.main",
                    "serve",
                    "--host",
                    host,
                    "--port",
                    str(api_port),
                ],
                env=env,
            )
        )
        _wait_http(f"{api_url}/healthz", procs[0], "API", 60)
        dash_url = f"http://{host}:{dashboard_port}"
        if dashboard:
            procs.append(
                subprocess.Popen(
                    streamlit_command(host, dashboard_port),
                    env=env,
                )
            )
            _wait_http(f"{dash_url}/_stcore/health", procs[-1], "dashboard", 90)
        console.print(f"[bold green]API[/]        {api_url}   (OpenAPI docs: {api_url}/docs)")
        if dashboard:
            console.print(f"[bold green]Dashboard[/]  {dash_url}")
        if demo:
            terminal = sys.stdout.isatty()
            console.print(
                demo_login_message(login, demo_credentials_file(settings), terminal=terminal),
                soft_wrap=True,
            )
        if check:
            console.print("check passed: API and dashboard answer")
            return
        console.print("Press Ctrl-C to stop.")
        while all(p.poll() is None for p in procs):
            time.sleep(1)
        raise FincastError("a server stopped unexpectedly; see its output above")
    except KeyboardInterrupt:
        console.print("stopping")
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def register(app: typer.Typer) -> None:
    """Add ``fincast run`` to the main app."""
    app.command("run")(run)
