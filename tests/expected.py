"""Independent computations of what the API should answer (helpers, no tests here).

Written differently from the repository's SQL on purpose: an event reported by several records
counts once, through its best-ranked public record, picked here in Python.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def public_events(conn: Connection, columns: str) -> list[Any]:
    """One row per public event (its best-ranked public, non-rejected record) with ``columns``."""
    records = conn.execute(
        sa.text(
            f"SELECT id, event_id, event_rank, {columns} FROM incidents"
            " WHERE sensitivity = 'public' AND review_state <> 'rejected'"
        )
    ).all()
    primary: dict[Any, Any] = {}
    for r in records:
        key = r.event_id or r.id
        best = primary.get(key)
        if best is None or (r.event_rank or 1) < (best.event_rank or 1):
            primary[key] = r
    return list(primary.values())
