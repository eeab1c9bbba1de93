"""Peer targets and profile-only answers: the segmentation model file and the two use cases.

The segmentation (:mod:`fincast.insights.peers`) is the signed model file ``peer-segments``
in the models dir. ``fincast insights train-peers`` fits it on synthetic households and on
the population dataset in the shared data folder (``$FINCAST_SHARED_DATA`` or
``../shared/data``, file ``personal-finance/indian_personal_finance_20000x19_rounded.csv``);
when the file is missing on first use, it is fitted on synthetic households alone (a few
seconds) and saved.

The API (``GET /api/insights/peers``, ``POST /api/insights/profile``) and the CLI
(``fincast insights peers``, ``fincast insights profile``) call :func:`user_peers` and
:func:`profile_answers`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fincast.db.engine import session_scope
from fincast.errors import InputError, ModelFileError
from fincast.insights import peers as P
from fincast.insights import profile as R
from fincast.services.forecasting.modelfiles import load_model_file, save_model_file
from fincast.services.forecasting.served import user_history
from fincast.services.users import find_user
from fincast.synth import generate_households

MODEL_NAME = "peer-segments"
KIND = "fincast-peer-segments"
#: Generator seed of the synthetic peers (used by no test, benchmark or other model).
SYNTH_SEED = 20261214
SYNTH_HOUSEHOLDS = 400
SYNTH_MONTHS = 12
#: Complete months of the user's ledger their shares are averaged over.
LEDGER_MONTHS = 12
POPULATION_FILE = Path("personal-finance") / "indian_personal_finance_20000x19_rounded.csv"
_DEFAULT_SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
log = logging.getLogger(__name__)
_lock = threading.RLock()
_loaded: dict[tuple[str, str], tuple[P.PeerModel, dict[str, Any], R.Reference]] = {}


def shared_data_dir() -> Path:
    """The shared data folder: ``$FINCAST_SHARED_DATA``, else ``../shared/data``."""
    return Path(os.environ.get("FINCAST_SHARED_DATA") or _DEFAULT_SHARED)


def population_path(shared: Path | None = None) -> Path | None:
    """The population dataset's file, or None when it is absent."""
    path = (shared or shared_data_dir()) / POPULATION_FILE
    return path if path.is_file() else None


def train(
    models_dir: Path,
    *,
    population: Path | None = None,
    synthetic_only: bool = False,
    households: int = SYNTH_HOUSEHOLDS,
) -> dict[str, Any]:
    """Fit the segmentation on synthetic households (and the population dataset) and save it.

    Returns:
        The model file's metadata (sources, sizes, segment sizes).
    """
    synth = generate_households(households, SYNTH_MONTHS, seed=SYNTH_SEED)
    parts = [P.population_from_monthly(synth.monthly)]
    path = None if synthetic_only else (population or population_path())
    if path is not None:
        try:
            frame = pd.read_csv(path)
        except (OSError, ValueError) as exc:
            raise InputError(f"population dataset {path}: unreadable ({exc})") from exc
        parts.append(P.population_from_dataset(frame))
    model = P.fit_segments(P.combine(*parts))
    meta = {
        "sources": model.sources,
        "households": {
            name: int((model.population.source == i).sum()) for i, name in enumerate(P.SOURCES)
        },
        "population_file": None if path is None else str(path),
        "synthetic_seed": SYNTH_SEED,
        "segments": P.N_SEGMENTS,
        "segment_sizes": np.bincount(model.labels, minlength=P.N_SEGMENTS).tolist(),
        "inertia": model.inertia,
        "features": ["income_percentile", *(f"share_{f}" for f in P.PEER_FIELDS)],
    }
    saved = save_model_file(models_dir, MODEL_NAME, KIND, model.to_arrays(), meta)
    forget()
    return saved


def load(models_dir: Path) -> tuple[P.PeerModel, dict[str, Any], R.Reference]:
    """The saved segmentation, its metadata and the profile reference; trained when missing."""
    with _lock:
        try:
            meta, arrays = load_model_file(models_dir, MODEL_NAME, KIND)
        except ModelFileError:
            if (Path(models_dir) / f"{MODEL_NAME}.meta.json").exists():
                raise  # tampered or incompatible: say so, never replace it silently
            log.info("peer model missing in %s: training on synthetic households", models_dir)
            train(models_dir, synthetic_only=True)
            meta, arrays = load_model_file(models_dir, MODEL_NAME, KIND)
        key = (str(models_dir), str(meta["signature"]))
        if key not in _loaded:
            model = P.PeerModel.from_arrays(arrays)
            _loaded.clear()
            _loaded[key] = (model, meta, _reference(model))
        return _loaded[key]


def _reference(model: P.PeerModel) -> R.Reference:
    """The population dataset's households when fitted on them, else the synthetic ones."""
    pop = model.population
    name = "population" if "population" in model.sources else "synthetic"
    mask = pop.source == P.SOURCES.index(name)
    part = P.PeerPopulation(
        pop.income[mask], pop.dependents[mask], pop.shares[mask], pop.source[mask]
    )
    return R.reference(part, name)


def forget() -> None:
    """Read the model file again on next use (after training, in tests)."""
    with _lock:
        _loaded.clear()


def _model_info(meta: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "sources": list(meta.get("sources", [])),
        "households": dict(meta.get("households", {})),
        "segments": meta.get("segments"),
        "trained_at": meta.get("created_at"),
    }


def ledger_spending(table: pd.DataFrame) -> tuple[float, dict[str, float], dict[str, Any]]:
    """Mean monthly income and spending per peer field over the last complete months."""
    if table.empty:
        raise InputError(
            "peer targets need at least one complete month of income and spending; found none"
        )
    recent = table.tail(LEDGER_MONTHS)
    cats = [
        c
        for c in recent.columns
        if c not in ("year_month", "total_income", "total_expense", "savings")
    ]
    income = float(recent["total_income"].mean())
    spending = P.fields_from_categories({c: float(recent[c].mean()) for c in cats})
    span = {
        "months": len(recent),
        "from_month": str(recent["year_month"].iloc[0]),
        "to_month": str(recent["year_month"].iloc[-1]),
    }
    return income, spending, span


def user_peers(
    engine: Engine,
    session: Session,
    user_id: int,
    *,
    models_dir: Path,
    dependents: int | None = None,
) -> dict[str, Any]:
    """Peer targets for the user's ledger (mean of the last 12 complete months).

    Raises:
        InputError: no complete month, or no income in the months measured.
    """
    _, table = user_history(engine, session, user_id)
    income, spending, span = ledger_spending(table)
    if income <= 0:
        raise InputError(
            f"peer targets need income: the {span['months']} complete months measured "
            f"({span['from_month']} to {span['to_month']}) have none"
        )
    model, meta, _ = load(models_dir)
    result = P.recommend(
        model, income, spending, dependents=dependents, income_reference="synthetic"
    )
    return {**result.as_dict(), "measured": span, "model": _model_info(meta)}


def profile_answers(fields: Mapping[str, Any], *, models_dir: Path) -> dict[str, Any]:
    """Every profile-only answer for one month's profile (the 17 fields, snake-case)."""
    profile = R.Profile(**dict(fields))
    model, meta, ref = load(models_dir)
    targets = None
    notes = []
    if profile.income > 0:
        targets = P.recommend(
            model,
            profile.income,
            profile.spending,
            dependents=profile.dependents,
            income_reference="population",
        )
    else:
        notes.append("no income: peer targets need income")
    if ref.name != "population":
        notes.append(
            "the population dataset was not in the model; the profile is compared with "
            "synthetic households (train with `fincast insights train-peers`)"
        )
    return {**R.answers(profile, ref, targets), "notes": notes, "model": _model_info(meta)}


def peers_for_cli(
    engine: Engine, email: str, *, models_dir: Path, dependents: int | None = None
) -> dict[str, Any]:
    """Peer targets of the user with ``email``, for ``fincast insights peers``."""
    user_id = find_user(engine, email).id
    with session_scope(engine) as session:
        return user_peers(engine, session, user_id, models_dir=models_dir, dependents=dependents)
