"""`fincast benchmark overspending --real`: a Mint-style export scored at every cutoff."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from fincast.benchmarks.overspending import real_household
from fincast.cli.main import app
from tests.support.population import worker_models_dir


def _export(path: Path, months: int = 10) -> Path:
    rng = np.random.default_rng(5)
    lines = ["date,description,amount,transaction_type,category,account_name,signed_amount"]
    for m in range(months):
        ym = f"2021-{m + 1:02d}"
        groceries = round(float(rng.normal(400, 60)), 2)
        lines += [
            f"{ym}-01,Payroll,3000.00,credit,Paycheck,Checking,3000.00",
            f"{ym}-02,Mortgage Payment,1200.00,debit,Mortgage & Rent,Checking,-1200.00",
            f"{ym}-10,Grocer,{groceries:.2f},debit,Groceries,Checking,-{groceries:.2f}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_real_household_scores_every_cutoff(tmp_path: Path) -> None:
    out = real_household(_export(tmp_path / "mint.csv"), models_dir=worker_models_dir())
    assert (out["months"], out["first"], out["last"], out["cutoffs"]) == (
        10,
        "2021-01",
        "2021-10",
        4,
    )
    rows = out["rows"]
    # 4 cutoffs, each scoring housing and groceries, and spending over income once
    assert len(rows) == 12
    assert set(rows["history"]) == {"6-11"}
    spend = rows[rows.question == "spending over income"]
    assert len(spend) == 4 and (spend.outcome == 0).all()
    assert ((rows.p >= 0) & (rows.p <= 1)).all()
    summary = out["summary"].reset_index()
    assert set(summary["history"]) == {"6-11", "all"}
    assert {"brier", "raw_brier", "rule_brier", "base_rate_brier"} <= set(summary.columns)


def test_cli_real_only_json(tmp_path: Path) -> None:
    csv = _export(tmp_path / "mint.csv")
    res = CliRunner().invoke(
        app,
        [
            "benchmark", "overspending", "--no-synthetic", "--real", str(csv),
            "--models-dir", str(worker_models_dir()), "--json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    body = json.loads(res.output.strip().splitlines()[-1])
    assert list(body) == ["real_household"]
    part = body["real_household"]
    assert part["months"] == 10 and part["cutoffs"] == 4
    assert {r["question"] for r in part["reliability_raw"]} == {
        "category over 1.2x its average",
        "spending over income",
    }
