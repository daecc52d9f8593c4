"""Alembic, driven from code so the CLI and the tests need no ``alembic.ini`` on disk."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection


def alembic_config(sqlalchemy_url: str, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "geo:migrations")
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(sqlalchemy_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(sqlalchemy_url), revision)


def downgrade(sqlalchemy_url: str, revision: str) -> None:
    command.downgrade(alembic_config(sqlalchemy_url), revision)
