"""`fincast categorize evaluate`: the time-split scores of a labeled CSV, as a table or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fincast.cli.main import app
from fincast.errors import InputError
from fincast.synth import generate_households


@pytest.fixture(scope="module")
def labeled_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tx = generate_households(2, 12, seed=11).transactions
    path = tmp_path_factory.mktemp("cat") / "labeled.csv"
    out = tx.assign(text=[f"POS {p.upper()} 0{i % 9}123" for i, p in enumerate(tx["payee"])])
    out[["date", "text", "amount", "category"]].to_csv(path, index=False)
    return path


def test_evaluate_json_prints_one_object_with_both_baselines(labeled_csv: Path) -> None:
    args = ["categorize", "evaluate", "--data", str(labeled_csv), "--text-col", "text"]
    args += ["--label-col", "category", "--amount-col", "amount", "--date-col", "date", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body["fincast"]) >= {"accuracy", "macro_f1", "coverage"}
    assert set(body["baselines"]) == {"last_identical_payee", "linear_svm_char_ngrams"}
    for scores in (body["fincast"], *body["baselines"].values()):
        assert all(0.0 <= scores[k] <= 1.0 for k in ("accuracy", "macro_f1", "coverage"))
    assert body["fincast"]["accuracy"] > 0.8
    assert body["chosen"]["class_weight_power"] in (0.5, 1.0)  # chosen on training rows
    assert body["baselines"]["linear_svm_char_ngrams"]["coverage"] == 1.0
    n = len(labeled_csv.read_text().splitlines()) - 1
    assert body["rows"]["train"] == round(0.7 * n)
    assert body["rows"]["train"] + body["rows"]["test"] == n


def test_evaluate_table_and_a_missing_column(labeled_csv: Path) -> None:
    runner = CliRunner()
    args = ["categorize", "evaluate", "--data", str(labeled_csv), "--text-col", "text"]
    table = runner.invoke(app, [*args, "--label-col", "category"])
    assert table.exit_code == 0, table.output
    assert "linear_svm_char_ngrams" in table.output and "fincast" in table.output
    assert "every" in table.output  # the every-row figures beside those at the threshold
    bad = runner.invoke(app, [*args, "--label-col", "nope"])
    assert isinstance(bad.exception, InputError)
    assert "nope" in str(bad.exception)
