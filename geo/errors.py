"""Domain exceptions, and the one place where database driver errors become them.

``geo`` knows nothing about HTTP: the API maps these classes to status codes in
``api/errors.py``. Messages of ``InvalidInput`` and ``NotFound`` are written for the person who
sent the request (what was wrong, what to send instead); messages of the server-side errors are
for the log only and never reach a client.
"""

from __future__ import annotations

import sqlalchemy.exc as sa_exc


def shown(value: object, limit: int = 100) -> str:
    """``repr`` of a client's value for a message, cut to ``limit`` characters: a 4xx says
    what was sent without echoing a 40 kB query string back."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CrossingsError(Exception):
    """Base of every error the domain raises on purpose."""


class InvalidInput(CrossingsError):
    """The caller asked for something malformed; the message says what to fix."""

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


class NotFound(CrossingsError):
    """The named thing does not exist (or is not public)."""


class DatabaseUnavailable(CrossingsError):
    """The database cannot be reached or has no free connection; retrying later may work."""


class QueryTimeout(CrossingsError):
    """A statement ran past ``statement_timeout`` and was cancelled by the server."""


class DatabaseError(CrossingsError):
    """Any other database failure: a bug or a schema mismatch, never the caller's fault."""


# SQLSTATE classes that mean "the server is not (or no longer) usable", not "your SQL is wrong":
# 08 connection exception, 53 insufficient resources, 57P0x shutdown/cannot connect now.
_UNAVAILABLE_PREFIXES = ("08", "53", "57P")
_QUERY_CANCELED = "57014"


def translate_db_error(exc: BaseException) -> CrossingsError:
    """The domain error for a SQLAlchemy/psycopg exception (the only place that inspects them)."""
    if isinstance(exc, CrossingsError):
        return exc
    if isinstance(exc, sa_exc.TimeoutError):  # no free connection in the pool
        return DatabaseUnavailable(f"connection pool exhausted: {exc}")
    if isinstance(exc, sa_exc.DBAPIError):
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate == _QUERY_CANCELED:
            return QueryTimeout(f"statement cancelled: {exc.orig}")
        if (
            exc.connection_invalidated
            or sqlstate is None
            and isinstance(exc, sa_exc.OperationalError)
        ):
            # No SQLSTATE: the client library failed before the server answered (refused,
            # unknown host, timeout, server gone away).
            return DatabaseUnavailable(f"database unreachable: {exc.orig}")
        if sqlstate and sqlstate.startswith(_UNAVAILABLE_PREFIXES):
            return DatabaseUnavailable(f"database unavailable ({sqlstate}): {exc.orig}")
        return DatabaseError(f"database error ({sqlstate}): {exc.orig}")
    return DatabaseError(f"{type(exc).__name__}: {exc}")
