"""The Health page and the goal forecasts on the Goals page, against the real API."""

from __future__ import annotations

import datetime as dt

from fincast.dashboard.session import DashboardApi
from fincast.dashboard.views import health


def _texts(at) -> str:  # type: ignore[no-untyped-def]
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(t.value) for t in at.table] + [m.label + m.value for m in at.metric]
    parts += [x.value for x in (*at.info, *at.success, *at.warning, *at.error)]
    return "\n".join(parts)


def test_health_page_with_data(user_with_data: DashboardApi, page) -> None:  # type: ignore[no-untyped-def]
    at = page("health", user_with_data)
    assert not at.exception, at.exception
    answer = user_with_data.call("health")
    score = next(m for m in at.metric if m.label == "Health score")
    expected = "-" if answer["score"] is None else f"{answer['score']} / 100"
    assert score.value == expected
    table = at.dataframe[0].value
    assert list(table["Indicator"])[:2] == ["Spend less than income", "Bills paid on time"]
    assert len(table) == 8
    text = _texts(at)
    assert answer["tier"] in text and answer["basis"] in text
    disposable = user_with_data.call("disposable_income")
    metric = next(m for m in at.metric if m.label.startswith("Disposable"))
    assert metric.value.startswith("€") and disposable["month"] in metric.label
    verdict = user_with_data.call("investment_readiness")["verdict"]
    assert verdict.capitalize() in text
    if any(m["score"] is not None for m in answer["history"]):
        assert len(at.get("plotly_chart")) == 1


def test_health_page_without_data_says_so(new_user: DashboardApi, page) -> None:  # type: ignore[no-untyped-def]
    at = page("health", new_user)
    assert not at.exception, at.exception
    text = _texts(at)
    assert next(m for m in at.metric if m.label == "Health score").value == "-"
    assert "not enough data" in text
    assert "Not available yet" in text and "months" in text
    assert "Not enough data" in text  # readiness verdict
    assert "excellent" not in text.lower()


def test_history_chart_leaves_gaps_for_months_without_a_score() -> None:
    fig = health.history_chart(
        [
            {"month": "2026-01", "score": None},
            {"month": "2026-02", "score": 55},
            {"month": "2026-03", "score": 61},
        ]
    )
    trace = fig.data[0]
    assert list(trace.y) == [None, 55, 61] and trace.connectgaps is False


def test_goals_page_shows_each_goals_forecast(user_with_data: DashboardApi, page) -> None:  # type: ignore[no-untyped-def]
    due = dt.date.today() + dt.timedelta(days=150)
    goal = user_with_data.write("create_goal", "Trip", "500.00", due)
    at = page("goals", user_with_data)
    assert not at.exception, at.exception
    f = user_with_data.call("goal_forecast", goal["id"])
    row = at.table[0].value.loc["Trip"]
    assert row["Chance by date"] == f"{f['probability']:.0%}"
    assert row["Reached at current pace"] == (f["pace_month"] or "not at this pace")
    assert row["Save a month (80%)"].startswith("€")
