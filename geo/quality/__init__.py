"""Placement checks: swapped coordinates and impossible placements, fixed or flagged, never silent.

Runs after enrichment (``country``, ``coast_distance_km``, ``border_distance_km`` are read from
the incidents). The record's own words say where it should be: the countries its location text
names ("Bani Walid, Libya", "Pima County, Arizona" → USA, "off the coast of Zuwara, Libya"), or,
when it names none, its region ("North Africa"). Names are read in Python once per distinct text
with the offline gazetteer's tokeniser and name index (:mod:`geo.geocode`); every spatial test is
SQL over the whole set (``geo/sql/quality_*.sql``).

- **Swapped latitude/longitude**: the point disagrees with the text and the flipped point
  agrees → fixed when ``fix=True`` (geometry flipped, H3 cell recomputed, the row re-enriched
  with enrichment's own SQL), with a warning in the report and a ``fixed`` entry in
  ``quality_flags``; otherwise flagged with the suggested point.
- **Impossible placements** → flagged (``review_state = 'flagged'`` when still
  ``'unreviewed'``) with machine-readable reasons in ``quality_flags``: ``country_mismatch``,
  ``region_mismatch``, ``land_cause_at_sea``, ``drowning_inland``.

Re-running gives the same result: a fixed point agrees, a fixed record is never flipped again,
flags are recomputed and rows are written only when they change. See docs/quality.md.

The package, one job per module: :mod:`~geo.quality.rules` (thresholds and patterns),
:mod:`~geo.quality.literal` (the cheap reading of a text), :mod:`~geo.quality.names` (the full
reading with the gazetteer, and its preload thread), :mod:`~geo.quality.checks` (the SQL
orchestration), :mod:`~geo.quality.fixes` (applying fixes), :mod:`~geo.quality.words` (the human
wording of fixes and flags), :mod:`~geo.quality.report` (the report).
"""

from geo.quality.checks import check_import, check_placements
from geo.quality.names import NamedPlace, named_place
from geo.quality.report import QualityReport
from geo.quality.rules import (
    CHECKS,
    DROWNING_CAUSES,
    INLAND_KM,
    LAND_AT_SEA_KM,
    LAND_CAUSES,
    LAND_TOLERANCE_KM,
    REGION_TOLERANCE_KM,
    RIVER_BORDER_KM,
    SEA_TOLERANCE_KM,
)
from geo.quality.words import flag_message

__all__ = [
    "CHECKS",
    "DROWNING_CAUSES",
    "INLAND_KM",
    "LAND_AT_SEA_KM",
    "LAND_CAUSES",
    "LAND_TOLERANCE_KM",
    "REGION_TOLERANCE_KM",
    "RIVER_BORDER_KM",
    "SEA_TOLERANCE_KM",
    "NamedPlace",
    "QualityReport",
    "check_import",
    "check_placements",
    "flag_message",
    "named_place",
]
