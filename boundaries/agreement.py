"""Corridor agreement: does geometry alone put incidents in the corridor their source names?

The assignment never looks at the route name; this measures it against MMP's "Migration route"
(``incidents.route_text``) through the catalogue's ``mmp_routes``. Used by
``bench/corridor_agreement.py`` and ``tests/test_corridor_agreement.py``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.engine import Connection

from boundaries.sql import sql


@dataclass(frozen=True)
class RouteAgreement:
    route: str
    expected: str
    n: int
    agree: int
    disagree: dict[str, int]  # assigned corridor (or "(none)") -> rows

    @property
    def rate(self) -> float:
        return self.agree / self.n if self.n else 0.0


@dataclass(frozen=True)
class Agreement:
    routes: list[RouteAgreement]

    @property
    def n(self) -> int:
        return sum(r.n for r in self.routes)

    @property
    def agree(self) -> int:
        return sum(r.agree for r in self.routes)

    @property
    def rate(self) -> float:
        return self.agree / self.n if self.n else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "agree": self.agree,
            "rate": round(self.rate, 4),
            "routes": [{**asdict(r), "rate": round(r.rate, 4)} for r in self.routes],
        }

    def table(self) -> str:
        head = f"{'MMP route':<52} {'corridor':<24} {'rows':>6} {'agree':>6} {'rate':>7}"
        lines = [head, "-" * len(head)]
        for r in self.routes:
            lines.append(
                f"{r.route[:52]:<52} {r.expected:<24} {r.n:>6} {r.agree:>6} {r.rate:>7.1%}"
            )
            if r.disagree:
                others = ", ".join(f"{k} {v}" for k, v in sorted(r.disagree.items()))
                lines.append(f"{'':<52}   elsewhere: {others}")
        lines.append("-" * len(head))
        lines.append(f"{'all mapped routes':<77} {self.n:>6} {self.agree:>6} {self.rate:>7.1%}")
        return "\n".join(lines)


def corridor_agreement(conn: Connection) -> Agreement:
    rows = conn.execute(sql("agreement.sql")).mappings().all()
    return Agreement(
        routes=[
            RouteAgreement(
                route=row["route_text"],
                expected=row["expected"],
                n=int(row["n"]),
                agree=int(row["agree"]),
                disagree={str(k): int(v) for k, v in dict(row["disagree"]).items()},
            )
            for row in rows
        ]
    )
