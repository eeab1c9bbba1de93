"""The data looks like households: paydays, transfers, seasonality, injected events."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from fincast.synth import generate_households
from tests.unit.synth.conftest import Written

PAYROLL = "DIRECT DEP PAYROLL"


def _paychecks(written: Written) -> pd.DataFrame:
    tx = written.tx
    pay = tx[(tx["description"] == PAYROLL) & (tx["payee"] != "Employer Bonus")].copy()
    pay["day"] = pd.to_datetime(pay["date"])
    return pay


def test_biweekly_paydays_are_fourteen_days_apart_and_some_months_have_three(
    written: Written,
) -> None:
    rec = written.households.ground_truth.recurring
    biweekly = rec[(rec["cadence"] == "biweekly") & (rec["category"] == "income")]
    assert 0.25 < biweekly["user_id"].nunique() / 300 < 0.65
    pay = _paychecks(written)
    pay = pay.merge(biweekly[["user_id", "payee"]], on=["user_id", "payee"])
    gaps = pay.groupby(["user_id", "payee"])["day"].diff().dropna().dt.days
    assert (gaps % 14 == 0).all()
    assert (gaps == 14).mean() > 0.99
    assert (pay["day"].dt.weekday == 4).all()  # Fridays
    per_month = pay.groupby(["user_id", pay["date"].str[:7]]).size()
    assert per_month.max() == 3
    assert set(per_month.unique()) <= {1, 2, 3}


def test_monthly_paydays_are_business_days_once_a_month(written: Written) -> None:
    rec = written.households.ground_truth.recurring
    monthly = rec[(rec["cadence"] == "monthly") & (rec["category"] == "income")]
    pay = _paychecks(written).merge(monthly[["user_id", "payee"]], on=["user_id", "payee"])
    assert len(pay) > 0
    assert (pay["day"].dt.weekday < 5).all()
    assert (pay.groupby(["user_id", pay["date"].str[:7]]).size() == 1).all()


def test_incomes_are_lognormal_across_users(written: Written) -> None:
    income = written.monthly.groupby("user_id")["total_income"].median() / 100
    logs = np.log(income[income > 0])
    assert 2500 < np.exp(logs.median()) < 6000
    assert 0.3 < logs.std() < 0.9
    assert income.mean() > income.median()  # right-skewed


def test_transfer_pairs_net_to_zero_across_accounts(written: Written) -> None:
    tx = written.tx
    moving = tx[
        tx["category"].isin(["transfers", "credit_card_payment"])
        | ((tx["category"] == "debt_payments") & (tx["account_type"] == "checking"))
    ]
    assert {"Transfer to Savings", "Credit Card Payment", "ATM Withdrawal"} <= set(moving["payee"])
    legs = moving.assign(size=moving["cents"].abs()).groupby(["user_id", "date", "payee", "size"])
    assert (legs["cents"].sum() == 0).all()
    assert (legs["account"].nunique() == 2).all()
    card = moving[moving["category"] == "credit_card_payment"]
    assert set(card["account_type"]) == {"checking", "credit_card"}
    savings = moving[moving["payee"] == "Transfer to Savings"]
    assert set(savings["account_type"]) == {"checking", "savings"}
    loans = moving[moving["account_type"] == "loan"]
    assert len(loans) > 0 and (loans["cents"] > 0).all()


def test_card_payment_pays_last_months_statement(written: Written) -> None:
    tx = written.tx.assign(ym=written.tx["date"].str[:7])
    card = tx[(tx["account_type"] == "credit_card") & (tx["cents"] < 0)]
    statements = card.groupby(["user_id", "ym"])["cents"].sum()
    payments = tx[(tx["category"] == "credit_card_payment") & (tx["account_type"] == "checking")]
    months = sorted(tx["ym"].unique())
    following = dict(itertools.pairwise(months))
    due = statements.reset_index()
    due = due[due["ym"] != months[-1]].assign(ym=lambda d: d["ym"].map(following))
    expected = due.set_index(["user_id", "ym"])["cents"].sort_index()
    paid = payments.groupby(["user_id", "ym"])["cents"].sum().sort_index()
    pd.testing.assert_series_equal(paid, expected, check_names=False)


def test_december_shopping_peak(written: Written) -> None:
    m = written.monthly
    december = m["year_month"].str.endswith("-12")
    assert m.loc[december, "shopping"].mean() > 1.4 * m.loc[~december, "shopping"].mean()


def test_winter_utilities_exceed_spring(written: Written) -> None:
    m = written.monthly
    month = m["year_month"].str[5:].astype(int)
    winter = m.loc[month.isin([12, 1, 2]), "utilities"].mean()
    spring = m.loc[month.isin([3, 4, 5]), "utilities"].mean()
    assert winter > 1.1 * spring


def test_summer_travel(written: Written) -> None:
    m = written.monthly
    month = m["year_month"].str[5:].astype(int)
    summer = m.loc[month.isin([6, 7, 8]), "travel"].mean()
    rest = m.loc[month.isin([2, 3, 4, 9, 10]), "travel"].mean()
    assert summer > 3 * rest


def test_ground_truth_anomalies_are_in_the_transactions(written: Written) -> None:
    gt = written.households.ground_truth.anomalies
    assert set(gt["kind"]) == {"medical_bill", "car_repair", "fraud_like_spike"}
    keys = ["user_id", "date", "amount", "payee", "category", "account"]
    found = gt.merge(written.tx[keys].drop_duplicates(), on=keys, how="left", indicator=True)
    assert (found["_merge"] == "both").all()
    assert (gt["amount"].str.startswith("-")).all()


def test_ground_truth_recurring_streams_are_regular(written: Written) -> None:
    rec = written.households.ground_truth.recurring
    subs = rec[rec["category"] == "subscriptions"]
    assert len(subs) > 0
    tx = written.tx[written.tx["category"] == "subscriptions"]
    joined = tx.merge(subs, on=["user_id", "payee"], suffixes=("", "_gt"))
    day = joined["date"].str[8:].astype(int)
    assert (day == joined["day_of_month"]).all()
    assert ((joined["date"] >= joined["start"]) & (joined["date"] <= joined["end"])).all()
    first = joined[joined["date"] == joined["start"]]
    assert (first["amount"] == first["amount_gt"]).all()
    assert {"housing", "utilities", "income", "transfers", "credit_card_payment"} <= set(
        rec["category"]
    )


def test_price_changes_raises_and_job_losses_show_in_transactions(written: Written) -> None:
    gt = written.households.ground_truth
    tx = written.tx
    keys = ["user_id", "payee", "date"]
    pc = gt.price_changes.merge(tx, on=keys)
    assert len(pc) == len(gt.price_changes) > 0
    assert (pc["amount"] == pc["new_amount"]).all()
    assert (
        pc["new_amount"].str.lstrip("-").astype(float)
        > pc["old_amount"].str.lstrip("-").astype(float)
    ).all()

    raised = gt.raises.merge(tx[tx["description"] == PAYROLL], on=["user_id", "date"])
    assert len(gt.raises) > 0 and len(raised) >= len(gt.raises)
    pay = tx[(tx["description"] == PAYROLL) & (tx["payee"] != "Employer Bonus")]
    assert len(gt.job_losses) > 0
    for row in gt.job_losses.itertuples():
        months = pay.loc[pay["user_id"] == row.user_id, "date"].str[:7]
        assert not ((months >= row.first_month) & (months <= row.last_month)).any()
        assert (months > row.last_month).any()


def test_single_month_and_odd_start_work() -> None:
    h = generate_households(5, 1, 0, "2024-02")
    dates = h.transactions["date"]
    assert dates.min() >= pd.Timestamp("2024-02-01")
    assert dates.max() <= pd.Timestamp("2024-02-29")
    assert list(h.monthly["year_month"].astype(str).unique()) == ["2024-02"]
