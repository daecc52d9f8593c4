"""Countries: codes a client may send (Natural Earth or ISO), and the list with incident totals.

Incidents carry Natural Earth's ADM0_A3 code (``countries.iso3``); clients often know ISO 3166-1
alpha-3, which differs for a few (ESH/SAH, PSE/PSX, SSD/SDS, ALA/ALD). Both are accepted and
resolved against the loaded layer (``geo.repo.incidents.country_code``, used by every filter), so
an unknown code is a 400 instead of an empty answer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.db import load_sql
from geo.repo.incidents import IncidentFilter, country_code, where_sql

Row = dict[str, Any]


def list_countries(conn: Connection, *, flt: IncidentFilter) -> list[Row]:
    """Every country and ``at_sea`` with totals over the incidents ``flt`` keeps; with
    ``flt.country`` only that country (its totals are then the same either way)."""
    code = country_code(conn, flt.country) if flt.country is not None else None
    where, params = where_sql(conn, replace(flt, country=code))
    country_filter = ""
    if code is not None:
        country_filter = " AND l.code = :listed_code"
        params["listed_code"] = code
    query = load_sql("geo", "repo_countries.sql").format(
        incident_filter=where, country_filter=country_filter
    )
    result = conn.execute(sa.text(query), params)
    return [dict(r._mapping) for r in result]
