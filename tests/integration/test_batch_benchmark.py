"""``fincast benchmark batch`` on a tiny size: the chunked generation and load, then scoring."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fincast.benchmarks import batch
from fincast.ledger.models import BatchHousehold, User
from fincast.services.database import engine as database_engine
from fincast.services.forecasting.household import train_population
from fincast.synth import generate_households


def test_benchmark_loads_in_chunks_and_scores_everyone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = tmp_path / "models"
    train_population(models, households=60, months=48)
    monkeypatch.setattr(batch, "GENERATION_CHUNK", 4)
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    messages: list[str] = []
    out = batch.run(
        10,
        database_url=url,
        partition_size=4,
        workers=1,
        ets_sample=2,
        models_dir=models,
        progress=messages.append,
    )
    assert out["users"] == 10 and out["failures"] == 0
    assert out["series"] > 10 * 3 and out["series_per_second"] > 0
    chunks = [m.split(":")[0] for m in messages if m.startswith("households ")]
    assert chunks == ["households 1-4", "households 5-8", "households 9-10"]
    sizes = [
        len(generate_households(n, batch.MONTHS, batch.BATCH_SEED + k).transactions)
        for k, n in enumerate((4, 4, 2))
    ]
    assert out["transactions"] == sum(sizes)
    engine = database_engine(url, fresh=True)
    try:
        with Session(engine) as session:
            assert len(set(session.scalars(select(User.email)))) == 10  # keys continue
            assert session.scalar(select(func.count()).select_from(BatchHousehold)) == 10
    finally:
        engine.dispose()
    assert out["autoets"]["households"] == 2

    # Scoring the loaded households again: everyone is scored anew, nothing is loaded.
    again = batch.run(
        10,
        database_url=url,
        partition_size=4,
        workers=1,
        ets_sample=2,
        models_dir=models,
        loaded=True,
    )
    assert again["users"] == 10 and again["reused_loaded_database"] is True
    assert again["transactions"] == out["transactions"] and "load_seconds" not in again
    with pytest.raises(ValueError, match="holds 10 users, not the 11"):
        batch.run(11, database_url=url, models_dir=models, loaded=True)
    with pytest.raises(ValueError, match="needs an empty database"):
        batch.run(10, database_url=url, models_dir=models)
