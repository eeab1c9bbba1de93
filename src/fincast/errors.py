"""One exception family for fincast.

Hierarchy::

    FincastError                  base of everything fincast raises on purpose
    ├── ConfigError               settings that cannot run (e.g. default secret in production)
    ├── InputError                bad input from a user: file, CSV, frame, argument
    │   ├── ParseError            a bank file that cannot be read (names file, line, field, value)
    │   ├── EmptyImportError      a file with no bank transactions in it
    │   └── FileTooLargeError     an upload or file over the size limit
    ├── NotFoundError             an id that does not exist (or belongs to someone else)
    ├── ConflictError             a uniqueness rule would be broken (e.g. email taken)
    ├── AuthError                 missing/invalid credentials
    ├── RateLimitError            too many attempts
    └── ModelFileError            a model file that is tampered, incompatible or unreadable

Business code raises these; the API maps them to HTTP problem details in one place and the
CLI prints them as a one-line error with a non-zero exit.
"""

from __future__ import annotations


class FincastError(Exception):
    """Base class of every error fincast raises on purpose."""

    http_status = 500
    title = "Internal error"


class ConfigError(FincastError):
    """Settings that cannot be used."""

    title = "Configuration error"


class InputError(FincastError):
    """Bad input from a user."""

    http_status = 422
    title = "Invalid input"


class ParseError(InputError):
    """A file that cannot be parsed; the message names file, line/record, field and value."""

    title = "Unreadable file"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        value: object | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.value = value
        parts = []
        if file is not None:
            parts.append(str(file))
        if line is not None:
            parts.append(f"line {line}")
        if field is not None:
            parts.append(f"field {field!r}")
        if value is not None:
            parts.append(f"value {str(value)[:80]!r}")
        where = ", ".join(parts)
        super().__init__(f"{where}: {message}" if where else message)


class EmptyImportError(InputError):
    """A file that holds no bank transactions."""

    title = "No transactions"


class FileTooLargeError(InputError):
    """A file over the configured size limit."""

    http_status = 413
    title = "File too large"


class NotFoundError(FincastError):
    """An id that does not exist, or that the current user may not see."""

    http_status = 404
    title = "Not found"


class ConflictError(FincastError):
    """A uniqueness rule would be broken."""

    http_status = 409
    title = "Conflict"


class AuthError(FincastError):
    """Missing or invalid credentials."""

    http_status = 401
    title = "Not authenticated"


class RateLimitError(FincastError):
    """Too many attempts in a short time; ``retry_after`` is the wait in seconds, if known."""

    http_status = 429
    title = "Too many requests"

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class ModelFileError(FincastError):
    """A model file that is tampered with, incompatible or unreadable."""

    http_status = 422
    title = "Unusable model file"
