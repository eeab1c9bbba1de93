"""Demo data for the Quick start: synthetic households and a demo login, created once."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from fincast.config import Settings, private_dir, write_private_file
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


def demo_credentials_file(settings: Settings) -> Path:
    """Where the demo login is kept (mode 0600): ``<data_dir>/demo-credentials.json``."""
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
    cred_file = demo_credentials_file(settings)
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
    private_dir(cred_file.parent)
    write_private_file(
        cred_file, json.dumps({"email": DEMO_EMAIL, "password": password}).encode("utf-8")
    )
    return DemoLogin(DEMO_EMAIL, password, created=True)
