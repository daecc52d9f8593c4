"""Precision from what the source says: widen records whose text names an area, not a place.

The import sets precision from the coordinates (:mod:`geo.importers.location`), and MMP gives
coordinates even for "Unspecified location between Libya and Italy" or "Mixed". This pass reads
each distinct location text once (:func:`geo.precision_text.read_area`) and widens, in one SQL
statement (``geo/sql/precision_widen.sql``), the uncertainty of the records in scope to the area
their text names, measured in PostGIS as an equal-area radius ``sqrt(A / π)``:

- a sea, a crossing or a vague text at sea → the sea area the point lies in (``sea_area``);
- a country, a crossing or a vague text on land → the countries named, or the point's country;
- a border → half the length of that land border; a vague admin area → its gazetteer radius;
- a cumulative figure (``incident_type = cumulative``, migration 0020) → at least
  an admin area (50 km), whatever its text.

Only ever widens (never narrows the source's or an earlier pass's uncertainty), moves the H3
cell to the point's cell at :func:`geo.h3index.resolution_for_uncertainty` of the new radius
(in Python, for the few rows that change), and records why in ``precision_basis``.
Idempotent: a second run changes nothing. Run by every import
on the rows it changed, by ``crossings quality check`` on everything and by ``crossings quality
precision`` (``make setup``, for rows imported before the pass existed). See docs/import.md.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo import h3index
from geo.db import load_sql, sql
from geo.geocode.model import PRECISION_RANK
from geo.importers.location import CLASS_RADIUS_M, MAX_UNCERTAINTY_M
from geo.precision_text import read_area
from geo.quality.literal import NUMBER


@dataclass
class PrecisionReport:
    """What one pass changed: records written, by basis, and the precision moves."""

    scope_texts: int = 0
    vague_texts: int = 0
    changed: int = 0
    by_basis: dict[str, int] = field(default_factory=dict)
    moves: dict[str, int] = field(default_factory=dict)  # "locality->sea_area": n
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "texts": self.scope_texts,
            "vague_texts": self.vague_texts,
            "changed": self.changed,
            "by_basis": self.by_basis,
            "moves": self.moves,
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        moves = ", ".join(f"{k} {v}" for k, v in sorted(self.moves.items())) or "none"
        return (
            f"precision: {self.changed} records changed ({self.vague_texts} of "
            f"{self.scope_texts} distinct texts name an area, not a place); moves: {moves}"
        )


def widen_precision(
    conn: Connection,
    *,
    import_run_id: uuid.UUID | str | None = None,
    only_unset: bool = False,
) -> PrecisionReport:
    """Widen the records of one import run (or all; or only those the pass has not seen,
    ``only_unset``) to the area their text names, inside the caller's transaction."""
    t0 = time.perf_counter()
    params: dict[str, Any] = {
        "import_run_id": str(import_run_id) if import_run_id is not None else None,
        "only_unset": only_unset,
        "number": NUMBER,
    }
    # JIT compiling the statement costs ~3 s and buys nothing on this work; restored below.
    jit = conn.exec_driver_sql(
        "SELECT current_setting('jit'), set_config('jit', 'off', true)"
    ).scalar_one()
    texts = [r[0] for r in conn.execute(sql("geo", "precision_texts.sql"), params)]
    read = [(t, read_area(t)) for t in texts]
    vague = [(t, a) for t, a in read if a.vague]
    conn.exec_driver_sql("DROP TABLE IF EXISTS pg_temp.precision_texts, pg_temp.precision_areas")
    conn.exec_driver_sql(
        "CREATE TEMP TABLE precision_texts (text_key text PRIMARY KEY, area text NOT NULL,"
        " countries text[] NOT NULL, radius_m float8) ON COMMIT DROP"
    )
    if vague:
        conn.execute(
            sa.text(
                "INSERT INTO pg_temp.precision_texts SELECT u.t, u.a, string_to_array(u.c, ','),"
                " u.r FROM unnest(CAST(:texts AS text[]), CAST(:areas AS text[]),"
                " CAST(:countries AS text[]), CAST(:radii AS float8[])) AS u(t, a, c, r)"
            ),
            {
                "texts": [t for t, _ in vague],
                "areas": [a.area for _, a in vague],
                "countries": [",".join(a.countries) for _, a in vague],
                "radii": [a.radius_m for _, a in vague],
            },
        )
    named = sorted({c for _, a in vague for c in a.countries})
    conn.execute(sql("geo", "precision_areas.sql"), {**params, "named": named})
    rows = conn.execute(
        sa.text(load_sql("geo", "precision_widen.sql")),
        {
            **params,
            "max_m": MAX_UNCERTAINTY_M,
            "admin_m": CLASS_RADIUS_M["admin"],
            "ranks": json.dumps(PRECISION_RANK),
            "edges": list(h3index.EDGE_M),
        },
    ).all()
    coarser = [r for r in rows if r.new_res != r.old_res]
    if coarser:  # the point's cell at its new resolution (the storage rule, docs/h3.md)
        conn.execute(
            sa.text(
                "UPDATE incidents AS i SET h3_cell = u.cell FROM unnest(CAST(:ids AS uuid[]),"
                " CAST(:cells AS bigint[])) AS u(id, cell) WHERE i.id = u.id"
            ),
            {
                "ids": [r.id for r in coarser],
                "cells": [h3index.cell(r.lon, r.lat, r.new_res) for r in coarser],
            },
        )
    conn.exec_driver_sql("DROP TABLE pg_temp.precision_texts, pg_temp.precision_areas")
    conn.execute(sa.text("SELECT set_config('jit', :jit, true)"), {"jit": jit})
    report = PrecisionReport(scope_texts=len(texts), vague_texts=len(vague), changed=len(rows))
    report.by_basis = dict(Counter(r.basis for r in rows))
    report.moves = dict(
        Counter(
            f"{r.old_precision}->{r.new_precision}"
            for r in rows
            if r.old_precision != r.new_precision
        )
    )
    report.seconds = time.perf_counter() - t0
    return report
