"""Demo data for the Quick start: synthetic households and a demo login, created once."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from fincast.config import Settings
from fincast.db.engine import session_scope
from fincast.ledger.models import User
from fincast.services.auth import HASHER
from fincast.services.households import load_transactions
from fincast.synth import generate_households

DEMO_EMAIL = "demo@fincast.local"
DEMO_HOUSEHOLDS = 24
DEMO_MONTHS = 36
DEMO_SEED = 20240101


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """The demo user's credentials and whether they were created just now."""

    email: str
    password: str
    created: bool


def _credentials_file(settings: Settings) -> Path:
    return settings.data_dir / "demo-credentials.json"


def demo_start_month(today: dt.date, months: int = DEMO_MONTHS) -> str:
    """The first month of a demo history that ends with the last complete month."""
    first = (today.year * 12 + today.month - 1) - months
    return f"{first // 12:04d}-{first % 12 + 1:02d}"


def ensure_demo_data(engine: Engine, settings: Settings, today: dt.date | None = None) -> DemoLogin:
    """Load demo households and create the demo login unless they exist already.

    The first synthetic household belongs to the demo user; the others give the global
    forecasting model other households to learn from. The random password is kept in
    ``<data_dir>/demo-credentials.json`` (mode 600) so later runs can print it again.
    """
    cred_file = _credentials_file(settings)
    with session_scope(engine) as s:
        existing = s.scalar(select(User).where(User.email == DEMO_EMAIL))
        if existing is not None and existing.password_hash and cred_file.is_file():
            saved = json.loads(cred_file.read_text())
            return DemoLogin(DEMO_EMAIL, saved["password"], created=False)

    households = generate_households(
        n_users=DEMO_HOUSEHOLDS,
        n_months=DEMO_MONTHS,
        seed=DEMO_SEED,
        start=demo_start_month(today or dt.date.today()),
    )
    tx = households.transactions
    first = str(tx["user_id"].iloc[0])
    load_transactions(engine, tx, emails={first: DEMO_EMAIL})
    password = secrets.token_urlsafe(12)
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.email == DEMO_EMAIL))
        assert user is not None
        user.password_hash = HASHER.hash(password)
        user.display_name = "Demo household"
    cred_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(cred_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"email": DEMO_EMAIL, "password": password}, fh)
    return DemoLogin(DEMO_EMAIL, password, created=True)
