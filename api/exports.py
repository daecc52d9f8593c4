"""``/incidents?f=csv`` and ``f=parquet``: every matching event as one file, streamed.

The rows are the GeoJSON features of ``/incidents`` (built by the same function), flattened:
``id``, ``lon``, ``lat``, then every property in the feature's order, with the nested
``review_reasons`` as their summaries joined by `` | ``, ``sources`` as ``sources_count`` and
``;``-joined ``sources_ids`` / ``sources_names`` (best
record first). Parquet is GeoParquet 1.1: a WKB ``geometry`` column (null for events without a
place), a ``bbox`` covering column, and the ``geo`` metadata; counts, distances and dates keep
their types there. Rows are read by keyset in batches and written as they come, so memory stays
flat; the export refuses more than ``CROSSINGS_EXPORT_MAX_ROWS`` events up front (a 400 saying
to narrow the filter) rather than sending a silently cut file.
"""

from __future__ import annotations

import csv
import io
import json
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

import pyarrow as pa
import pyarrow.parquet as pq
from fastapi import Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.engine import Connection

from api.deps import get_settings
from api.links import GEOJSON
from api.settings import Settings
from geo.errors import InvalidInput, shown
from geo.repo import incidents as repo
from geo.repo.incidents import IncidentFilter

FORMATS = ("geojson", "csv", "parquet")
CSV = "text/csv"
PARQUET = "application/vnd.apache.parquet"
MEDIA_TYPES = {"csv": f"{CSV}; charset=utf-8", "parquet": PARQUET}
# The 200 bodies /incidents documents: GeoJSON (its model's schema is filed there) or a file.
OPENAPI_CONTENT: dict[str, Any] = {
    GEOJSON: {},
    CSV: {"schema": {"type": "string"}},
    PARQUET: {"schema": {"type": "string", "format": "binary"}},
}
BATCH = 2_000

# Column types for Parquet; every other property is a string.
_INTEGERS = {
    "dead", "missing", "dead_and_missing", "survivors", "injured", "pushed_back", "women",
    "men", "children", "h3_res", "sources_count",
}  # fmt: skip
_FLOATS = {"lon", "lat", "border_distance_km", "coast_distance_km", "uncertainty_m"}
_DATES = {"date"}


@dataclass(frozen=True)
class Export:
    """The format asked for (``f``) and this server's cap on an export's rows."""

    format: str
    max_rows: int

    def response(
        self,
        conn: Connection,
        *,
        flt: IncidentFilter,
        to_feature: Callable[[Any], dict[str, Any]],
        properties: Sequence[str],
    ) -> StreamingResponse:
        return export_response(
            conn, flt=flt, fmt=self.format, max_rows=self.max_rows, to_feature=to_feature,
            properties=properties,
        )  # fmt: skip


def export_param(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    f: Annotated[
        str | None,
        Query(
            description=(
                "Output format: `geojson` (default, paged), `csv` or `parquet` (GeoParquet "
                "1.1). CSV and Parquet hold every matching incident in one file (not paged, so "
                "no `limit` or `cursor`), up to the server's cap (CROSSINGS_EXPORT_MAX_ROWS, "
                "100000 unless configured): more is a 400 asking for a narrower filter."
            ),
            examples=["csv"],
        ),
    ] = None,
) -> Export:
    if f is None:
        return Export("geojson", settings.export_max_rows)
    value = f.strip().lower()
    if value not in FORMATS:
        raise InvalidInput(f"f must be one of {', '.join(FORMATS)}; got {shown(f)}", parameter="f")
    if value != "geojson":
        for paged in ("limit", "cursor"):
            if paged in request.query_params:
                raise InvalidInput(
                    f"f={value} returns every matching incident in one file; drop {paged} "
                    "(narrow the filters instead)",
                    parameter=paged,
                )
    return Export(value, settings.export_max_rows)


ExportDep = Annotated[Export, Depends(export_param)]


def export_response(
    conn: Connection,
    *,
    flt: IncidentFilter,
    fmt: str,
    max_rows: int,
    to_feature: Callable[[Any], dict[str, Any]],
    properties: Sequence[str],
) -> StreamingResponse:
    """The whole filtered result as a CSV or GeoParquet download, or a 400 over the cap."""
    matched = repo.count_incidents(conn, flt=flt)
    if matched > max_rows:
        raise InvalidInput(
            f"the export matches {matched} incidents, more than this server's limit of "
            f"{max_rows} (CROSSINGS_EXPORT_MAX_ROWS); narrow the filters (datetime, bbox, "
            "corridor, country, category) or page through the GeoJSON",
            parameter="f",
        )
    batches = (
        [flat_row(to_feature(row)) for row in batch]
        for batch in repo.iter_incidents(conn, flt=flt, batch_size=BATCH)
    )
    names = columns(properties)
    body = csv_chunks(batches, names) if fmt == "csv" else parquet_chunks(batches, names)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "Content-Disposition": f'attachment; filename="crossings-incidents-{stamp}.{fmt}"',
        "X-Number-Matched": str(matched),
    }
    return StreamingResponse(body, media_type=MEDIA_TYPES[fmt], headers=headers)


def flat_row(feature: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON feature as one flat row: id, lon, lat, the properties, sources summarised."""
    geometry = feature["geometry"]
    lon, lat = geometry["coordinates"] if geometry else (None, None)
    row: dict[str, Any] = {"id": feature["id"], "lon": lon, "lat": lat}
    properties = dict(feature["properties"])
    sources = properties.pop("sources")
    reasons = properties.pop("review_reasons", None) or []
    row.update(properties)
    row["review_reasons"] = " | ".join(r["summary"] for r in reasons) or None
    row["sources_count"] = len(sources)
    row["sources_ids"] = ";".join(s["id"] for s in sources)
    row["sources_names"] = ";".join(s["source_name"] or "" for s in sources)
    return row


def csv_chunks(batches: Iterable[list[dict[str, Any]]], names: list[str]) -> Iterator[bytes]:
    """UTF-8 CSV, header first (also when nothing matched); empty cells for nulls."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    yield _drain(buffer).encode("utf-8")
    for rows in batches:
        writer.writerows(rows)
        yield _drain(buffer).encode("utf-8")


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def columns(properties: Sequence[str]) -> list[str]:
    """The column names, in the order ``flat_row`` makes them from a feature whose properties
    are ``date``, then ``properties``, then ``h3`` and ``sources`` (``api.routers.incidents``)."""
    return ["id", "lon", "lat", "date", *properties, "h3", "sources_count", "sources_ids",
            "sources_names"]  # fmt: skip


def _arrow_type(name: str) -> pa.DataType:
    if name in _INTEGERS:
        return pa.int64()
    if name in _FLOATS:
        return pa.float64()
    if name in _DATES:
        return pa.date32()
    return pa.string()


_BBOX = pa.struct([(k, pa.float64()) for k in ("xmin", "ymin", "xmax", "ymax")])


def _schema(columns: list[str]) -> pa.Schema:
    fields = [pa.field(name, _arrow_type(name)) for name in columns]
    fields += [pa.field("geometry", pa.binary()), pa.field("bbox", _BBOX)]
    geo = {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {
                "encoding": "WKB",
                "geometry_types": ["Point"],
                # no "crs": GeoParquet's default, OGC:CRS84 (lon/lat WGS84), is what this is
                "covering": {"bbox": {k: ["bbox", k] for k in ("xmin", "ymin", "xmax", "ymax")}},
            }
        },
    }
    return pa.schema(fields, metadata={"geo": json.dumps(geo)})


def _table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    columns: dict[str, pa.Array] = {}
    for field in schema:
        if field.name in ("geometry", "bbox"):
            continue
        values = [row[field.name] for row in rows]
        if field.type == pa.date32():  # ISO text in the feature; date objects for Arrow
            columns[field.name] = pa.array(
                [date.fromisoformat(v) if v else None for v in values], pa.date32()
            )
        else:
            columns[field.name] = pa.array(values, field.type)
    located = [(r["lon"], r["lat"]) if r["lon"] is not None else None for r in rows]
    columns["geometry"] = pa.array(
        [struct.pack("<BIdd", 1, 1, *p) if p else None for p in located], pa.binary()
    )
    # a point's bbox is the point; built from plain arrays (a list of dicts would import pandas)
    lons = pa.array([p[0] if p else None for p in located], pa.float64())
    lats = pa.array([p[1] if p else None for p in located], pa.float64())
    columns["bbox"] = pa.StructArray.from_arrays(
        [lons, lats, lons, lats],
        fields=list(_BBOX),
        mask=pa.array([p is None for p in located], pa.bool_()),
    )
    return pa.table(columns, schema=schema)


class _Sink(io.RawIOBase):
    """A write-only file whose bytes are taken away as they are written (for streaming)."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._data += chunk
        self._written += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._written

    def take(self) -> bytes:
        data = bytes(self._data)
        self._data.clear()
        return data


def parquet_chunks(batches: Iterable[list[dict[str, Any]]], names: list[str]) -> Iterator[bytes]:
    """GeoParquet, one row group per batch, each sent as soon as it is written."""
    sink = _Sink()
    schema = _schema(names)
    writer = pq.ParquetWriter(sink, schema, compression="zstd")
    for rows in batches:
        writer.write_table(_table(rows, schema))
        yield sink.take()
    writer.close()
    yield sink.take()
