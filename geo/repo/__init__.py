"""Read-side repository: plain functions ``f(conn, *, ...)`` over the schema, no web framework.

Each function runs SQL kept in ``geo/sql/repo_*.sql`` and returns plain rows or dataclasses;
the API (and later the tile, heatmap and OGC layers) shape them for their own clients.
"""
