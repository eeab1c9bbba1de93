"""`fincast insights peers|profile|train-peers`: peer targets and profile-only answers.

The commands join the ``insights`` sub-app of :mod:`fincast.cli.insights`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from fincast.cli.common import migrated_engine, print_json
from fincast.cli.insights import app
from fincast.errors import InputError

console = Console()

#: The profile file's fields: the second source's names, as the API takes them.
PROFILE_FIELDS = {
    "Income": "income",
    "Age": "age",
    "Dependents": "dependents",
    "Occupation": "occupation",
    "City_Tier": "city_tier",
    "Rent": "rent",
    "Loan_Repayment": "loan_repayment",
    "Insurance": "insurance",
    "Groceries": "groceries",
    "Transport": "transport",
    "Eating_Out": "eating_out",
    "Entertainment": "entertainment",
    "Utilities": "utilities",
    "Healthcare": "healthcare",
    "Education": "education",
    "Miscellaneous": "miscellaneous",
    "Desired_Savings_Percentage": "desired_savings_percentage",
}
_TEXT = {"Occupation", "City_Tier"}
_INTEGER = {"Age", "Dependents"}


def _models(models_dir: Path | None) -> Path:
    from fincast.config import get_settings

    return models_dir or get_settings().resolved_models_dir


def read_profile(path: Path) -> dict[str, Any]:
    """The 17 fields of a profile JSON file, checked and in snake case."""
    try:
        raw = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable JSON file ({exc})") from exc
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected a JSON object with the 17 profile fields")
    unknown = sorted(set(raw) - set(PROFILE_FIELDS))
    if unknown:
        raise InputError(f"{path}: unknown field {unknown[0]!r}")
    missing = [k for k in PROFILE_FIELDS if k not in raw]
    if missing:
        raise InputError(f"{path}: missing field {missing[0]!r}")
    out: dict[str, Any] = {}
    for key, name in PROFILE_FIELDS.items():
        value = raw[key]
        if key in _TEXT:
            if not isinstance(value, str):
                raise InputError(f"{key}: expected text, got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{key}: expected a number, got {value!r}")
        elif key in _INTEGER and value != int(value):
            raise InputError(f"{key}: expected a whole number, got {value!r}")
        out[name] = int(value) if key in _INTEGER else value
    return out


def targets_table(body: dict[str, Any], title: str) -> Table:
    """The per-category targets beside what the better-saving peers spend."""
    table = Table(title=title)
    for column in ("category", "now", "target", "peers' median", "peers' p25-p75"):
        table.add_column(column, justify="right")
    for t in body["targets"]:
        table.add_row(
            t["field"],
            f"{t['current']:.2f}",
            f"{t['target']:.2f}",
            f"{t['peer_median']:.2f}",
            f"{t['peer_p25']:.2f}-{t['peer_p75']:.2f}",
        )
    return table


@app.command("peers")
def peers_cmd(
    user: str = typer.Option("local@fincast.invalid", "--user", help="Owner's email."),
    dependents: int | None = typer.Option(None, "--dependents", min=0, help="People you support."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help="Folder of the model."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Per-category targets and a savings rate from peers in your segment who save more."""
    from fincast.services import peers

    body = peers.peers_for_cli(
        migrated_engine(), user, models_dir=_models(models_dir), dependents=dependents
    )
    if as_json:
        print_json(body)
        return
    console.print(targets_table(body, f"peer targets of {user} (segment {body['segment']})"))
    console.print(
        f"savings rate {body['savings_rate']:.1%}; peers who save more: "
        f"{body['peer_savings_rate']:.1%} ({body['peers']} households); target "
        f"{body['target_savings_rate']:.1%}"
    )
    for note in body["notes"]:
        console.print(f"note: {note}")


@app.command("profile")
def profile_cmd(
    file: Path = typer.Option(..., "--file", help="A JSON file with the 17 profile fields."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help="Folder of the model."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Answers for one month's profile with no history (the second source's 17 fields)."""
    from fincast.services import peers

    body = peers.profile_answers(read_profile(file), models_dir=_models(models_dir))
    if as_json:
        print_json(body)
        return
    health = body["health"]
    console.print(f"disposable income: {body['disposable_income']:.2f}")
    console.print(f"status: {body['overspending']['status']} - {body['overspending']['message']}")
    u = body["unusualness"]
    console.print(f"pattern: {u['label']} ({u['reason']})")
    console.print(f"health: {health['score']} ({health['tier']})")
    for line in body["recommendations"]:
        console.print(f"- {line}")
    if body["peers"]:
        console.print(targets_table(body["peers"], "peer targets"))


@app.command("train-peers")
def train_peers_cmd(
    population: Path | None = typer.Option(
        None, "--population", help="The population dataset CSV (default: the shared folder)."
    ),
    synthetic_only: bool = typer.Option(False, "--synthetic-only", help="Synthetic only."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help="Folder of the model."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Fit the peer segmentation on synthetic households and the population dataset."""
    from fincast.services import peers

    if population is not None and not population.is_file():
        raise InputError(f"--population: {population} is not a file")
    meta = peers.train(_models(models_dir), population=population, synthetic_only=synthetic_only)
    if as_json:
        print_json({k: v for k, v in meta.items() if k != "signature"})
        return
    console.print(
        f"peer segments trained on {', '.join(meta['sources'])} "
        f"({meta['households']}); segment sizes {meta['segment_sizes']}"
    )
