"""Runtime settings, read from the environment (prefix ``CROSSINGS_``) or a ``.env`` file.

``DATABASE_URL`` is honoured without the prefix too, because Docker, Heroku-style hosts and
libpq tooling all set it under that name.
"""

from __future__ import annotations

from functools import cached_property

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/crossings"


class Settings(BaseSettings):
    """Everything the app, the CLI and the tests may configure."""

    model_config = SettingsConfigDict(
        env_prefix="CROSSINGS_", env_file=".env", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("CROSSINGS_DATABASE_URL", "DATABASE_URL", "database_url"),
        description="libpq URL of the PostGIS database (postgresql://user@host:port/db).",
    )
    pool_size: int = Field(default=10, ge=1, le=100)
    pool_timeout_s: float = Field(default=30.0, gt=0)
    connect_timeout_s: int = Field(default=3, ge=1, le=60)
    statement_timeout_ms: int = Field(
        default=30_000, ge=0, description="Per-statement limit for API queries; 0 disables it."
    )
    default_limit: int = Field(default=100, ge=1, le=10_000)
    max_limit: int = Field(default=10_000, ge=1)
    # Responses (docs/api.md, "Caching"): ETags and an in-process cache keyed on the data
    # version; gzip for clients that accept it.
    cache_responses: bool = Field(
        default=True, description="Keep recent responses in memory, keyed on the data version."
    )
    cache_max_mb: int = Field(default=256, ge=1, description="Memory the response cache may use.")
    cache_entry_max_mb: int = Field(
        default=16, ge=1, description="Larger responses (big exports) are never cached."
    )
    cache_version_ttl_s: float = Field(
        default=1.0,
        ge=0,
        description="How long the data version read once is trusted (0: every request reads it).",
    )
    cache_max_age_s: int = Field(
        default=60, ge=0, description="Cache-Control max-age of data responses, in seconds."
    )
    gzip_min_bytes: int = Field(
        default=1000, ge=0, description="Smaller responses are not gzipped."
    )
    workers: int = Field(default=1, ge=1, le=64, description="Server processes (crossings serve).")
    export_max_rows: int = Field(
        default=100_000,
        ge=1,
        description="Most incidents one CSV or GeoParquet export may hold; more is a 400.",
    )
    # Maps (docs/api.md, "The monitor map"): the Natural Earth countries are the basemap unless
    # a tile server is configured; its attribution (HTML, as the provider words it) is then
    # shown on the map. Tiles load from that server in the reader's browser.
    tile_url: str | None = Field(
        default=None,
        description="XYZ tile URL template ({z}/{x}/{y}) for map pages; none: Natural Earth.",
    )
    tile_attribution: str | None = Field(
        default=None, description="Credit line of the tile provider (required with tile_url)."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])

    # Online geocoder (geo.geocode.online), off by default. Privacy: when on, the only things
    # that leave the machine are a location text the offline gazetteer could not place (GPS
    # strings and coordinate-like numbers removed) and the record's country hint; never
    # coordinates, record ids or any other field. Every answer is cached in the database.
    geocoder_online: bool = Field(
        default=False,
        description="Ask Nominatim for texts the offline gazetteer cannot place (off by default).",
    )
    nominatim_url: str = Field(
        default="https://nominatim.openstreetmap.org",
        description="Nominatim base URL (scheme, host, optional path); self-hosted ones welcome.",
    )
    geocoder_user_agent: str = Field(
        default="",
        description="User agent naming this deployment and a contact; Nominatim requires one.",
    )
    geocoder_min_delay_s: float = Field(
        default=1.0,
        ge=0,
        description="Seconds between requests; the public Nominatim requires at least 1.",
    )
    geocoder_timeout_s: float = Field(default=10.0, gt=0, le=120)

    @model_validator(mode="after")
    def _default_limit_within_max(self) -> Settings:
        """Refused at start: else every request without ``limit`` would be a 400 for the
        server's own default."""
        if self.default_limit > self.max_limit:
            raise ValueError(
                f"CROSSINGS_DEFAULT_LIMIT ({self.default_limit}) must not exceed "
                f"CROSSINGS_MAX_LIMIT ({self.max_limit})"
            )
        return self

    @model_validator(mode="after")
    def _tiles_are_credited(self) -> Settings:
        """A tile layer without its provider's credit would break most providers' terms."""
        if self.tile_url and not (self.tile_attribution or "").strip():
            raise ValueError(
                "CROSSINGS_TILE_URL needs CROSSINGS_TILE_ATTRIBUTION: the tile provider's credit"
            )
        return self

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The same URL with the psycopg 3 driver named, as SQLAlchemy wants it."""
        return to_sqlalchemy_url(self.database_url)


def to_sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"DATABASE_URL must start with postgresql://, got {url.split(':', 1)[0]}://")
