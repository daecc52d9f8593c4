"""The thresholds and patterns of the placement checks, in one place (docs/quality.md).

The SQL of the checks receives them as parameters (:func:`geo.quality.checks.params`); nothing
else hard-codes them.
"""

from __future__ import annotations

# A point this far outside every country its text names still agrees: border towns, coastal
# outlines cut at 1:10m, "near the border".
LAND_TOLERANCE_KM = 25.0
# A sea record (its text speaks of the sea, or the cause is drowning) at sea agrees this far from
# the countries it names: Central Mediterranean boats are reported "off Libya" up to ~100 nm out,
# and "between Libya and Italy" is never more than ~150 km from one of them.
SEA_TOLERANCE_KM = 200.0
# With no country named, a point this far outside the (rough) boxes of its region disagrees.
REGION_TOLERANCE_KM = 150.0
# A land cause (vehicle, train, shot, dehydration, desert...) this far from any coast at sea.
LAND_AT_SEA_KM = 50.0
# A drowning this far from any coast, with no water named in the text and not on a land border.
INLAND_KM = 50.0
# Border rivers (Rio Grande, Evros, Una) drown people inland: a drowning this close to a land
# border is accepted.
RIVER_BORDER_KM = 10.0

# The flags these checks own in quality_flags (others, e.g. the importer's ambiguous_location,
# are left alone).
CHECKS = (
    "country_mismatch",
    "region_mismatch",
    "land_cause_at_sea",
    "drowning_inland",
    "swapped_coordinates",
)

# Causes that only happen on land. Sickness, dehydration, starvation and exposure are left out:
# boats adrift for days (Atlantic route, Andaman Sea) kill people that way far from any coast.
LAND_CAUSES = r"vehicle|train|truck|\mcar\M|\mbus\M|\mshot\M|stabb|hit by|fall from|crushed|desert"
DROWNING_CAUSES = r"drown|shipwreck"
