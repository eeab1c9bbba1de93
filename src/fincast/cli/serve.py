"""`fincast serve`: run the API with uvicorn (migrating the database first if needed)."""

from __future__ import annotations

import logging
import os
import threading

import typer

log = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("serve")(serve)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, max=64, help="Worker processes (default: one per core)."
    ),
    log_level: str = typer.Option("info", "--log-level", help="debug, info, warning, error."),
) -> None:
    """Serve the REST API (OpenAPI docs at /docs)."""
    import uvicorn

    from fincast.config import get_settings
    from fincast.services import database

    os.environ["FINCAST_LOG_LEVEL"] = log_level.upper()
    settings = get_settings()
    engine = database.engine(settings.resolved_database_url)
    if database.migrate_if_behind(engine):
        typer.echo("migrated the database to the newest revision", err=True)
    engine.dispose()
    warm_categorizer()
    uvicorn.run(
        "fincast.api.app:served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers or default_workers(),
        log_level=log_level,
        access_log=False,  # the app logs every request as JSON with its request id
        proxy_headers=False,
        # uvicorn's "auto" picks uvloop and httptools (dependencies of fincast) when present.
        # A worker busy at full load on a shared machine can take seconds to answer the
        # supervisor's ping; the default 5 s had it killed and restarted mid-load.
        timeout_worker_healthcheck=30,
    )


def default_workers() -> int:
    """One worker process per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def warm_categorizer() -> threading.Thread:
    """Prepare the global categorizer in a background thread, so start-up does not wait.

    The first start of an install trains it from synthetic households and saves it as a
    signed model file (about 13 s); later starts only read that file. Without this, the
    user's first import would pay for it.
    """

    def work() -> None:
        from fincast.errors import FincastError
        from fincast.services.categorization import global_model

        try:
            global_model()
        except FincastError as exc:  # imports still work without it (their own layers)
            log.warning("categorizer warm-up failed: %s", exc)

    thread = threading.Thread(target=work, name="categorizer-warm-up", daemon=True)
    thread.start()
    return thread
