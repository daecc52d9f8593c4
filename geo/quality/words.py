"""The human wording of fixes and flags: import-report warnings and :func:`flag_message`.

Words and country names only, never coordinates: these sentences reach import reports and
(through :func:`flag_message`) the public API.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def warnings(
    conn: Connection,
    fixed: list[dict[str, Any]],
    flagged: list[dict[str, Any]],
    staged: str | None,
) -> list[dict[str, Any]]:
    """One warning per fix and per flagged record, in words and country names (no coordinates),
    with the file's row number when the import's staging table is given."""
    codes: set[str] = set()
    for entry in fixed:
        codes.update(c for c in (entry["country_before"], entry["country_after"]) if c)
        codes.update(entry["named"])
    for row in flagged:
        for flag in row["flags"]:
            codes.update(flag.get("named") or [])
            if flag.get("computed"):
                codes.add(flag["computed"])
    names: dict[str, str] = dict(
        conn.execute(
            sa.text("SELECT iso3, name FROM countries WHERE iso3 = ANY (:codes)"),
            {"codes": sorted(codes)},
        ).all()
    )
    rows: dict[str, int] = {}
    ids = [e["source_id"] for e in fixed] + [f["source_id"] for f in flagged]
    if staged is not None and ids:
        rows = dict(
            conn.execute(
                sa.text(
                    f"SELECT s.source_id, s.row_no FROM {staged} s"
                    " WHERE s.source_id IN (SELECT unnest(CAST(:ids AS text[])))"
                ),
                {"ids": ids},
            ).all()
        )

    def place(code: str | None) -> str:
        if code in (None, "at_sea"):
            return "at sea"
        return f"in {names.get(code, code)} ({code})"

    def warning(source_id: str, kind: str, message: str) -> dict[str, Any]:
        row = rows.get(source_id)
        if row is None:
            message = f"{source_id}: {message}"
        return {"row": row, "field": "coordinates", "message": message, "kind": kind}

    out = []
    for entry in fixed:
        after = entry["country_after"]
        named = entry["named"]
        agrees = "as the record names" if after in named else "near what the record names"
        out.append(
            warning(
                entry["source_id"],
                "latitude and longitude swapped: fixed",
                f"latitude and longitude swapped: fixed; now {place(after)}, {agrees}"
                f" (was {place(entry['country_before'])})",
            )
        )
    for row in flagged:
        for flag in row["flags"]:
            out.append(
                warning(
                    row["source_id"],
                    f"{flag['check'].replace('_', ' ')}: flagged for review",
                    flag_message(flag, place) + "; flagged for review",
                )
            )
    return out


def flag_message(flag: dict[str, Any], place: Any) -> str:
    check = flag["check"]
    if check == "country_mismatch":
        named = ", ".join(place(c).removeprefix("in ") for c in flag["named"])
        return (
            f"the point is {place(flag['computed'])}, {flag['distance_km']} km from"
            f" {named}, which the record names"
        )
    if check == "region_mismatch":
        return (
            f"the point is {place(flag['computed'])}, {flag['distance_km']} km outside the"
            f" record's region {flag['region']!r}"
        )
    if check == "land_cause_at_sea":
        return (
            f"cause {flag['cause']!r} but the point is at sea, {flag['coast_km']} km from any coast"
        )
    if check == "drowning_inland":
        return (
            f"cause {flag['cause']!r} but the point is {flag['coast_km']} km inland, with no"
            " river, lake or sea named and no land border near"
        )
    if check == "swapped_coordinates":
        return (
            "latitude and longitude look swapped (exchanged, the point fits the record's text),"
            " but the text is too vague to prove it: not fixed"
        )
    return check
