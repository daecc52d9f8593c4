"""How concentrated incidents are across a fixed set of places (regions or corridors).

Three textbook measures, each over the *whole* set of places, zeros included, so "no incident in
Oceania" counts as evidence of concentration rather than vanishing from the list:

- top share: the largest place's part of the total;
- Shannon entropy divided by its maximum, ln(K): 1 when every place has the same count, 0 when
  one place has them all;
- Gini coefficient: 0 for perfect equality, (K-1)/K when one place has everything.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DIGITS = 4  # rounding of reported ratios: stable JSON, no false precision


@dataclass(frozen=True)
class Concentration:
    places: int  # K, the size of the fixed set
    with_incidents: int  # places with at least one incident
    total: int
    top: str | None
    top_share: float | None
    entropy: float | None  # normalised to 0..1
    gini: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "places": self.places,
            "with_incidents": self.with_incidents,
            "total": self.total,
            "top": self.top,
            "top_share": self.top_share,
            "entropy": self.entropy,
            "gini": self.gini,
        }


def concentration(counts: Mapping[str, int], places: Sequence[str]) -> Concentration:
    """The measures over ``places`` (missing ones count 0); ``None`` where undefined (no
    incidents, or fewer than two places for entropy)."""
    values = [int(counts.get(p, 0)) for p in places]
    total = sum(values)
    present = sum(1 for v in values if v > 0)
    if total == 0 or not places:
        return Concentration(len(places), present, total, None, None, None, None)
    top = max(places, key=lambda p: (counts.get(p, 0), _reverse(p)))  # ties: first by name
    return Concentration(
        places=len(places),
        with_incidents=present,
        total=total,
        top=top,
        top_share=round(counts.get(top, 0) / total, DIGITS),
        entropy=round(normalised_entropy(values), DIGITS) if len(values) > 1 else None,
        gini=round(gini(values), DIGITS),
    )


def _reverse(name: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in name)


def normalised_entropy(values: Sequence[int]) -> float:
    """Shannon entropy of the shares divided by ln(K)."""
    total = sum(values)
    shares = [v / total for v in values if v > 0]
    entropy = -sum(s * math.log(s) for s in shares)
    return entropy / math.log(len(values))


def gini(values: Sequence[int]) -> float:
    """Gini coefficient (mean absolute difference over twice the mean), from sorted values."""
    ordered = sorted(values)
    n, total = len(ordered), sum(ordered)
    weighted = sum((2 * (rank + 1) - n - 1) * v for rank, v in enumerate(ordered))
    return weighted / (n * total)
