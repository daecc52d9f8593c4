"""Corridor agreement with MMP's own route names, on whatever is in the database.

Usage (after ``make setup``): ``.venv/bin/python bench/corridor_agreement.py [--json]``.
Prints one row per MMP route name with the corridor it maps to, how many located incidents
carry it and the share that geometry alone assigns to that corridor, then the overall figure.
"""

from __future__ import annotations

import argparse
import json
import os

from boundaries.agreement import corridor_agreement
from geo.db import create_engine

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/crossings"


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print only the JSON")
    args = parser.parse_args()
    url = _sqlalchemy_url(os.environ.get("DATABASE_URL", DEFAULT_URL))
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            result = corridor_agreement(conn)
    finally:
        engine.dispose()
    if not args.json:
        print(result.table())
        print()
    print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
