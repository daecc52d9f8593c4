"""TileJSON 3.0.0 response models (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class VectorLayer(BaseModel):
    id: str = Field(description="The layer name inside each tile.")
    description: str
    minzoom: int
    maxzoom: int
    fields: dict[str, str] = Field(description="Attribute name → String, Number or Boolean.")


class TileJSON(BaseModel):
    """What a web map (MapLibre, deck.gl, QGIS) needs to show one layer's vector tiles."""

    tilejson: Literal["3.0.0"] = "3.0.0"
    name: str
    description: str
    version: str = "1.0.0"
    attribution: str = Field(description="HTML credit line to show on the map.")
    scheme: Literal["xyz"] = "xyz"
    tiles: list[str] = Field(
        description="URL template ({z}/{x}/{y}), keeping the filters of this request."
    )
    minzoom: int
    maxzoom: int
    bounds: list[float] = Field(description="west, south, east, north of the data (degrees).")
    center: list[float] = Field(description="longitude, latitude, zoom to open the map at.")
    vector_layers: list[VectorLayer]
