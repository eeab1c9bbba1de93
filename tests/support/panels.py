import numpy as np
import pandas as pd
import pytest


def make_panel(n_series: int = 25, n_months: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    ds = pd.date_range("2020-01-01", periods=n_months, freq="MS")
    t = np.arange(n_months)
    for i in range(n_series):
        level = rng.uniform(200, 2000)
        season = 1 + 0.15 * np.sin(2 * np.pi * ds.month.to_numpy() / 12)
        y = level * season * (1 + rng.normal(0, 0.1, n_months)) + 2 * t
        rows.append(pd.DataFrame({"unique_id": f"s{i:03d}", "ds": ds, "y": np.maximum(y, 0)}))
    return pd.concat(rows, ignore_index=True)


def make_monthly(n_months: int = 24, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ym = pd.period_range("2022-01", periods=n_months, freq="M").astype(str)
    cats = {
        c: np.maximum(0, rng.normal(m, m * 0.15, n_months))
        for c, m in [("food", 500), ("transport", 200), ("shopping", 300), ("travel", 60)]
    }
    cats["travel"][rng.random(n_months) < 0.6] = 0.0
    df = pd.DataFrame({"year_month": ym, "total_income": rng.normal(3500, 200, n_months), **cats})
    df["total_expense"] = sum(cats.values())
    df["savings"] = df["total_income"] - df["total_expense"]
    return df


@pytest.fixture(scope="session")
def panel() -> pd.DataFrame:
    return make_panel()


@pytest.fixture(scope="session")
def monthly() -> pd.DataFrame:
    return make_monthly()
