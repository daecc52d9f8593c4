"""Response model of ``GET /stats/global-pattern`` (the shape ``geo.pattern.global_pattern``
returns, plus ``timeStamp`` and ``links``). Every model forbids extra fields, so the domain
dict and this schema cannot drift apart unnoticed."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from api.models import Link


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Totals(_Strict):
    incidents: int = Field(description="Events matching the filters (as /incidents counts them).")
    dead: int
    missing: int


class Subregion(_Strict):
    name: str
    incidents: int


class PlaceTotals(_Strict):
    name: str = Field(
        description="UN M49 region, 'unknown' (no location); or corridor slug, 'none' (outside "
        "every corridor)."
    )
    title: str | None = Field(default=None, description="Corridor name.")
    subregions: list[Subregion] | None = Field(default=None, description="Regions only.")
    incidents: int
    dead: int
    missing: int
    share: float = Field(description="Part of all matching incidents (entries add up to 1).")
    share_dead_and_missing: float = Field(description="Part of all dead and missing.")


class Concentration(_Strict):
    places: int = Field(description="Size of the fixed set (zeros count).")
    with_incidents: int
    total: int = Field(description="Incidents in the set (a known region / some corridor).")
    top: str | None
    top_share: float | None = Field(description="The largest place's part of `total`.")
    entropy: float | None = Field(description="Shannon entropy / ln(places): 0 all in one, 1 even.")
    gini: float | None = Field(description="Gini coefficient: 0 equal, near 1 all in one place.")


class YearConcentration(_Strict):
    year: int
    incidents: int
    regions: Concentration
    corridors: Concentration


class ConcentrationBlock(_Strict):
    regions: Concentration
    corridors: Concentration
    by_year: list[YearConcentration]


class HotCell(_Strict):
    h3: str = Field(description="H3 cell (hex string).")
    incidents: int
    z: float = Field(description="Gi* z-score (above 0: more incidents nearby than expected).")
    p: float = Field(description="Permutation pseudo p-value (folded).")
    regions: list[str]
    corridors: list[str]


class HotspotBlock(_Strict):
    resolution: int
    cells_with_incidents: int
    cells_tested: int = Field(description="Cells with incidents plus their empty neighbours.")
    incidents_tested: int
    coarser_left_out: int = Field(description="Incidents whose own cell is coarser than `res`.")
    unlocated_left_out: int
    p_cutoff: float | None = Field(description="Benjamini-Hochberg cut-off at alpha 0.05.")
    hot_cells: int
    regions_with_hot_cells: int
    regions: list[str]
    corridors_with_hot_cells: int
    corridors: list[str]
    cells: list[HotCell] = Field(
        description="Significant hot cells holding incidents, hottest first."
    )
    note: str | None


class CauseClass(_Strict):
    cause: str
    description: str


class CauseShare(_Strict):
    cause: str
    incidents: int
    share: float


class RegionCauses(_Strict):
    region: str
    incidents: int
    mix: list[CauseShare]


class RecurringCause(_Strict):
    cause: str
    threshold: float
    regions: list[str] = Field(description="Regions where it is at least `threshold` of incidents.")


class CauseBlock(_Strict):
    classes: list[CauseClass]
    by_region: list[RegionCauses]
    recurring: list[RecurringCause]


class GlobalPattern(_Strict):
    """Is this one region's problem or a worldwide pattern? The numbers, and a sentence."""

    summary: str = Field(description="Plain-language reading, built from the numbers below.")
    total: Totals
    regions: list[PlaceTotals]
    corridors: list[PlaceTotals]
    concentration: ConcentrationBlock
    hotspots: HotspotBlock
    causes: CauseBlock
    method: dict[str, object] = Field(description="How each number was computed, parameters.")
    timeStamp: dt.datetime
    links: list[Link]
