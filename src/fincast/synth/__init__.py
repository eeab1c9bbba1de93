"""Synthetic households: realistic transactions, their monthly panel and the injected truth.

Pure library (numpy, pandas, pyarrow; no database). ``generate_households`` simulates a
population with one seeded generator; ``write_households`` writes::

    transactions.csv         user_id,account,account_type,date,amount,currency,
                             payee,description,category
    monthly.csv              user_id,year_month,total_income,<expense slugs>,
                             total_expense,savings
    sample_transactions.csv  date,category,amount,payee,description (first user; income
                             and expense rows only, amounts as positive magnitudes)
    sample_monthly_data.csv  year_month,total_income,<expense slugs>,total_expense,savings
    ground_truth.json        anomalies, recurring, price_changes, raises, job_losses

``generate_households(..., detector_events=True)`` also injects the labelled events the
recurring and anomaly detectors are scored on (:mod:`fincast.synth.detector_events`).

Monthly figures follow the panel's definitions: an expense category is minus the sum of its
rows, income the sum of income rows, transfer-kind rows (savings transfers, card and loan
payments received, ATM withdrawals) count nowhere.
"""

from fincast.synth.files import FILES, read_ground_truth, write_households
from fincast.synth.frames import EXPENSE_CATEGORIES, MONTHLY_COLUMNS, TRANSACTION_COLUMNS
from fincast.synth.households import (
    GENERATION_STEPS,
    SAMPLE_TRANSACTION_COLUMNS,
    Households,
    generate_households,
    validate_arguments,
)
from fincast.synth.truth import GroundTruth

__all__ = [
    "EXPENSE_CATEGORIES",
    "FILES",
    "GENERATION_STEPS",
    "MONTHLY_COLUMNS",
    "SAMPLE_TRANSACTION_COLUMNS",
    "TRANSACTION_COLUMNS",
    "GroundTruth",
    "Households",
    "generate_households",
    "read_ground_truth",
    "validate_arguments",
    "write_households",
]
