"""Stored batch results: a household's answer, its forecast rows (the ``batch_forecasts``
view of its payload) and its insight rows are replaced together and deleted together."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from fincast.ledger import service
from fincast.ledger.models import BatchHousehold, BatchInsight, batch_forecasts, utcnow
from fincast.services.batch.results import write_results


def _household(user: int, stamp: str, series: dict[str, list[float]]) -> dict[str, object]:
    """A stored answer whose series have months 2026-01... with (forecast, lower, upper)."""
    payload = {
        "month": "2026-01",
        "series": [
            {
                "name": name,
                "months": [
                    {"month": f"2026-{h:02d}", "forecast": v, "lower": v - 10.5, "upper": v + 20.25}
                    for h, v in enumerate(values, start=1)
                ],
            }
            for name, values in series.items()
        ],
    }
    return {
        "user_id": user,
        "data_version": stamp,
        "model_version": "m" * 64,
        "payload": payload,
        "computed_at": utcnow(),
    }


def _forecasts(engine: Engine, user: int) -> list[tuple[object, ...]]:
    v = batch_forecasts.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(v.series, v.month, v.horizon, v.point, v.lo_95, v.hi_95)
            .where(v.user_id == user)
            .order_by(v.series, v.horizon)
        ).all()
    return [
        (s, m, int(h), Decimal(str(p)), Decimal(str(lo)), Decimal(str(hi)))
        for s, m, h, p, lo, hi in rows
    ]


def _insights(engine: Engine, user: int) -> int:
    with Session(engine) as session:
        return int(
            session.scalar(
                select(func.count()).select_from(BatchInsight).where(BatchInsight.user_id == user)
            )
        )


def test_rows_are_replaced_with_their_household_and_deleted_with_it(engine: Engine) -> None:
    with Session(engine) as session:
        a = service.create_user(session, "a@example.org").id
        b = service.create_user(session, "b@example.org").id
        session.commit()
    insights = [(u, "overspending", "dining", "2026-01", 0.25) for u in (a, b)]
    households = [
        _household(a, "1" * 16, {"total_expense": [100.5, 101.25]}),
        _household(b, "2" * 16, {"savings": [-5.0], "total_expense": [7.75, 8.0, 9.5]}),
    ]
    with engine.begin() as conn:
        write_results(conn, [a, b], households, insights)
    assert _forecasts(engine, b) == [
        ("savings", "2026-01", 1, Decimal("-5.0"), Decimal("-15.5"), Decimal("15.25")),
        ("total_expense", "2026-01", 1, Decimal("7.75"), Decimal("-2.75"), Decimal("28.0")),
        ("total_expense", "2026-02", 2, Decimal("8.0"), Decimal("-2.5"), Decimal("28.25")),
        ("total_expense", "2026-03", 3, Decimal("9.5"), Decimal("-1.0"), Decimal("29.75")),
    ]
    # A second write of user a's partition replaces a's rows and leaves b's alone.
    with engine.begin() as conn:
        write_results(conn, [a], [_household(a, "3" * 16, {"savings": [5.0]})], [])
    assert _forecasts(engine, a) == [
        ("savings", "2026-01", 1, Decimal("5.0"), Decimal("-5.5"), Decimal("25.25"))
    ]
    with Session(engine) as session:
        assert session.get(BatchHousehold, a).data_version == "3" * 16  # type: ignore[union-attr]
    assert _insights(engine, a) == 0
    assert (len(_forecasts(engine, b)), _insights(engine, b)) == (4, 1)

    # Deleting the household row (as deleting the user does) takes its rows with it.
    with engine.begin() as conn:
        conn.execute(delete(BatchHousehold).where(BatchHousehold.user_id == b))
    assert (_forecasts(engine, b), _insights(engine, b)) == ([], 0)
