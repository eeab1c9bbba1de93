"""Property-based run of the whole OpenAPI schema (schemathesis), authenticated.

Checks: no 5xx, every status code documented, every response body matching its schema.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from fincast.api import create_app
from fincast.db import migrate
from fincast.db.engine import make_engine, session_scope
from fincast.ledger import service as ledger
from fincast.ledger.models import Transaction
from fincast.services import auth
from tests.api.conftest import make_settings

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# Logout and token revocation would revoke the token the run authenticates with.
EXCLUDED = r"^/api/auth/(logout|tokens/\{token_id\})$"


def _build() -> tuple[object, str]:
    tmp = Path(tempfile.mkdtemp(prefix="fincast-st-"))
    engine = make_engine(f"sqlite:///{tmp / 'st.db'}")
    migrate.upgrade(engine)
    with session_scope(engine) as s:
        user = ledger.create_user(s, "fuzz@example.com", password_hash=auth.HASHER.hash("x" * 12))
        acc = ledger.get_or_create_account(s, user.id, "Checking")
        cats = ledger.category_ids(s, user.id)
        for i in range(40):
            s.add(
                Transaction(
                    user_id=user.id,
                    account_id=acc.id,
                    posted_date=dt.date(2023, 1 + i % 12, 3),
                    amount=Decimal("-12.34") if i % 5 else Decimal("2000.00"),
                    currency="USD",
                    payee=f"payee {i}",
                    category_id=cats["groceries"] if i % 5 else cats["income"],
                    fingerprint=f"st-{i}",
                )
            )
        secret, _ = auth.create_personal_token(s, user.id, "fuzz", None)
    settings_ = make_settings(models_dir=tmp / "models", login_attempts_per_minute=1000)
    return create_app(engine, settings_), secret


APP, TOKEN = _build()
AUTH = {"Authorization": f"Bearer {TOKEN}"}
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
heavy = r"^/api/(train|predict/.*)$"


def _settings(max_examples: int):  # type: ignore[no-untyped-def]
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )


@schema.exclude(path_regex=f"{EXCLUDED}|{heavy}").parametrize()
@_settings(int(os.environ.get("FINCAST_ST_EXAMPLES", "15")))
def test_api_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=AUTH, checks=CHECKS, timeout=120)


@schema.include(path_regex=heavy).parametrize()
@_settings(int(os.environ.get("FINCAST_ST_HEAVY_EXAMPLES", "6")))
def test_prediction_endpoints_conform(case: schemathesis.Case) -> None:
    # A first fit (numba compilation included) takes several seconds on a loaded 2-core
    # machine; the default 10 s read timeout made this test fail for slowness, not errors.
    case.call_and_validate(headers=AUTH, checks=CHECKS, timeout=300)
