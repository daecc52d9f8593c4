"""The human wording of fixes and flags: import-report warnings and :func:`flag_message`.

Words and country names only, never coordinates: these sentences reach import reports and
(through :func:`flag_message`) the public API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def flag_codes(flags: list[dict[str, Any]]) -> set[str]:
    """The country codes the wording of these flags names (to look their names up once)."""
    codes: set[str] = set()
    for flag in flags:
        codes.update(flag.get("named") or [])
        for key in ("computed", "country_before"):
            if flag.get(key):
                codes.add(flag[key])
        if flag.get("level") == "country":
            codes.add(flag["area"])
    return codes


def country_names(conn: Connection, codes: set[str]) -> dict[str, str]:
    """ADM0_A3 -> country name, for the codes given."""
    return dict(
        conn.execute(
            sa.text("SELECT iso3, name FROM countries WHERE iso3 = ANY (:codes)"),
            {"codes": sorted(codes)},
        ).all()
    )


def placer(names: dict[str, str]) -> Callable[[str | None], str]:
    """``place(code)``: "in Libya (LBY)", or "at sea" (the words every message uses)."""

    def place(code: str | None) -> str:
        if code in (None, "at_sea"):
            return "at sea"
        return f"in {names.get(code, code)} ({code})"

    return place


def warnings(
    conn: Connection,
    fixed: list[dict[str, Any]],
    flagged: list[dict[str, Any]],
    staged: str | None,
    *,
    withheld: Sequence[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """One warning per fix, per withheld point and per flagged record, in words and country
    names (no coordinates), with the file's row number when the import's staging table is
    given."""
    codes: set[str] = set()
    for entry in [*fixed, *withheld]:
        codes.update(c for c in (entry["country_before"], entry["country_after"]) if c)
        codes.update(entry["named"])
    for row in flagged:
        codes |= flag_codes(row["flags"])
    place = placer(country_names(conn, codes))
    rows: dict[str, int] = {}
    ids = [e["source_id"] for e in [*fixed, *withheld, *flagged]]
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
    for entry in withheld:
        flag = {"check": "swapped_coordinates", "action": "withheld", **entry}
        out.append(
            warning(
                entry["source_id"],
                "latitude and longitude swapped: point withheld",
                flag_message(flag, place)
                + f" (the point was {place(entry['country_before'])}); flagged for review",
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


def flag_message(flag: dict[str, Any], place: Callable[[str | None], str]) -> str:
    """The words for one entry of ``quality_flags``: countries by name (``place``, see
    :func:`placer`), distances in km, never coordinates. Import warnings, the report and the
    public ``review_reasons`` (:func:`review_reasons`) all use it."""
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
    if check == "swapped_coordinates" and flag.get("action") == "withheld":
        area = (
            place(flag["area"]).removeprefix("in ")
            if flag["level"] == "country"
            else flag.get("area_name") or flag["area"]
        )
        return (
            "latitude and longitude look swapped, but the text is too vague to prove it: the"
            f" source's point is withheld and the record placed at {area} as a whole"
        )
    if check == "swapped_coordinates" and flag.get("action") == "fixed":
        return "latitude and longitude were swapped in the source: fixed"
    if check == "swapped_coordinates":
        return (
            "latitude and longitude look swapped (exchanged, the point fits the record's text),"
            " but the text is too vague to prove it: not fixed"
        )
    if check == "ambiguous_location":
        return "the location text fits several places: stored without a location"
    return check.replace("_", " ")


def review_reasons(flags: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, str]]:
    """Why a record is doubted, for the public: one ``{"check", "summary"}`` per open flag
    (fixes made are not open), in the words of :func:`flag_message`, as a sentence."""
    place = placer(names)
    out = []
    for flag in flags:
        if flag.get("action") == "fixed":
            continue
        text = flag_message(flag, place)
        out.append({"check": flag["check"], "summary": text[:1].upper() + text[1:] + "."})
    return out
