"""Geometry-only corridor assignment agrees with MMP's own route names (issue requirement)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from boundaries.agreement import corridor_agreement


def test_corridor_agreement_with_mmp_routes(conn: Connection) -> None:
    result = corridor_agreement(conn)
    print(result.table())
    assert result.n > 1_500  # the bundled sample's located rows with a mapped route
    assert result.rate >= 0.90
    # The big routes must each agree on their own, not only on average.
    for route in result.routes:
        if route.n >= 50:
            assert route.rate >= 0.85, (route.route, route.rate, route.disagree)
