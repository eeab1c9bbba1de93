"""Frames the tests hand to the learned categorizer."""

from __future__ import annotations

import pandas as pd


def model_frame(tx: pd.DataFrame) -> pd.DataFrame:
    """Generated transactions (``fincast.synth``) as the categorizer reads them."""
    return pd.DataFrame(
        {
            "payee": tx["payee"].astype(str),
            "description": tx["description"].astype(str),
            "amount": tx["amount"].astype(float),
            "date": pd.to_datetime(tx["date"]),
            "account": tx["account"].astype(str),
        }
    ).reset_index(drop=True)
