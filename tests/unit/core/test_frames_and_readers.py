import pandas as pd
import pytest

from fincast.errors import InputError
from fincast.frames import validate_long_frame
from fincast.panel import read_long_csv, read_monthly_csv, transactions_to_panel


def test_validate_long_frame_names_missing_columns() -> None:
    with pytest.raises(InputError, match=r"missing: \['y'\]"):
        validate_long_frame(pd.DataFrame({"unique_id": ["a"], "ds": ["2024-01-01"]}))


def test_validate_long_frame_names_bad_value_and_duplicates() -> None:
    df = pd.DataFrame({"unique_id": ["a", "a"], "ds": ["2024-01-01", "2024-02-01"], "y": [1, "x"]})
    with pytest.raises(InputError, match="row 2 is not a number"):
        validate_long_frame(df)
    df = pd.DataFrame({"unique_id": ["a", "a"], "ds": ["2024-01-05", "2024-01-20"], "y": [1, 2]})
    with pytest.raises(InputError, match="duplicate month 2024-01"):
        validate_long_frame(df)


def test_long_csv_history_keeps_last_points(tmp_path) -> None:
    p = tmp_path / "long.csv"
    pd.DataFrame(
        {
            "unique_id": ["a"] * 5 + ["b"] * 2,
            "ds": [f"2024-0{m}-01" for m in range(1, 6)] + ["2024-01-01", "2024-02-01"],
            "y": [1, 2, 3, 4, 5, 6, 7],
        }
    ).to_csv(p, index=False)
    df = read_long_csv(p, history=3)
    assert df.groupby("unique_id").size().to_dict() == {"a": 3, "b": 2}
    assert df[df.unique_id == "a"]["y"].tolist() == [3.0, 4.0, 5.0]
    with pytest.raises(InputError, match="no such file"):
        read_long_csv(tmp_path / "missing.csv")


def test_seed_monthly_layout_becomes_panel() -> None:
    seed = pd.DataFrame(
        {
            "year_month": ["2024-01", "2024-02"],
            "total_income": [3000, 3100],
            "Food": [400, 420],
            "Transport": [100, 90],
            "total_expense": [500, 510],
            "savings": [2500, 2590],
        }
    )
    panel = read_monthly_csv(seed, user="u")
    assert set(panel.unique_id) == {
        "u/total_income",
        "u/cat:Food",
        "u/cat:Transport",
        "u/total_expense",
        "u/savings",
    }
    assert panel[panel.unique_id == "u/savings"]["y"].tolist() == [2500.0, 2590.0]
    with pytest.raises(InputError, match="total_expense"):
        read_monthly_csv(seed.drop(columns="total_expense"))


def test_transactions_to_panel_matches_definitions() -> None:
    tx = pd.DataFrame(
        {
            "user_id": ["a"] * 5,
            "date": ["2024-01-03", "2024-01-09", "2024-03-01", "2024-03-02", "2024-03-02"],
            "amount": [1000.0, -200.0, -50.0, -300.0, 300.0],
            "category": ["income", "groceries", "dining", "transfers", "transfers"],
        }
    )
    kinds = {
        "income": "income",
        "groceries": "expense",
        "dining": "expense",
        "transfers": "transfer",
    }
    panel = transactions_to_panel(tx, kinds)
    wide = panel.pivot(index="ds", columns="unique_id", values="y")
    assert wide["a/total_expense"].tolist() == [200.0, 0.0, 50.0]
    assert wide["a/savings"].tolist() == [800.0, 0.0, -50.0]
