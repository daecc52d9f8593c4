"""GeoJSON FeatureCollections of Point features; properties use our field names.

The row number of a feature is its index in ``features`` (0-based, as in ``features[i]``).
Non-Point or invalid geometries are rejected with the reason; a null geometry is kept without a
location, like a spreadsheet row without coordinates.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from geo import h3index
from geo.coords import CoordinateError, point_from_geojson
from geo.dates import DateError, parse_day
from geo.importers.base import LIST_SEP, Issues, NaturalKeys, Parsed, RowError, SetupError
from geo.importers.csvmap import TEXT_FIELDS, category_of, country_codes, counts
from geo.importers.location import SOURCE_DEFAULT_M, Inferred, float_decimals, given
from geo.importers.text import decode, fix_mojibake

LAYOUT = "geojson-points"
ID_KEYS = ("id", "source_id")
LIST_FIELDS = ("origin_countries", "violence_types")
# An escaped NUL in JSON text: \u0000 after an even run of backslashes.
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
# crs names that mean WGS 84 longitude/latitude, as GeoJSON before RFC 7946 wrote them.
_WGS84 = re.compile(r"(?:^|[:/])(?:CRS84|EPSG(?:[:/][\d.]*)?[:/]4326)$", re.IGNORECASE)


def read(path: Path, encoding: str, issues: Issues) -> Parsed:
    text, _ = decode(path.read_bytes())
    try:
        doc = json.loads(text)
    except RecursionError:
        raise SetupError("not valid JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and integers too long to convert
        raise SetupError(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise SetupError("not a GeoJSON FeatureCollection")
    _check_crs(doc.get("crs"))
    features = doc.get("features")
    if not isinstance(features, list):
        raise SetupError("FeatureCollection has no 'features' list")
    return Parsed(LAYOUT, [], _rows(features, issues))


def _check_crs(crs: Any) -> None:
    """A legacy ``crs`` member other than WGS 84 means the coordinates are in other units;
    read as degrees they would be misplaced, so the file is refused."""
    if crs is None:
        return
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    if not isinstance(name, str) or not _WGS84.search(name):
        raise SetupError(
            f"coordinate reference system {name or crs!r} is not supported; "
            "reproject the file to WGS 84 longitude/latitude (EPSG:4326)"
        )


def _rows(features: list[Any], issues: Issues) -> Iterator[list[Any]]:
    keys = NaturalKeys()
    infer = Inferred(SOURCE_DEFAULT_M["geojson"])
    for row, feature in enumerate(features):
        try:
            staged = _feature(row, feature, issues, keys, infer)
        except RowError as exc:
            issues.reject(row, str(exc), exc.kind)
            continue
        issues.accepted += 1
        yield staged


def _raw_json(props: dict[str, Any], ident: Any) -> str:
    """The properties as JSON text for ``raw``; ``RowError`` for what PostgreSQL refuses to
    store and would fail the whole import with: NaN or Infinity (not JSON), a NUL character
    or a lone surrogate in a property or the feature's id."""
    try:
        text = json.dumps(props, ensure_ascii=False, sort_keys=True, default=str, allow_nan=False)
    except ValueError:
        raise RowError("properties contain NaN or Infinity", "bad properties") from None
    if _NUL_ESCAPE.search(text) or "\x00" in str(ident):
        raise RowError("properties contain a NUL character", "control characters (NUL)")
    try:
        (text + str(ident)).encode()
    except UnicodeEncodeError:  # JSON can escape half of a UTF-16 pair, UTF-8 cannot hold it
        raise RowError(
            "properties contain an invalid character (a lone surrogate escape)",
            "invalid characters",
        ) from None
    return text.replace(LIST_SEP, " ")


def _json_type(value: Any) -> str:
    """What a JSON value is, in the words of the JSON spec, for reasons."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "a number" if isinstance(value, int | float) else "a string"


def _list(props: dict[str, Any], name: str) -> str | None:
    """A list property (an array of strings, or one string split on ';') as staged text.

    Anything else would be stored as Python's text of it (``"{'a': 1}"``, ``"None"``), and a
    unit separator inside an item would split it in two, so such a feature is rejected naming
    the property and the item, as CSV rows with NUL/unit separators are."""
    value = props.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        items = value.split(";")
    elif isinstance(value, list):
        items = value
    else:
        raise RowError(
            f"property {name!r} is {_json_type(value)}; give an array of strings "
            "(or one string separated by ';')",
            "bad list property",
        )
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise RowError(
                f"property {name!r}: item {i} is {_json_type(item)}; the array must hold strings",
                "bad list property",
            )
        if LIST_SEP in item or "\x00" in item:  # staging joins items with LIST_SEP
            raise RowError(
                f"property {name!r}: item {i} contains a control character (NUL/unit "
                "separator); remove it",
                "control characters (NUL/unit separator)",
            )
    return LIST_SEP.join(x.strip() for x in items if x.strip()) or None


def _ident(props: dict[str, Any], feature_id: Any) -> str | None:
    """The feature's own identity: property ``id`` or ``source_id``, else the feature's id."""
    for key in ID_KEYS:
        if props.get(key) not in (None, ""):
            return _id_text(props[key], f"property {key!r}")
    if feature_id not in (None, ""):
        return _id_text(feature_id, "feature id")
    return None


def _id_text(value: Any, what: str) -> str:
    """An id as ``source_id``. RFC 7946: a string or a number; anything else (``true``, an
    object) would be keyed as Python's text of it. A number keeps Python's text, so ``1`` and
    ``1.0`` are different ids: making them one would re-key features already imported."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return str(value)
    if isinstance(value, float):
        raise RowError(f"{what} must be a string or a finite number, not NaN or Infinity", "bad id")
    raise RowError(f"{what} must be a string or a number, not {_json_type(value)}", "bad id")


def _feature(
    row: int,
    feature: Any,
    issues: Issues,
    keys: NaturalKeys,
    infer: Inferred,
) -> list[Any]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise RowError("not a GeoJSON Feature", "not a Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise RowError("properties must be an object", "bad properties")
    geometry = feature.get("geometry")
    if geometry is None:
        point = None
        issues.warn(row, "geometry", "null geometry: no coordinates given", "no coordinates")
    else:
        try:
            point = point_from_geojson(geometry)
        except CoordinateError as exc:
            raise RowError(f"geometry: {exc}", "bad geometry") from None

    def get(name: str) -> str | None:
        value = props.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, dict | list):  # its Python text would be stored
            raise RowError(f"property {name!r} is {_json_type(value)}; give text", "bad property")
        if isinstance(value, str):
            fixed = fix_mojibake(value.strip())
            if fixed != value.strip():
                issues.warn(row, name, f"repaired mojibake: {fixed!r}", "mojibake repaired")
            return fixed
        return str(value)

    people = counts(get, row, issues)
    category = category_of(get)
    date_text = get("event_date") or get("date")
    if date_text is None:
        raise RowError("no event_date", "no date")
    try:
        event_date = parse_day(date_text)
        reported_text = get("reported_date")
        reported = parse_day(reported_text) if reported_text else None
    except DateError as exc:
        raise RowError(str(exc), "bad date") from None
    lists = {name: _list(props, name) for name in LIST_FIELDS}
    countries = country_codes(get, row, issues)
    raw_json = _raw_json(props, feature.get("id"))
    ident = _ident(props, feature.get("id"))
    if ident is not None:
        source_id = keys.from_id(ident, row, unit="feature")
    else:
        source_id = keys.from_content((raw_json + json.dumps(geometry, sort_keys=True)).encode())
    lon, lat = point if point else (None, None)
    precision = uncertainty = res = cell = None
    if point:
        n_dec = min(float_decimals(lon), float_decimals(lat))  # type: ignore[arg-type]
        precision, uncertainty, res = given(
            props.get("location_precision"), props.get("uncertainty_m"), n_dec, infer, row, issues
        )
        cell = h3index.cell(*point, res)
    texts = {name: get(name) for name in TEXT_FIELDS}
    return [
        row, source_id, texts["incident_type"], category, event_date, "day", reported,
        people["dead"], people["missing"], people["survivors"], people["injured"],
        people["pushed_back"], people["women"], people["men"], people["children"],
        texts["cause"], texts["location_text"], texts["region_text"], texts["route_text"],
        lon, lat, cell, res, precision, uncertainty, "source" if point else None, None, None,
        lists["origin_countries"], texts["origin_region"],
        countries["pushed_from"], countries["pushed_to"], lists["violence_types"],
        texts["source_quality"], texts["source_name"], texts["source_url"],
        None, raw_json,
    ]  # fmt: skip
