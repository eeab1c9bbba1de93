"""Training a user's panel model on their stored ledger, and reading its metadata."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fincast.errors import InputError, ModelFileError, NotFoundError
from fincast.panel import build_panel
from fincast.services.forecasting.modelfiles import list_models
from fincast.services.forecasting.predictions import MIN_MONTHS, jsonable
from fincast.services.forecasting.versions import version_digest

PANEL_MODEL = "panel"
TRAIN_HORIZON = 12
_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def user_models_dir(models_dir: Path, user_id: int) -> Path:
    """Each user's model files live in a folder of their own, so ids cannot cross users."""
    return Path(models_dir) / "users" / str(int(user_id))


def _public_meta(meta: Mapping[str, Any], model_id: str) -> dict[str, Any]:
    hidden = {"signature", "payload_sha256"}
    out = {k: jsonable(v) for k, v in meta.items() if k not in hidden}
    out["model_id"] = model_id
    return out


def train(
    engine: Engine, session: Session, user_id: int, *, models_dir: Path, force: bool = False
) -> dict[str, Any]:
    """Fit the forecaster on the user's monthly panel and save it as the user's model.

    Training is skipped (and the saved model reported) when the ledger has not changed
    since the last training, unless ``force``.
    """
    from fincast.services.forecasting.store import fit_and_save

    folder = user_models_dir(models_dir, user_id)
    version = version_digest(session, user_id)
    if not force:
        for meta in list_models(folder):
            if meta.get("name") == PANEL_MODEL and meta.get("data_version") == version:
                return {"models": [_public_meta(meta, PANEL_MODEL)], "retrained": False}
    panel = build_panel(engine, [user_id])
    months = int(panel["ds"].nunique()) if not panel.empty else 0
    if months < MIN_MONTHS:
        raise InputError(
            f"at least {MIN_MONTHS} complete months of data are needed to train; found {months}"
        )
    meta = fit_and_save(
        panel, TRAIN_HORIZON, folder, PANEL_MODEL, extra_meta={"data_version": version}
    )
    return {"models": [_public_meta(meta, PANEL_MODEL)], "retrained": True}


def model_info(user_id: int, model_id: str, *, models_dir: Path) -> dict[str, Any]:
    """Metadata (span, candidates, backtest metrics) of ``user_id``'s model ``model_id``."""
    if not _MODEL_ID.match(model_id):
        raise NotFoundError(f"model {model_id!r} not found")
    for meta in list_models(user_models_dir(models_dir, user_id)):
        if meta.get("name") == model_id:
            if not meta.get("valid", True):
                raise ModelFileError(f"model {model_id!r} is unusable: {meta.get('error')}")
            return _public_meta(meta, model_id)
    raise NotFoundError(f"model {model_id!r} not found")
