"""`fincast benchmark import`: a generated bank CSV imported twice into a fresh database."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fincast.benchmarks.imports import BARE_TABLES, bare_import, write_csv
from fincast.cli.main import app

runner = CliRunner()


def test_write_csv_writes_the_rows_it_is_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    size = write_csv(path, 250, seed=3)
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 250 and size == path.stat().st_size
    assert set(rows[0]) == {"Date", "Description", "Amount"}
    assert rows == sorted(rows, key=lambda r: r["Date"])


def test_cli_benchmark_import_reports_both_imports() -> None:
    result = runner.invoke(app, ["benchmark", "import", "--rows", "300", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["rows"] == 300 and out["backend"] == "sqlite"
    assert out["imported"] == 300 and out["duplicates"] == 300
    assert out["import_cpu_seconds"] > 0 and out["import_seconds"] > 0
    assert out["reimport_seconds"] > 0 and out["peak_rss_mb"] > 0
    assert out["rows_per_second"] > 0


def test_cli_benchmark_import_prints_one_line_without_json() -> None:
    result = runner.invoke(app, ["benchmark", "import", "--rows", "50"])
    assert result.exit_code == 0, result.output
    line = result.output.strip()
    assert "\n" not in line
    assert line.startswith("50 rows into sqlite: ") and "(re-import" in line
    assert "50 duplicates)" in line


@pytest.mark.parametrize("table", BARE_TABLES)
def test_the_bare_baseline_stores_the_ledgers_fingerprints(tmp_path: Path, table: str) -> None:
    import datetime as dt
    import sqlite3
    from collections import Counter
    from decimal import Decimal

    from fincast.ingest.fingerprint import content_fingerprint, normalize_payee

    path = tmp_path / "bank.csv"
    write_csv(path, 3_000, seed=5)
    out = bare_import(path, tmp_path / "bare.db", account_id=7, table=table)
    assert out["rows"] == 3_000 and out["seconds"] > 0
    stored_in = "bare" if table == "minimal" else "transactions"
    with sqlite3.connect(tmp_path / "bare.db") as conn:
        stored = [r[0] for r in conn.execute(f"SELECT fingerprint FROM {stored_in} ORDER BY id")]
        # The ledger's table: the account the baseline made (its rows name it).
        account_id = (
            7
            if table == "minimal"
            else conn.execute("SELECT DISTINCT account_id FROM transactions").fetchall()[0][0]
        )
    seen: Counter[tuple[str, str, str]] = Counter()
    expected = []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            key = (row["Date"], row["Amount"], normalize_payee(row["Description"]))
            expected.append(
                content_fingerprint(
                    account_id, dt.date.fromisoformat(key[0]), Decimal(key[1]), key[2], seen[key]
                )
            )
            seen[key] += 1
    assert stored == expected


def test_the_bare_baseline_into_the_ledger_stores_what_an_import_stores(tmp_path: Path) -> None:
    """Same dates, amounts, payees and fingerprints as an import of the file, row for row."""
    import sqlite3

    from fincast.db.engine import make_engine, session_scope
    from fincast.ledger import service as ledger
    from fincast.services.imports import import_file

    path = tmp_path / "bank.csv"
    write_csv(path, 2_000, seed=9)
    bare_import(path, tmp_path / "bare.db", table="ledger")
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        from fincast.db import migrate

        migrate.upgrade(engine)
        with session_scope(engine) as s:
            user = ledger.get_or_create_user(s, "bare@fincast.invalid")
            account_id = ledger.get_or_create_account(s, user.id, "Bare checking").id
            user_id = user.id
        import_file(engine, user_id=user_id, account_id=account_id, data=path, filename="b.csv")
    finally:
        engine.dispose()
    query = (
        "SELECT user_id, account_id, posted_date, amount, currency, payee_raw, payee, "
        "fingerprint, import_batch_id FROM transactions ORDER BY id"
    )
    with (
        sqlite3.connect(tmp_path / "bare.db") as bare,
        sqlite3.connect(tmp_path / "ledger.db") as led,
    ):
        assert bare.execute(query).fetchall() == led.execute(query).fetchall()


def test_the_bare_baseline_refuses_an_unknown_table(tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    write_csv(path, 10)
    with pytest.raises(ValueError, match="table must be one of"):
        bare_import(path, tmp_path / "bare.db", table="ledgers")


def test_cli_benchmark_import_reports_the_ratio_to_the_bare_baseline() -> None:
    # Enough rows that each bare run takes more than the 5 ms its rounding keeps.
    result = runner.invoke(app, ["benchmark", "import", "--rows", "3000", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["bare_sqlite_seconds"] > 0 and out["bare_minimal_sqlite_seconds"] > 0
    assert out["import_to_bare_ratio"] > 0 and out["import_to_minimal_bare_ratio"] > 0
