"""SQL files beside the Python that runs them (``boundaries/sql/*.sql``).

A copy of the tiny ``geo.db`` helper: ``boundaries`` must not import ``geo``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import sqlalchemy as sa


@cache
def load_sql(name: str) -> str:
    return resources.files("boundaries").joinpath("sql", name).read_text(encoding="utf-8")


def sql(name: str) -> sa.TextClause:
    return sa.text(load_sql(name))


def statements(name: str) -> list[str]:
    """The statements of a multi-statement file, split on lines that are exactly ``;``.

    Statements are run one by one so an error names the step that failed.
    """
    parts = load_sql(name).split("\n;\n")
    return [p.strip() for p in parts if p.strip() and not _only_comments(p)]


def _only_comments(text: str) -> bool:
    return all(not ln.strip() or ln.strip().startswith("--") for ln in text.splitlines())
