"""The monthly panel: the one long frame (``unique_id, ds, y``) every model consumes."""

from fincast.panel.build import (
    SAVINGS,
    TOTAL_EXPENSE,
    TOTAL_INCOME,
    build_panel,
    category_series,
    normalize_currency,
    panel_to_monthly_wide,
    primary_currency,
    series_uid,
    split_uid,
    user_currencies,
)
from fincast.panel.readers import read_long_csv, read_monthly_csv, transactions_to_panel

__all__ = [
    "SAVINGS",
    "TOTAL_EXPENSE",
    "TOTAL_INCOME",
    "build_panel",
    "category_series",
    "normalize_currency",
    "panel_to_monthly_wide",
    "primary_currency",
    "read_long_csv",
    "read_monthly_csv",
    "series_uid",
    "split_uid",
    "transactions_to_panel",
    "user_currencies",
]
