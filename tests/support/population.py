"""One trained household model per test process, copied into any models folder that needs it.

Training the shared household model takes seconds; every test that serves a forecast needs
it. The first use in a worker trains it into that worker's models folder
(``FINCAST_MODELS_DIR``, set in tests/conftest.py); later folders get a copy of the files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from fincast.services.forecasting.household import POPULATION_MODEL, population_model


def worker_models_dir() -> Path:
    """The models folder of this test process, with the household model trained in it."""
    folder = Path(os.environ["FINCAST_MODELS_DIR"])
    population_model(folder)
    return folder


def with_population(models_dir: Path) -> Path:
    """``models_dir`` holding a copy of this process's trained household model."""
    source = worker_models_dir()
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    if models_dir.resolve() != source.resolve():
        for suffix in (".npz", ".meta.json"):
            shutil.copy2(source / f"{POPULATION_MODEL}{suffix}", models_dir)
    return models_dir
