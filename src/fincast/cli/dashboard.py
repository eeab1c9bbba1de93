"""``fincast dashboard``: the Streamlit dashboard alone, pointed at a running API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from fincast.config import get_settings

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


def streamlit_command(host: str, port: int) -> list[str]:
    """The command line that serves the dashboard: no dev chrome, the API's upload limit."""
    upload_mb = max(1, get_settings().max_upload_bytes // (1024 * 1024))
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.maxUploadSize",
        str(upload_mb),
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--client.showErrorDetails",
        "false",
        "--theme.base",
        "light",
    ]


def dashboard(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8501, help="Dashboard port."),
    api: str = typer.Option(
        None, help="The API's URL (default: FINCAST_API_URL, else http://127.0.0.1:8000)."
    ),
) -> None:
    """Start the dashboard alone, talking to the API at --api."""
    env = dict(os.environ)
    env["FINCAST_API_URL"] = api or env.get("FINCAST_API_URL", "http://127.0.0.1:8000")
    typer.echo(f"Dashboard  http://{host}:{port}  (API: {env['FINCAST_API_URL']})")
    command = streamlit_command(host, port)
    if os.name == "posix":
        # Streamlit takes this process's place: a signal to it (a supervisor's SIGTERM, a
        # test's terminate()) stops the server itself. Run as a child, the server outlived
        # a terminated parent.
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(command[0], command, env)  # noqa: S606 - our interpreter, fixed argv
    try:
        code = subprocess.call(command, env=env)
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add ``fincast dashboard`` to the main app."""
    app.command("dashboard")(dashboard)
