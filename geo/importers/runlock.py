"""Which ``running`` import runs are still alive: each holds an advisory lock while it lasts.

The run row is committed (status ``running``) before the data transaction starts, so a process
killed mid-import would leave it ``running`` forever. The importing connection therefore holds
a session-level advisory lock keyed on the run from the moment the row is written until the run
is closed; the server drops it when that connection ends, however the process died. A
``running`` run whose lock can be taken has no owner left and is closed as failed
(``close_interrupted``, called whenever an import starts).

Keys use the two-integer form, which does not overlap the single-bigint key space, with a
class of their own (``KEY_SPACE``); nothing else in Crossings takes advisory locks. Two runs
whose ids share their first 32 bits share a lock: that can only keep a dead run ``running``
until the other ends, never close a live one.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.db import sql

KEY_SPACE = 0x494D5052  # "IMPR": the first key of every import run lock
INTERRUPTED = (
    "interrupted: the importing process ended before the run finished (nothing of it was written)"
)


def run_key(run_id: uuid.UUID) -> int:
    """The second lock key of a run: its id's first 32 bits, as PostgreSQL's signed integer."""
    return int.from_bytes(run_id.bytes[:4], "big", signed=True)


def _keys(run_id: uuid.UUID) -> dict[str, int]:
    """The two keys of a run's lock, as the advisory lock functions take them."""
    return {"space": KEY_SPACE, "key": run_key(run_id)}


def lock(conn: Connection, run_id: uuid.UUID) -> None:
    """Hold the run's lock on this connection's session until ``unlock`` or the session ends."""
    conn.execute(sa.text("SELECT pg_advisory_lock(:space, :key)"), _keys(run_id))


def unlock(conn: Connection, run_id: uuid.UUID) -> None:
    conn.execute(sa.text("SELECT pg_advisory_unlock(:space, :key)"), _keys(run_id))


def close_interrupted(conn: Connection) -> list[uuid.UUID]:
    """Mark failed every ``running`` run whose lock is free (its process is gone); return them.

    Each lock is taken only for the update, then released. A run whose owner finishes in the
    meantime is not touched: the update re-checks the status.
    """
    running = conn.execute(
        sa.text("SELECT id FROM import_runs WHERE status = 'running' ORDER BY started_at")
    ).scalars()
    closed = []
    for run_id in [as_uuid(r) for r in running]:
        taken = conn.execute(sa.text("SELECT pg_try_advisory_lock(:space, :key)"), _keys(run_id))
        if not taken.scalar():
            continue  # a live import holds it
        try:
            done = conn.execute(
                sql("geo", "import_run_interrupted.sql"), {"run_id": run_id, "error": INTERRUPTED}
            )
            if done.rowcount:
                closed.append(run_id)
        finally:
            unlock(conn, run_id)
    return closed


def as_uuid(value: object) -> uuid.UUID:
    """A run id as the driver gives it (``uuid.UUID``; text from other drivers)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
