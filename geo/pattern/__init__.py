"""The global-pattern evidence (``GET /stats/global-pattern``): is this one region's problem or a
worldwide pattern? docs/api.md ("The global pattern") explains each number for readers.

One grouped scan of the public events matching a filter (``regions.scan``) feeds every part:
totals and shares per world region and corridor, concentration measures overall and per year,
Gi* hot spots on H3 cells, the mix of causes per region, and a sentence built from all of it.
The answer depends only on the data and the parameters (fixed seed, sorted output).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from geo.pattern import causes
from geo.pattern.concentration import concentration
from geo.pattern.hotspots import ALPHA, PERMUTATIONS, SEED, check_resolution, find_hotspots
from geo.pattern.regions import (
    NO_CORRIDOR,
    UNKNOWN_REGION,
    Group,
    Scan,
    scan,
    shares,
    table,
    totals,
)
from geo.pattern.summary import sentence
from geo.repo.incidents import IncidentFilter

RECURS_SHARE = 0.10  # a cause "recurs" in a region where it is at least this share of incidents

__all__ = ["global_pattern", "RECURS_SHARE"]


def global_pattern(conn: Connection, *, flt: IncidentFilter, resolution: int) -> dict[str, Any]:
    """Every statistic of the endpoint for the events matching ``flt`` (H3 ``resolution`` for
    the hot spots). Raises ``InvalidInput`` for a resolution outside the supported range."""
    check_resolution(resolution)
    data = scan(conn, flt=flt, resolution=resolution)
    total = data.total()
    region_counts = {k: t.incidents for k, t in totals(data.groups, _region).items()}
    corridor_counts = {k: t.incidents for k, t in totals(data.groups, _corridor).items()}
    region_conc = concentration(region_counts, data.regions).to_dict()
    corridor_conc = concentration(corridor_counts, list(data.corridors)).to_dict()
    years = _by_year(data)
    spots = find_hotspots(data.groups, resolution=resolution).to_dict()
    cause_mix, recurring = _causes(data)
    return {
        "total": {"incidents": total.incidents, "dead": total.dead, "missing": total.missing},
        "regions": table(totals(data.groups, _region), data.regions, _subregions(data.groups)),
        "corridors": table(
            totals(data.groups, _corridor),
            list(data.corridors),
            {slug: {"title": name} for slug, name in data.corridors.items()},
        ),
        "concentration": {"regions": region_conc, "corridors": corridor_conc, "by_year": years},
        "hotspots": spots,
        "causes": {
            "classes": causes.descriptions(),
            "by_region": cause_mix,
            "recurring": recurring,
        },
        "summary": sentence(
            total={"incidents": total.incidents, "dead": total.dead, "missing": total.missing},
            regions=region_conc,
            corridors=corridor_conc,
            years=years,
            hotspots=spots,
            recurring=recurring,
        ),
        "method": _method(resolution),
    }


def _region(g: Group) -> str:
    return g.region


def _corridor(g: Group) -> str:
    return g.corridor


def _subregions(groups: list[Group]) -> dict[str, dict[str, Any]]:
    """Each region's UN M49 subregions with their incident counts, largest first."""
    per: dict[str, dict[str, int]] = {}
    for g in groups:
        if g.subregion is not None:
            sub = per.setdefault(g.region, {})
            sub[g.subregion] = sub.get(g.subregion, 0) + g.incidents
    return {
        region: {
            "subregions": [
                {"name": name, "incidents": n}
                for name, n in sorted(subs.items(), key=lambda kv: (-kv[1], kv[0]))
            ]
        }
        for region, subs in per.items()
    }


def _by_year(data: Scan) -> list[dict[str, Any]]:
    """Concentration per event year (undated incidents have no year and are left out)."""
    per_year: dict[int, list[Group]] = {}
    for g in data.groups:
        if g.year is not None:
            per_year.setdefault(g.year, []).append(g)
    out = []
    for year in sorted(per_year):
        groups = per_year[year]
        regions = {k: t.incidents for k, t in totals(groups, _region).items()}
        corridors = {k: t.incidents for k, t in totals(groups, _corridor).items()}
        out.append(
            {
                "year": year,
                "incidents": sum(g.incidents for g in groups),
                "regions": concentration(regions, data.regions).to_dict(),
                "corridors": concentration(corridors, list(data.corridors)).to_dict(),
            }
        )
    return out


def _causes(data: Scan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The cause mix per region (every class, zeros included, shares adding up to 1) and, per
    cause, the regions where it makes up at least ``RECURS_SHARE`` of incidents."""
    per: dict[str, dict[str, int]] = {}
    for g in data.groups:
        mix = per.setdefault(g.region, dict.fromkeys(causes.NAMES, 0))
        mix[causes.cause_class(g.cause)] += g.incidents
    order = [r for r in data.regions if r in per] + sorted(set(per) - set(data.regions))
    by_region: list[dict[str, Any]] = []
    for region in order:
        counts = [per[region][name] for name in causes.NAMES]
        by_region.append(
            {
                "region": region,
                "incidents": sum(counts),
                "mix": [
                    {"cause": name, "incidents": n, "share": s}
                    for name, n, s in zip(causes.NAMES, counts, shares(counts), strict=True)
                ],
            }
        )
    recurring: list[dict[str, Any]] = []
    for name in causes.NAMES:
        if name == causes.UNKNOWN:
            continue
        regions: list[str] = [
            entry["region"]
            for entry in by_region
            if entry["region"] != UNKNOWN_REGION
            and any(m["cause"] == name and m["share"] >= RECURS_SHARE for m in entry["mix"])
        ]
        recurring.append({"cause": name, "threshold": RECURS_SHARE, "regions": regions})
    recurring.sort(key=lambda r: (-len(r["regions"]), causes.NAMES.index(r["cause"])))
    return by_region, recurring


def _method(resolution: int) -> dict[str, Any]:
    return {
        "counting": "public events, one per event (the /incidents rule), after every filter",
        "region": (
            "UN M49 region (Natural Earth REGION_UN) of the incident's country; at sea, of the "
            f"nearest country; no location: '{UNKNOWN_REGION}'. Outside every corridor: "
            f"'{NO_CORRIDOR}'."
        ),
        "concentration": (
            "over the fixed sets of world regions people live in and of catalogue corridors, "
            "zeros included; entropy is Shannon entropy divided by ln(number of places)"
        ),
        "hotspots": {
            "statistic": "Getis-Ord Gi* (esda.G_Local, star=True)",
            "resolution": resolution,
            "weights": "binary H3 edge adjacency plus the cell itself",
            "study_area": "cells holding incidents and their neighbours (with 0)",
            "permutations": PERMUTATIONS,
            "seed": SEED,
            "alpha": ALPHA,
            "correction": "Benjamini-Hochberg false discovery rate (esda.fdr)",
            "coarser_places": "incidents whose own cell is coarser than the resolution are "
            "left out and counted",
        },
        "causes": {
            "classes": list(causes.NAMES),
            "recurs_share": RECURS_SHARE,
            "rule": "first class in the listed order whose keywords the MMP cause text names",
        },
    }
