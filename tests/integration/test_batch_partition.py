"""A batch partition reads what the API's path reads for each of its users, in a few queries."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fincast.db import migrate
from fincast.insights.overspending import trailing_averages
from fincast.ledger import service
from fincast.ledger.bulk import bulk_load_transactions
from fincast.ledger.models import RecurringSeriesRecord, ReviewStatus, User
from fincast.ml.household_table import household_arrays
from fincast.services import recurring
from fincast.services.batch.partition import (
    partition_bills,
    partition_households,
    partition_versions,
)
from fincast.services.batch.score import monthly_tables
from fincast.services.forecasting.known import known_bills
from fincast.services.forecasting.versions import data_version
from fincast.synth import generate_households
from tests.support.databases import isolated_engine


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_a_partition_reads_what_each_user_would(backend: str, tmp_path: Path) -> None:
    tx = generate_households(8, 30, 16_017).transactions
    # Spending nobody categorised: a category of its own.
    first = tx["user_id"] == tx["user_id"].iloc[0]
    tx.loc[first & (tx.index % 9 == 0) & (tx["amount"] < 0), "category"] = None
    with isolated_engine(backend, tmp_path) as engine:
        migrate.upgrade(engine)
        bulk_load_transactions(engine, tx)
        with Session(engine) as session:
            ids = sorted(session.scalars(select(User.id)))
            empty = service.create_user(session, "nobody@example.org").id
            session.commit()
            recurring.refresh(session, ids[1])
            series = session.scalars(
                select(RecurringSeriesRecord).where(RecurringSeriesRecord.user_id == ids[1])
            ).first()
            assert series is not None
            recurring.set_status(session, ids[1], series.id, ReviewStatus.CONFIRMED)
        users = [*ids, empty]
        with Session(engine) as session:
            versions = partition_versions(session, [*users, 999_999])
            bills = partition_bills(session, users)
            assert versions == {u: data_version(session, u) for u in [*users, 999_999]}
            assert bills == {u: known_bills(session, u) for u in users}
        assert bills[ids[1]] and not bills[ids[0]]

        found = partition_households(engine, users)
        tables = monthly_tables(engine, users)
        assert set(found) == set(tables) == set(ids)  # the user without transactions: none
        for user in ids:
            want = household_arrays(tables[user])
            got = found[user].arrays
            assert got.names == want.names
            np.testing.assert_array_equal(got.values, want.values)
            assert got.months.equals(want.months)
            assert found[user].trailing == trailing_averages(tables[user])
        assert "uncategorized" in found[ids[0]].arrays.names
