"""Response models of ``/ogc`` (OGC API – Features Part 1 Core and Part 2 CRS84).

The incident features are the ``/incidents`` ones (``api.models.IncidentCollection``); the
corridor feature is the ``/corridors/{slug}/feature`` one. Only what they do not cover is here.
"""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal

from geojson_pydantic import Feature, FeatureCollection, LineString, MultiLineString
from pydantic import BaseModel, Field

from api.models import CorridorFeature, Link

CRS84: Final = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN: Final = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


class OgcLanding(BaseModel):
    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    conformsTo: list[str]


class SpatialExtent(BaseModel):
    bbox: list[list[float]] = Field(description="One box: [minx, miny, maxx, maxy] in CRS84.")
    crs: Literal["http://www.opengis.net/def/crs/OGC/1.3/CRS84"] = CRS84


class TemporalExtent(BaseModel):
    interval: list[list[str | None]] = Field(
        description="One interval [first, last] of event dates (RFC 3339); null is open."
    )
    trs: Literal["http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"] = GREGORIAN


class Extent(BaseModel):
    spatial: SpatialExtent | None = None
    temporal: TemporalExtent | None = None


class Collection(BaseModel):
    id: str
    title: str
    description: str
    links: list[Link]
    extent: Extent
    itemType: Literal["feature"] = "feature"
    crs: list[str] = Field(description="The one CRS served: CRS84 (lon, lat in WGS84).")
    storageCrs: str


class Collections(BaseModel):
    links: list[Link]
    collections: list[Collection]


class LandBorderProperties(BaseModel):
    iso3_a: str = Field(description="Natural Earth ADM0_A3 code of the first country.")
    country_a: str
    iso3_b: str
    country_b: str
    length_km: float = Field(description="Length on the ellipsoid, in km.")


class LandBorderFeature(Feature[MultiLineString, LandBorderProperties]):
    id: str = Field(description="The country pair, e.g. 'GRC-TUR' (codes in alphabetical order).")


class SeaRouteProperties(BaseModel):
    name: str
    from_port: str
    to_port: str
    corridor: str | None = Field(description="Slug of the corridor the route belongs to.")
    length_km: float


class SeaRouteFeature(Feature[LineString, SeaRouteProperties]):
    id: str = Field(description="Sea route slug.")


class _Page(BaseModel):
    numberMatched: int = Field(description="Features matching the filters, over all pages.")
    numberReturned: int
    timeStamp: dt.datetime
    links: list[Link]


class CorridorFeatures(FeatureCollection[CorridorFeature], _Page):
    pass


class LandBorderFeatures(FeatureCollection[LandBorderFeature], _Page):
    pass


class SeaRouteFeatures(FeatureCollection[SeaRouteFeature], _Page):
    pass
