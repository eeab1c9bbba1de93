"""The debt plan and peers pages, against a real API."""

from __future__ import annotations

from fincast.dashboard.session import DashboardApi
from fincast.dashboard.views import debt_plan


def _texts(at) -> str:  # type: ignore[no-untyped-def]
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [m.label + m.value for m in at.metric]
    parts += [x.value for x in (*at.info, *at.success, *at.warning, *at.error)]
    return "\n".join(parts)


def test_debt_plan_page_without_debts(new_user: DashboardApi, page) -> None:  # type: ignore[no-untyped-def]
    at = page("debt-plan", new_user)
    assert not at.exception, at.exception
    assert "No debts yet" in _texts(at)


def test_debt_plan_page_shows_each_strategy(user_with_data: DashboardApi, page) -> None:  # type: ignore[no-untyped-def]
    user_with_data.write("create_debt", "Card", "5000.00", "22.9", "150.00")
    user_with_data.write("create_debt", "Payday", "10000.00", "24", "150.00")
    at = page("debt-plan", user_with_data)
    assert not at.exception, at.exception
    body = user_with_data.call("debt_plan")
    table = at.dataframe[0].value
    assert list(table["Strategy"]) == ["Avalanche", "Snowball", "Your order"]
    months = body["strategies"]["avalanche"]["months"]
    assert table["Months to debt-free"].iloc[0] == (str(months) if months else "never")
    text = _texts(at)
    assert "Payday" in text and "never paid off" in text  # its minimum is below its interest
    if any(p["schedule"] for p in body["strategies"].values()):
        assert len(at.get("plotly_chart")) == 1


def test_balance_chart_has_one_line_per_strategy() -> None:
    plans = {
        "avalanche": {"schedule": [{"month": 1, "balance": "50"}, {"month": 2, "balance": "0"}]},
        "own": {"schedule": [{"month": 1, "balance": "60"}]},
    }
    fig = debt_plan.balance_chart(plans)
    assert [t.name for t in fig.data] == ["Avalanche", "Your order"]
    assert list(fig.data[0].y) == [None, 50.0, 0.0]


def test_peers_page_with_data_and_the_profile_form(user_with_data: DashboardApi, page) -> None:  # type: ignore[no-untyped-def]
    at = page("peers", user_with_data)
    assert not at.exception, at.exception
    body = user_with_data.call("peers")
    labels = {m.label: m.value for m in at.metric}
    assert labels["Target savings rate"] == f"{100 * body['target_savings_rate']:.1f}%"
    assert len(at.dataframe[0].value) == 11
    at.number_input[0].set_value(3000.0)
    at.number_input[4].set_value(2000.0)  # rent
    at.button[0].click().run()
    assert not at.exception, at.exception
    labels = {m.label: m.value for m in at.metric}
    assert labels["Disposable income"].endswith("1,000.00")


def test_peers_page_without_data_says_so(new_user: DashboardApi, page) -> None:  # type: ignore[no-untyped-def]
    at = page("peers", new_user)
    assert not at.exception, at.exception
    assert "not available yet" in _texts(at)
