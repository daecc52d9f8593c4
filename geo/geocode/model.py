"""Value types of the geocoder: gazetteer places, scored candidates and the result."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Precision = Literal["exact", "site", "locality", "admin", "country", "sea_area"]
Status = Literal["matched", "ambiguous", "not_found"]

# Finest first; used to prefer the most specific name a text mentions.
PRECISION_RANK: dict[str, int] = {
    "exact": 0,
    "site": 1,
    "locality": 2,
    "admin": 3,
    "sea_area": 4,
    "country": 5,
}


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry.

    ``population`` ranks same-name places when no hint is given; curated entries without one
    carry ``None``. ``country`` is a Natural Earth ``ADM0_A3`` code, ``None`` for seas and
    features that straddle borders. ``coast_of`` marks the sea strip off a country's coast.
    """

    name: str
    lat: float
    lon: float
    kind: str
    precision: str
    uncertainty_m: float
    country: str | None
    source: str
    population: int | None = None
    coast_of: str | None = None

    def __reduce__(self) -> tuple[type[Place], tuple[object, ...]]:
        # Rebuild through the constructor: less than half the time of the default slots
        # state. The index cache stores places as columns (geo.geocode.packed); this serves
        # the few hundred country, border and coast places pickled beside them.
        return Place, tuple(getattr(self, f) for f in self.__slots__)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A place the text may refer to, with its match score (0-1)."""

    name: str
    lat: float
    lon: float
    country: str | None
    kind: str
    score: float
    source: str


@dataclass(slots=True)
class GeocodeResult:
    """Outcome of one geocode call; ``lat``/``lon`` are ``None`` unless status is matched.

    ``country`` is the ADM0_A3 code of the point, ``"at_sea"`` when the text places it on
    water, ``None`` when unknown. ``uncertainty_m`` is the radius, in metres, of the circle
    around (lat, lon) that the text's location should lie in.
    """

    query: str
    status: Status
    lat: float | None = None
    lon: float | None = None
    precision: Precision | None = None
    uncertainty_m: float | None = None
    score: float = 0.0
    matched_name: str | None = None
    matched_source: str | None = None
    country: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; coordinates rounded to 6 decimals (~0.1 m)."""
        out = asdict(self)
        for key in ("lat", "lon"):
            if out[key] is not None:
                out[key] = round(out[key], 6)
        if out["uncertainty_m"] is not None:
            out["uncertainty_m"] = round(out["uncertainty_m"])
        out["score"] = round(out["score"], 3)
        for cand in out["candidates"]:
            cand["lat"], cand["lon"] = round(cand["lat"], 6), round(cand["lon"], 6)
            cand["score"] = round(cand["score"], 3)
        return out

    def summary(self, top: int = 3) -> str:
        """Human-readable lines for the CLI: the decision, why, and the best candidates."""
        lines = [f"query:       {self.query}", f"status:      {self.status}"]
        if self.status == "matched" and self.lat is not None and self.lon is not None:
            lines += [
                f"match:       {self.matched_name} ({self.matched_source})",
                f"location:    {self.lat:.5f}, {self.lon:.5f}",
                f"precision:   {self.precision}, within {_km(self.uncertainty_m)}",
                f"country:     {self.country or 'unknown'}",
            ]
        lines.append(f"score:       {self.score:.2f}")
        if self.reason:
            lines.append(f"reason:      {self.reason}")
        if self.candidates:
            lines.append("candidates:")
            for cand in self.candidates[:top]:
                lines.append(
                    f"  {cand.score:.2f}  {cand.name} [{cand.country or '-'}, {cand.kind}]"
                    f"  {cand.lat:.4f}, {cand.lon:.4f}  ({cand.source})"
                )
        return "\n".join(lines)


def _km(metres: float | None) -> str:
    """Format a radius for people."""
    if metres is None:
        return "unknown"
    return f"{metres / 1000:.1f} km" if metres < 100_000 else f"{metres / 1000:.0f} km"
