"""Stored batch rows belong to their household row: replaced with it, deleted with it."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from fincast.ledger import service
from fincast.ledger.models import BatchForecast, BatchHousehold, BatchInsight, utcnow
from fincast.services.batch.results import write_results


def _household(user: int, stamp: str) -> dict[str, object]:
    return {
        "user_id": user,
        "data_version": stamp,
        "model_version": "m" * 64,
        "payload": {"months": [], "series": []},
        "computed_at": utcnow(),
    }


def _count(engine: Engine, model: type, user: int) -> int:
    with Session(engine) as session:
        return int(
            session.scalar(select(func.count()).select_from(model).where(model.user_id == user))
        )


def test_rows_are_replaced_with_their_household_and_deleted_with_it(engine: Engine) -> None:
    with Session(engine) as session:
        a = service.create_user(session, "a@example.org").id
        b = service.create_user(session, "b@example.org").id
        session.commit()
    forecasts = [
        (u, "total_expense", f"2026-{h:02d}", h, 100.0 + h, 90.25, 120.5)
        for u in (a, b)
        for h in range(1, 4)
    ]
    insights = [(u, "overspending", "dining", "2026-01", 0.25) for u in (a, b)]
    with engine.begin() as conn:
        write_results(
            conn, [a, b], [_household(a, "1" * 16), _household(b, "2" * 16)], forecasts, insights
        )
    # A second write of user a's partition replaces a's rows and leaves b's alone.
    with engine.begin() as conn:
        write_results(
            conn, [a], [_household(a, "3" * 16)], [(a, "savings", "2026-01", 1, 5.0, -1.0, 9.0)], []
        )
    with Session(engine) as session:
        rows = session.scalars(select(BatchForecast).where(BatchForecast.user_id == a)).all()
        assert [(r.series, r.horizon, r.point) for r in rows] == [("savings", 1, Decimal("5.00"))]
        assert session.get(BatchHousehold, a).data_version == "3" * 16  # type: ignore[union-attr]
    assert _count(engine, BatchInsight, a) == 0
    assert (_count(engine, BatchForecast, b), _count(engine, BatchInsight, b)) == (3, 1)

    # Deleting the household row (as deleting the user does) takes its rows with it.
    with engine.begin() as conn:
        conn.execute(delete(BatchHousehold).where(BatchHousehold.user_id == b))
    assert (_count(engine, BatchForecast, b), _count(engine, BatchInsight, b)) == (0, 0)
