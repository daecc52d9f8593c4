"""The ``crossings`` command: database, reference layers, imports, serving."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from api.settings import Settings


def _settings(ctx: click.Context) -> Settings:
    return ctx.ensure_object(dict).setdefault("settings", Settings())


def _engine(ctx: click.Context) -> Any:
    from geo.db import create_engine

    settings = _settings(ctx)
    return create_engine(settings.sqlalchemy_url, connect_timeout_s=settings.connect_timeout_s)


def _emit(report: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        click.echo(report.summary())


class _Group(click.Group):
    """Turns expected failures into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        import sqlalchemy.exc

        try:
            return super().invoke(ctx)
        except sqlalchemy.exc.OperationalError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            raise click.ClickException(f"cannot reach the database: {reason}") from exc


@click.group(cls=_Group)
@click.option(
    "--database-url",
    envvar=["CROSSINGS_DATABASE_URL", "DATABASE_URL"],
    default=None,
    help="PostGIS URL; defaults to $DATABASE_URL or postgresql://postgres@127.0.0.1/crossings",
)
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """Crossings: deaths, disappearances and pushbacks at borders, mapped and queryable."""
    obj = ctx.ensure_object(dict)
    obj["settings"] = Settings(database_url=database_url) if database_url else Settings()


@main.group()
def db() -> None:
    """Database schema (Alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Migrate the database to REVISION (default: head)."""
    from geo.migrate import upgrade

    upgrade(_settings(ctx).sqlalchemy_url, revision)
    click.echo(f"database at {revision}")


@db.command("analyze")
@click.pass_context
def db_analyze(ctx: click.Context) -> None:
    """Refresh the planner's statistics of the incidents (imports and dedupe do it too)."""
    import sqlalchemy as sa

    with _engine(ctx).begin() as conn:
        conn.execute(sa.text("ANALYZE incidents"))
    click.echo("statistics refreshed")


@main.group()
def boundaries() -> None:
    """Reference layers: countries, land borders, coastline, sea routes, corridors."""


@boundaries.command("load")
@click.option("--if-changed", is_flag=True, help="Do nothing when the same layers are loaded.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def boundaries_load(ctx: click.Context, if_changed: bool, as_json: bool) -> None:
    """Rebuild every reference layer and re-enrich incidents, in one transaction."""
    from boundaries.load import load_boundaries
    from geo.enrich import enrich_incidents

    with _engine(ctx).begin() as conn:
        report = load_boundaries(conn, if_changed=if_changed)
        if report.changed:
            report.reenriched = enrich_incidents(conn)
    _emit(report, as_json)


@main.group("import")
def import_() -> None:
    """Import incidents. A bad row is reported, never fatal; a re-import adds nothing."""


def _run_import(
    ctx: click.Context, importer: str, path: Path, as_json: bool, dedupe: bool, **kwargs: Any
) -> None:
    from geo.dedupe import dedupe_events
    from geo.importers import run_import

    engine = _engine(ctx)
    report = run_import(engine, importer=importer, path=path, **kwargs)
    events = None
    if dedupe and report.status == "succeeded" and report.inserted + report.updated:
        # Totals count events, not records: link what this file added to what was there.
        with engine.begin() as conn:
            events = dedupe_events(conn)
    if as_json:
        data = report.to_dict()
        if events is not None:
            data["dedupe"] = {k: v for k, v in events.to_dict().items() if k != "groups"}
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        click.echo(report.summary())
        if events is not None:
            click.echo(events.summary())
    if report.status == "failed":
        sys.exit(1)


def _import_options(command: Any) -> Any:
    """Options every importer takes."""
    command = click.option(
        "--dedupe/--no-dedupe",
        default=True,
        help="Link records that report the same event after a changed import (default on).",
    )(command)
    command = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")(
        command
    )
    return click.option(
        "--force", is_flag=True, help="Re-run even if this exact file was imported before."
    )(command)


_path = click.Path(exists=True, dir_okay=False, path_type=Path)


@import_.command("mmp")
@click.argument("file", type=_path)
@_import_options
@click.pass_context
def import_mmp(ctx: click.Context, file: Path, force: bool, as_json: bool, dedupe: bool) -> None:
    """An IOM Missing Migrants Project CSV export (older or current layout)."""
    _run_import(ctx, "mmp", file, as_json, dedupe, force=force)


@import_.command("csv")
@click.argument("file", type=_path)
@click.option("--mapping", type=_path, required=True, help="TOML file mapping columns to fields.")
@_import_options
@click.pass_context
def import_csv(
    ctx: click.Context, file: Path, mapping: Path, force: bool, as_json: bool, dedupe: bool
) -> None:
    """Any CSV (NGO spreadsheets, pushback reports) with a column mapping."""
    _run_import(ctx, "csv", file, as_json, dedupe, mapping=mapping, force=force)


@import_.command("geojson")
@click.argument("file", type=_path)
@click.option("--source", default=None, help="Source name; defaults to the file's stem.")
@_import_options
@click.pass_context
def import_geojson(
    ctx: click.Context, file: Path, source: str | None, force: bool, as_json: bool, dedupe: bool
) -> None:
    """A GeoJSON FeatureCollection of Point features."""
    _run_import(ctx, "geojson", file, as_json, dedupe, source=source, force=force)


@main.command()
@click.argument("text")
@click.option("--country", default=None, help="ISO3 country the record names, to disambiguate.")
@click.option("--region", default=None, help="The record's region text, to disambiguate.")
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
@click.option(
    "--online/--offline",
    default=None,
    help="Ask Nominatim (cached in the database) when the gazetteer cannot place TEXT; "
    "default: the CROSSINGS_GEOCODER_ONLINE setting (off).",
)
@click.pass_context
def geocode(
    ctx: click.Context,
    text: str,
    country: str | None,
    region: str | None,
    as_json: bool,
    online: bool | None,
) -> None:
    """Show how TEXT is placed: match, precision, uncertainty, candidates (docs/geocoding.md)."""
    settings = _settings(ctx)
    if not (settings.geocoder_online if online is None else online):
        from geo.geocode import geocode as run_geocode

        _emit(run_geocode(text, country=country, region=region), as_json)
        return
    import sqlalchemy.exc

    from geo.errors import InvalidInput, translate_db_error
    from geo.geocode.online import OnlineGeocoder, lookup

    try:
        service = OnlineGeocoder(
            user_agent=settings.geocoder_user_agent,
            url=settings.nominatim_url,
            timeout_s=settings.geocoder_timeout_s,
            min_delay_s=settings.geocoder_min_delay_s,
        )
    except InvalidInput as exc:
        setting = f"CROSSINGS_{(exc.parameter or '').upper()}"
        raise click.ClickException(f"{exc} (set {setting})") from exc
    try:
        with _engine(ctx).begin() as conn:
            found = lookup(conn, text, country=country, region=region, online=service)
    except sqlalchemy.exc.ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) == "42P01":
            raise click.ClickException(
                "the geocode cache table is missing: run `crossings db upgrade`"
            ) from exc
        raise click.ClickException(str(translate_db_error(exc))) from exc
    _emit(found, as_json)
    if found.error:
        raise click.ClickException(f"online geocoder failed: {found.error}")


@main.command()
@click.option("--report", "show_groups", is_flag=True, help="Print every group and its members.")
@click.option("--json", "as_json", is_flag=True, help="Print the report (with groups) as JSON.")
@click.option("--dry-run", is_flag=True, help="Find the groups but do not store them.")
@click.option("--threshold", type=float, default=None, help="Match score to link (default 0.75).")
@click.option("--source", "sources", multiple=True, help="Only records of this source (repeat).")
@click.pass_context
def dedupe(
    ctx: click.Context,
    show_groups: bool,
    as_json: bool,
    dry_run: bool,
    threshold: float | None,
    sources: tuple[str, ...],
) -> None:
    """Link records that report the same event (across sources and exports) into events."""
    from geo.dedupe import THRESHOLD, dedupe_events

    with _engine(ctx).begin() as conn:
        report = dedupe_events(
            conn,
            threshold=THRESHOLD if threshold is None else threshold,
            sources=sources or None,
            write=not dry_run,
        )
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        click.echo(report.summary(groups=show_groups))


@main.command()
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Server processes (default CROSSINGS_WORKERS or 1); each has its own pool and cache.",
)
@click.option("--reload", is_flag=True, help="Reload on code changes (development).")
@click.pass_context
def serve(
    ctx: click.Context, host: str | None, port: int | None, workers: int | None, reload: bool
) -> None:
    """Serve the API (uvicorn)."""
    import os

    import uvicorn

    from api.protocols import ProblemHttpToolsProtocol

    settings = _settings(ctx)
    host, port = host or settings.host, port or settings.port
    workers = workers or settings.workers
    # ProblemHttpToolsProtocol: a request uvicorn cannot parse gets problem+json too.
    if reload or workers > 1:
        # Reloading and worker processes import the app by name, so each process builds its own
        # from the environment: pass the database this command was given on to them.
        os.environ["CROSSINGS_DATABASE_URL"] = settings.database_url
        uvicorn.run(
            "api.app:app_from_env",
            factory=True,
            reload=reload,
            workers=None if reload else workers,
            host=host,
            port=port,
            http=ProblemHttpToolsProtocol,
        )
        return
    from api.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, http=ProblemHttpToolsProtocol)


@main.group()
def quality() -> None:
    """Data-quality checks on stored incidents."""


@quality.command("check")
@click.option("--import-run", "import_run", default=None, help="Only this import run's incidents.")
@click.option("--no-fix", is_flag=True, help="Flag swapped coordinates instead of flipping them.")
@click.option("--dry-run", is_flag=True, help="Compute and report, write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def quality_check(
    ctx: click.Context, import_run: str | None, no_fix: bool, dry_run: bool, as_json: bool
) -> None:
    """Fix swapped latitude/longitude, flag impossible placements (docs/quality.md)."""
    from geo.quality import check_placements

    run = _run_id(import_run)
    with _engine(ctx).begin() as conn:
        report = check_placements(conn, import_run_id=run, fix=not no_fix, write=not dry_run)
        precision = _widen(conn, run, only_unset=False, dry_run=dry_run)
    _emit(report, as_json)
    if not as_json:
        click.echo(precision.summary() + (" (dry run: not written)" if dry_run else ""))


@quality.command("precision")
@click.option("--import-run", "import_run", default=None, help="Only this import run's incidents.")
@click.option(
    "--only-unset",
    is_flag=True,
    help="Only records the pass has not seen yet (cheap on a set-up database; make setup).",
)
@click.option("--dry-run", is_flag=True, help="Compute and report, write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def quality_precision(
    ctx: click.Context, import_run: str | None, only_unset: bool, dry_run: bool, as_json: bool
) -> None:
    """Widen records whose location text names an area, not a place (docs/import.md)."""
    run = _run_id(import_run)
    with _engine(ctx).begin() as conn:
        report = _widen(conn, run, only_unset=only_unset, dry_run=dry_run)
    _emit(report, as_json)


def _run_id(value: str | None) -> Any:
    import uuid

    try:
        return uuid.UUID(value) if value else None
    except ValueError as exc:
        raise click.BadParameter("not a UUID", param_hint="--import-run") from exc


def _widen(conn: Any, run: Any, *, only_unset: bool, dry_run: bool) -> Any:
    """The precision pass; ``dry_run`` runs it in a savepoint rolled back, so the report says
    what it would change."""
    from geo.precision import widen_precision

    savepoint = conn.begin_nested()
    report = widen_precision(conn, import_run_id=run, only_unset=only_unset)
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
    return report


@main.group()
def assets() -> None:
    """Front-end assets (Leaflet and its plugins, Swagger UI) the app serves itself."""


@assets.command("fetch")
@click.option("--force", is_flag=True, help="Download and extract again even when current.")
def assets_fetch(force: bool) -> None:
    """Fetch the pinned packages of maps/assets.toml from the npm registry (integrity-checked)."""
    from maps.assets import VENDOR_DIR, AssetError, fetch_assets

    try:
        fetched = fetch_assets(force=force)
    except AssetError as exc:
        raise click.ClickException(str(exc)) from exc
    if fetched:
        click.echo(f"assets: installed {', '.join(fetched)} into {VENDOR_DIR}")
    else:
        click.echo("assets: up to date")


@main.group()
def export() -> None:
    """Static files for hosting without a Crossings server."""


def _csv_option(value: str | None, allowed: tuple[str, ...], name: str) -> tuple[str, ...]:
    if value is None:
        return allowed
    chosen = tuple(v.strip() for v in value.split(",") if v.strip())
    unknown = [v for v in chosen if v not in allowed]
    if unknown or not chosen:
        raise click.BadParameter(f"use one or more of {', '.join(allowed)}", param_hint=name)
    return chosen


@export.command("embeds")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--lang", default=None, help="Languages, comma-separated (default: en,fr,es,ar).")
@click.option("--theme", default=None, help="Themes, comma-separated (default: light,dark).")
@click.option("--corridor", "slugs", multiple=True, help="Only this corridor (repeat).")
@click.option("--datetime", "period", default=None, help="Period, as the API's datetime.")
@click.option("--category", default=None, help="Categories, comma-separated, as the API's.")
@click.option("--base-url", default=None, help="Public Crossings server to link the full map to.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def export_embeds_command(
    ctx: click.Context,
    out_dir: Path,
    lang: str | None,
    theme: str | None,
    slugs: tuple[str, ...],
    period: str | None,
    category: str | None,
    base_url: str | None,
    as_json: bool,
) -> None:
    """Every corridor's embed (HTML with its assets, PNG and SVG) as static files in OUT_DIR."""
    from geo.errors import CrossingsError
    from geo.repo.filters import parse_categories, parse_datetime
    from geo.repo.incidents import IncidentFilter
    from maps.export import clear_export, export_embeds
    from maps.i18n import LANGUAGES
    from maps.palette import THEMES

    langs = _csv_option(lang, LANGUAGES, "--lang")
    themes = _csv_option(theme, THEMES, "--theme")
    if base_url is not None and not base_url.startswith(("https://", "http://")):
        raise click.BadParameter("an http(s) URL, e.g. https://crossings.example.org",
                                 param_hint="--base-url")  # fmt: skip
    try:
        flt = IncidentFilter(
            interval=parse_datetime(period) if period else None,
            categories=parse_categories(category) if category else (),
        )
        with _engine(ctx).connect() as conn:
            clear_export(out_dir)
            report = export_embeds(
                conn, out_dir, flt=flt, langs=langs, themes=themes, base_url=base_url,
                slugs=slugs,
            )  # fmt: skip
    except CrossingsError as exc:
        raise click.ClickException(str(exc)) from exc
    _emit(report, as_json)


if __name__ == "__main__":
    main()
