"""The plain-language sentence a reader sees first, built only from the computed numbers."""

from __future__ import annotations

from typing import Any


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share * 100:.0f}%"


def _n(count: int, noun: str) -> str:
    """``1 region``, ``4 regions``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def sentence(
    *,
    total: dict[str, int],
    regions: dict[str, Any],
    corridors: dict[str, Any],
    years: list[dict[str, Any]],
    hotspots: dict[str, Any],
    recurring: list[dict[str, Any]],
) -> str:
    """One paragraph: totals, spread over regions, every year, hot spots, recurring causes."""
    if total["incidents"] == 0:
        return "No public incidents match this query, so there is no pattern to describe."
    places = regions["places"]
    with_incidents = regions["with_incidents"]
    parts = [
        f"{total['incidents']:,} incidents ({total['dead']:,} dead, {total['missing']:,} "
        f"missing) match this query. They were recorded in {with_incidents} of {places} world "
        f"regions; the largest, {regions['top']}, holds {_pct(regions['top_share'])} of those "
        f"with a known place (spread across regions, 0 = all in one, 1 = even: "
        f"{_ratio(regions['entropy'])}; Gini {_ratio(regions['gini'])}). "
        f"{corridors['with_incidents']} of {corridors['places']} corridors recorded incidents, "
        f"the largest ({corridors['top']}) {_pct(corridors['top_share'])}."
    ]
    spread_years = [y for y in years if y["regions"]["with_incidents"] >= 2]
    if years:
        parts.append(
            f" In {len(spread_years)} of {len(years)} years with dated incidents, two or more "
            "regions recorded incidents."
        )
    if hotspots["cells_tested"]:
        parts.append(
            f" Getis-Ord Gi* finds {hotspots['hot_cells']} statistically significant hot "
            f"cells (H3 resolution {hotspots['resolution']}, false discovery rate 5%) in "
            f"{_n(hotspots['regions_with_hot_cells'], 'region')} and "
            f"{_n(hotspots['corridors_with_hot_cells'], 'corridor')}."
        )
    widespread = [r for r in recurring if len(r["regions"]) >= 2]
    if widespread:
        named = "; ".join(
            f"{r['cause'].replace('_', ' ')} in {len(r['regions'])}" for r in widespread
        )
        parts.append(
            f" Causes that make up at least {_pct(recurring[0]['threshold'])} of a region's "
            f"incidents in two or more regions: {named}."
        )
    parts.append(
        " These are recorded incidents: they show where deaths and disappearances are "
        "documented, not every case, and not why they happen."
    )
    return "".join(parts)
