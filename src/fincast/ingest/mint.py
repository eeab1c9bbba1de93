"""Mint-style household exports (date, description, amount, category, account) as a frame.

The frame has the ``transactions.csv`` layout the ledger's frame loader takes; bank
statements are read by :func:`fincast.ingest.parse_stream` instead.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fincast.errors import InputError

#: Mint categories -> the default taxonomy.
MINT_CATEGORY_MAP: dict[str, str] = {
    "Alcohol & Bars": "dining",
    "Auto Insurance": "insurance",
    "Coffee Shops": "dining",
    "Credit Card Payment": "credit_card_payment",
    "Electronics & Software": "shopping",
    "Entertainment": "entertainment",
    "Fast Food": "dining",
    "Food & Dining": "dining",
    "Gas & Fuel": "transport",
    "Groceries": "groceries",
    "Haircut": "other",
    "Home Improvement": "housing",
    "Internet": "utilities",
    "Mobile Phone": "utilities",
    "Mortgage & Rent": "housing",
    "Movies & DVDs": "entertainment",
    "Music": "subscriptions",
    "Paycheck": "income",
    "Restaurants": "dining",
    "Shopping": "shopping",
    "Television": "subscriptions",
    "Utilities": "utilities",
}

_COLUMNS = ("date", "description", "amount", "transaction_type", "category", "account_name")


def read_mint_csv(path: str | Path, *, user_id: str = "household") -> pd.DataFrame:
    """Read a normalised Mint export into the ``transactions.csv`` layout of fincast.

    Debits become negative amounts, credits positive; card accounts (names containing
    "card") are credit cards, the rest checking. Unknown categories map to ``other``.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    missing = [c for c in _COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"{p}: the following columns are missing: {missing}")
    bad_type = ~df["transaction_type"].str.lower().isin(["debit", "credit"])
    if bad_type.any():
        line = int(bad_type.to_numpy().nonzero()[0][0]) + 2
        value = df["transaction_type"][bad_type].iloc[0]
        raise InputError(
            f"{p}: line {line}, field 'transaction_type': {value!r} is not debit/credit"
        )
    amount = pd.to_numeric(df["amount"], errors="coerce")
    if amount.isna().any():
        line = int(amount.isna().to_numpy().nonzero()[0][0]) + 2
        raise InputError(f"{p}: line {line}, field 'amount' is not a number")
    sign = df["transaction_type"].str.lower().map({"debit": -1, "credit": 1})
    signed = (amount.abs() * sign).map(lambda v: f"{v:.2f}")
    is_card = df["account_name"].str.lower().str.contains("card")
    return pd.DataFrame(
        {
            "user_id": user_id,
            "account": df["account_name"],
            "account_type": is_card.map({True: "credit_card", False: "checking"}),
            "date": pd.to_datetime(df["date"], format="ISO8601").dt.strftime("%Y-%m-%d"),
            "amount": signed,
            "currency": "USD",
            "payee": df["description"],
            "description": df["description"],
            "category": df["category"].map(MINT_CATEGORY_MAP).fillna("other"),
        }
    )
