"""Recurring series and anomaly flags over the API: list, review, re-import, isolation."""

from __future__ import annotations

from tests.api.client import ApiClient
from tests.api.conftest import LoggedIn


def _account(client: ApiClient, user: LoggedIn) -> int:
    r = client.post("/api/accounts", headers=user.headers, json={"name": "Checking"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _import(client: ApiClient, user: LoggedIn, account: int, rows: list[str], name: str) -> None:
    body = ("date,amount,payee\n" + "\n".join(rows) + "\n").encode()
    r = client.post(
        "/api/imports",
        headers=user.headers,
        data={"account_id": str(account)},
        files={"file": (name, body, "text/csv")},
    )
    assert r.status_code == 201, r.text


def _months(first: int, last: int) -> list[str]:
    """Netflix on the 12th, rent on the 1st, coffee every few days; months of 2024."""
    rows = []
    for month in range(first, last + 1):
        rows.append(f"2024-{month:02d}-12,-15.49,NETFLIX.COM")
        rows.append(f"2024-{month:02d}-01,-1200.00,Oakwood Apartments")
        for day in (3, 9, 17, 24):
            rows.append(f"2024-{month:02d}-{day:02d},-5.00,Blue Bottle Coffee")
    return rows


def test_series_are_listed_reviewed_and_a_dismissal_survives_a_reimport(
    client: ApiClient, alice: LoggedIn
) -> None:
    account = _account(client, alice)
    _import(client, alice, account, _months(1, 5), "jan-may.csv")
    r = client.get("/api/recurring", headers=alice.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    by_payee = {s["payee_key"]: s for s in body["data"]}
    assert body["count"] == 2 and set(by_payee) == {"netflix com", "oakwood apartments"}
    netflix = by_payee["netflix com"]
    assert netflix["cadence"] == "monthly" and netflix["status"] == "new"
    assert netflix["expected_amount"] == "-15.49" and netflix["next_date"] == "2024-06-12"
    assert netflix["occurrences"] == 5 and netflix["price_changes"] == []

    r = client.patch(
        f"/api/recurring/{netflix['id']}", headers=alice.headers, json={"status": "dismissed"}
    )
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    rent = by_payee["oakwood apartments"]
    r = client.patch(
        f"/api/recurring/{rent['id']}", headers=alice.headers, json={"status": "confirmed"}
    )
    assert r.json()["status"] == "confirmed"

    # a later import with a price rise: detection runs again, the decisions stay
    later = [row.replace("-15.49", "-17.99") for row in _months(6, 8)]
    _import(client, alice, account, later, "jun-aug.csv")
    after = {
        s["payee_key"]: s
        for s in client.get("/api/recurring", headers=alice.headers).json()["data"]
    }
    assert after["netflix com"]["id"] == netflix["id"]
    assert after["netflix com"]["status"] == "dismissed"
    assert after["netflix com"]["occurrences"] == 8
    assert after["netflix com"]["price_changes"] == [
        {"date": "2024-06-12", "old_amount": "-15.49", "new_amount": "-17.99"}
    ]
    assert after["oakwood apartments"]["status"] == "confirmed"
    dismissed = client.get("/api/recurring?status=dismissed", headers=alice.headers).json()
    assert [s["payee_key"] for s in dismissed["data"]] == ["netflix com"]


def test_anomalies_are_listed_with_reasons_and_a_dismissal_survives_a_reimport(
    client: ApiClient, alice: LoggedIn
) -> None:
    account = _account(client, alice)
    rows = _months(1, 5)
    rows.append("2024-04-20,-17.00,Blue Bottle Coffee")
    rows.append("2024-04-21,-17.00,Blue Bottle Coffee")  # the same charge again next day
    _import(client, alice, account, rows, "jan-may.csv")
    r = client.get("/api/anomalies", headers=alice.headers)
    assert r.status_code == 200, r.text
    flags = r.json()["data"]
    kinds = sorted((f["kind"], f["posted_date"]) for f in flags)
    assert kinds == [
        ("duplicate", "2024-04-21"),
        ("unusual_amount", "2024-04-20"),
        ("unusual_amount", "2024-04-21"),
    ]
    unusual = next(f for f in flags if f["kind"] == "unusual_amount")
    # the payee as the ledger keeps it (its case is the importer's business)
    assert unusual["reason"].lower() == "3.4x your usual spend at blue bottle coffee (usually 5.00)"
    assert unusual["amount"] == "-17.00" and unusual["transaction_id"] is not None
    duplicate = next(f for f in flags if f["kind"] == "duplicate")
    r = client.patch(
        f"/api/anomalies/{duplicate['id']}", headers=alice.headers, json={"status": "dismissed"}
    )
    assert r.status_code == 200 and r.json()["status"] == "dismissed"

    # importing the same file again changes nothing; a new month re-runs detection
    _import(client, alice, account, _months(6, 6), "jun.csv")
    again = client.get("/api/anomalies", headers=alice.headers).json()["data"]
    same = next(f for f in again if f["kind"] == "duplicate")
    assert same["id"] == duplicate["id"] and same["status"] == "dismissed"
    only_new = client.get("/api/anomalies?status=new", headers=alice.headers).json()
    assert {f["kind"] for f in only_new["data"]} == {"unusual_amount"}


def test_one_user_never_sees_or_changes_anothers_detections(
    client: ApiClient, alice: LoggedIn, bob: LoggedIn
) -> None:
    account = _account(client, alice)
    rows = [*_months(1, 5), "2024-04-20,-17.00,Blue Bottle Coffee"]
    _import(client, alice, account, rows, "a.csv")
    series = client.get("/api/recurring", headers=alice.headers).json()["data"]
    flags = client.get("/api/anomalies", headers=alice.headers).json()["data"]
    assert series and flags
    assert client.get("/api/recurring", headers=bob.headers).json() == {"data": [], "count": 0}
    assert client.get("/api/anomalies", headers=bob.headers).json() == {"data": [], "count": 0}
    for path, item in (("recurring", series[0]), ("anomalies", flags[0])):
        theirs = client.patch(
            f"/api/{path}/{item['id']}", headers=bob.headers, json={"status": "dismissed"}
        )
        unknown = client.patch(
            f"/api/{path}/2000000000", headers=bob.headers, json={"status": "dismissed"}
        )
        assert theirs.status_code == unknown.status_code == 404
        assert theirs.json()["detail"].replace(str(item["id"]), "N") == unknown.json()[
            "detail"
        ].replace("2000000000", "N")
    mine = client.get("/api/recurring", headers=alice.headers).json()["data"]
    assert all(s["status"] == "new" for s in mine)
    assert client.get("/api/recurring").status_code == 401


def test_review_body_is_validated(client: ApiClient, alice: LoggedIn) -> None:
    r = client.patch("/api/recurring/1", headers=alice.headers, json={"status": "maybe"})
    assert r.status_code == 422


def test_a_confirmed_bill_floors_the_forecast_of_its_category(
    client: ApiClient, alice: LoggedIn
) -> None:
    account = _account(client, alice)
    _import(client, alice, account, _months(1, 6), "jan-jun.csv")
    h = alice.headers

    def forecast() -> dict[str, dict]:
        r = client.post("/api/forecast", headers=h, json={"horizon": 2, "level": 0.95})
        assert r.status_code == 200, r.text
        return {s["name"]: s for s in r.json()["series"]}

    before = forecast()
    assert not any(m.get("known") for s in before.values() for m in s["months"])
    series = {s["payee_key"]: s for s in client.get("/api/recurring", headers=h).json()["data"]}
    rent = series["oakwood apartments"]
    r = client.patch(f"/api/recurring/{rent['id']}", headers=h, json={"status": "confirmed"})
    assert r.status_code == 200
    after = forecast()  # no transaction changed, yet the answer knows the bill now
    floored = [(name, m) for name, s in after.items() for m in s["months"] if m.get("known")]
    assert [m["month"] for _, m in floored] == ["2024-07", "2024-08"]
    for name, month in floored:
        assert month["known"] == 1200.0
        assert month["lower"] >= 1200.0 and month["forecast"] >= 1200.0
        assert month["expected"] >= before[name]["months"][0]["expected"] - 0.01
    expense = after["total_expense"]["months"][0]["expected"]
    assert expense >= before["total_expense"]["months"][0]["expected"] - 0.01
    # dismissing it again forgets the floor
    client.patch(f"/api/recurring/{rent['id']}", headers=h, json={"status": "dismissed"})
    assert not any(m.get("known") for s in forecast().values() for m in s["months"])
