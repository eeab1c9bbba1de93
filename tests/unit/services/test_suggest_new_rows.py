"""An import's ledger rows get the answers suggest_rows gives for the same transactions."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from fincast.ml.categorizer import CategorySuggester, TextCategorizer
from fincast.services.categorization import suggest_new_rows, suggest_rows
from fincast.synth import generate_households
from tests.support.frames import model_frame


def test_ledger_rows_in_columns_get_the_answers_of_suggest_rows() -> None:
    tx = generate_households(2, 12, seed=3).transactions
    frame = model_frame(tx)
    # Labels as an import's are: category ids (text of integers).
    ids = {c: str(10 + i) for i, c in enumerate(sorted(set(tx["category"].astype(str))))}
    model = TextCategorizer().fit(frame, [ids[str(c)] for c in tx["category"]])
    suggester = CategorySuggester(user_model=model, threshold=0.3)
    rng = random.Random(1)
    accounts = {1: "Checking", 2: "Card"}
    rows = []
    for i in range(400):
        source = frame.iloc[rng.randrange(len(frame))]
        amount = Decimal(str(round(float(source["amount"]) * rng.choice((1, 1, 3)), 2)))
        day = source["date"].date() + dt.timedelta(days=rng.randrange(3))
        description = source["description"] if i % 3 else None
        # the values of TRANSACTION_COLUMNS: payee_raw at 5, description_raw at 7,
        # the fingerprint at 12
        account_id = rng.choice((1, 2))
        rows.append(
            (
                *(7, account_id, day, amount, "USD", source["payee"], None, description),
                *(None, None, None, None, f"fp{i}", None, dt.datetime(2026, 1, 1)),
            )
        )
    aligned = suggest_new_rows(suggester, rows, accounts)
    keyed = suggest_rows(
        suggester,
        [(r[12], r[1], r[2].isoformat(), float(r[3]), r[5], r[7]) for r in rows],
        accounts,
    )
    assert aligned == [keyed.get(r[12]) for r in rows]
    assert sum(a is not None for a in aligned) > 100  # the model answered for many rows
    assert suggest_new_rows(suggester, [], accounts) == []
