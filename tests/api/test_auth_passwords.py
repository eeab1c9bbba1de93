"""The password policy (OWASP ASVS 2.1): one rule for registration, password change and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import Parameters, PasswordHasher, Type, extract_parameters

from fincast.errors import InputError
from fincast.services import auth
from fincast.services.users import create_user
from tests.api.client import ApiClient
from tests.support.databases import isolated_engine

EMAIL = "maria.longname@example.com"

WEAK = [
    ("12345678", "at least 12 characters"),
    ("password", "at least 12 characters"),
    (" " * 8, "at least 12 characters"),
    (" " * 16, "at least 12 characters"),  # runs of spaces count as one (ASVS 2.1.1)
    ("a" + " " * 12 + "b", "at least 12 characters"),
    (EMAIL, "email"),
    (EMAIL.upper(), "email"),
    ("maria.longname", "email"),
    ("Maria.Longname2024", "email"),
    ("qwerty123456", "common"),
    ("1q2w3e4r5t6y", "common"),
    ("QWERTY123456", "common"),
    ("aaaaaaaaaaaaaaaa", "repeat"),
    ("abcabcabcabcabc", "repeat"),
    ("123456789012", "sequence"),
    ("abcdefghijklmn", "sequence"),
]


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_weak_passwords_are_refused_at_registration(
    client: ApiClient, password: str, reason: str
) -> None:
    r = client.post("/api/auth/register", json={"email": EMAIL, "password": password})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["errors"][0]["field"] == "body.password"
    assert reason in problem["errors"][0]["message"]
    login = client.post("/api/auth/token", data={"username": EMAIL, "password": password})
    assert login.status_code == 401


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_the_policy_names_the_problem(password: str, reason: str) -> None:
    from fincast.services import passwords

    with pytest.raises(InputError, match=reason):
        passwords.check_password_policy(password, email=EMAIL)


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "Tr0ub4dor&3-extended", "ünïcödé pässwörd ok", "x7!Kp#2mQ9zL"],
)
def test_good_passwords_pass(password: str) -> None:
    from fincast.services import passwords

    passwords.check_password_policy(password, email=EMAIL)


def test_the_common_list_ships_with_the_package() -> None:
    from fincast.services import passwords

    listed = passwords.common_passwords()
    assert len(listed) > 10_000
    assert {"password", "123456", "qwerty123456"} <= listed


@pytest.mark.parametrize(("password", "reason"), WEAK[:3] + WEAK[5:6] + WEAK[9:10])
def test_the_cli_uses_the_same_policy(tmp_path: Path, password: str, reason: str) -> None:
    from fincast.db import migrate

    with isolated_engine("sqlite", tmp_path) as engine:
        migrate.upgrade(engine)
        with pytest.raises(InputError, match=reason):
            create_user(engine, EMAIL, password)
        assert create_user(engine, EMAIL, "correct horse battery").email == EMAIL


def test_argon2id_at_owasps_recommendation() -> None:
    # OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
    params: Parameters = auth.ARGON2_PARAMETERS
    assert params.type is Type.ID
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19 * 1024, 2, 1)
    assert params.salt_len >= 16 and params.hash_len >= 32
    stored = PasswordHasher.from_parameters(params).hash("correct horse battery")
    assert extract_parameters(stored) == params
