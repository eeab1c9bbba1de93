"""One small generated population, written once, shared by the synth tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from fincast.synth import Households, generate_households, write_households

USERS, MONTHS, SEED, START = 300, 24, 11, "2023-01"


@dataclass(frozen=True)
class Written:
    households: Households
    out: Path
    tx: pd.DataFrame  # transactions.csv as read back, with an integer ``cents`` column
    monthly: pd.DataFrame  # monthly.csv as read back, values as integer cents


def cents(values: pd.Series) -> pd.Series:
    """Parse signed 2-decimal strings into integer cents, exactly."""
    assert values.str.fullmatch(r"-?\d+\.\d{2}").all()
    return values.str.replace(".", "", regex=False).astype("int64")


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory) -> Written:
    h = generate_households(USERS, MONTHS, SEED, START)
    out = tmp_path_factory.mktemp("synth")
    write_households(h, out)
    tx = pd.read_csv(out / "transactions.csv", dtype=str, keep_default_na=False)
    tx["cents"] = cents(tx["amount"])
    monthly = pd.read_csv(out / "monthly.csv", dtype=str, keep_default_na=False)
    for col in monthly.columns[2:]:
        monthly[col] = cents(monthly[col])
    return Written(h, out, tx, monthly)
