"""The password policy: one rule for registration, password change and ``fincast users create``.

It follows OWASP ASVS 4.0 section 2.1 and NIST SP 800-63B 5.1.1.2: a length floor rather than
composition rules, no password from a list of the most common ones, nothing built from the
account's own email, and no trivial repeats or keyboard-free sequences.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from functools import cache
from importlib import resources
from itertools import pairwise

from fincast.errors import InputError

#: ASVS 2.1.1: at least 12 characters, counted after runs of spaces are combined.
MIN_LENGTH = 12
#: Longer input is refused before hashing; argon2 would take it, the limit keeps requests small.
MAX_LENGTH = 1024
#: Shorter local parts ("al" of al@example.com) would forbid too many good passwords.
MIN_CONTEXT_WORD = 4
_SPACES = re.compile(r"\s+")
_COMMON_LIST = "common-passwords.txt.gz"  # see src/fincast/data/README.md for its source


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of the most common passwords, lowercased."""
    data = resources.files("fincast").joinpath("data", _COMMON_LIST).read_bytes()
    text = gzip.decompress(data).decode("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _normalized(password: str) -> str:
    """NFKC, runs of whitespace as one space, trimmed: what the length and lists are checked on."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", password)).strip()


def _is_repeat(text: str) -> bool:
    """True when ``text`` is one short piece or one common password said over and over."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return size <= 3 or text[:size] in common_passwords()
    return False


def _is_sequence(text: str) -> bool:
    """True for runs like 123456789012, abcdefghijkl or 987654321098 (digits wrap round)."""
    if len(text) < 3:
        return False
    steps = set()
    for a, b in pairwise(text):
        if a.isdigit() and b.isdigit():
            steps.add((int(b) - int(a)) % 10)
        else:
            steps.add(ord(b) - ord(a))
    return steps in ({1}, {9}, {-1})


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Why ``password`` is not acceptable for the account ``email``, or None when it is."""
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    text = _normalized(password)
    if len(text) < MIN_LENGTH:
        return (
            f"must be at least {MIN_LENGTH} characters (runs of spaces count as one); "
            "a few unrelated words make a good one"
        )
    folded = text.casefold()
    if email:
        address = email.strip().casefold()
        local = address.split("@", 1)[0]
        words = {address, local, *(w for w in re.split(r"[._+\-]", local) if w)}
        if any(w == folded or (len(w) >= MIN_CONTEXT_WORD and w in folded) for w in words):
            return "must not contain your email address or its name part"
    compact = folded.replace(" ", "")
    if folded in common_passwords() or compact in common_passwords():
        return "is one of the most common passwords; choose one nobody else would"
    if _is_repeat(compact):
        return "is a repeated pattern; choose one that is not"
    if _is_sequence(compact):
        return "is a sequence of consecutive characters; choose one that is not"
    return None


def check_password_policy(password: str, *, email: str | None = None) -> None:
    """Raise InputError naming the problem when ``password`` breaks the policy."""
    problem = password_problem(password, email=email)
    if problem is not None:
        raise InputError(f"password {problem}")
