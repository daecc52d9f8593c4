"""Countries from the vendored Natural Earth 1:10m zip, bulk-loaded with COPY.

The German point-of-view edition is used because it is the one we vendor; its ``ADM0_A3`` is
unique and always filled (``ISO_A3`` is -99 for France, Norway, Kosovo...), so it is our key.
``iso_a3`` is the ISO 3166-1 alpha-3 code (``ISO_A3``, or ``ISO_A3_EH`` where Natural Earth leaves
ISO_A3 empty for a unit that *is* that ISO country: France, Norway), so clients can ask in ISO.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyogrio
import shapely
from sqlalchemy.engine import Connection

DATA = Path(__file__).resolve().parent / "data"
NE_ZIP = DATA / "ne_10m_admin_0_countries_deu.zip"
NE_LAYER = "ne_10m_admin_0_countries_deu.shp"

COLUMNS = ("ADM0_A3", "ISO_A3", "NAME", "CONTINENT", "REGION_UN", "SUBREGION", "REGION_WB")

STAGE = """
CREATE TEMP TABLE _ne_countries (
    iso3 text, iso_a3 text, name text, continent text, region_un text, subregion text,
    region_wb text, wkb text
) ON COMMIT DROP
"""


def read_rows(path: Path = NE_ZIP) -> list[tuple[Any, ...]]:
    """Attribute tuples plus the geometry as hex WKB, ready for COPY."""
    frame = pyogrio.read_dataframe(f"zip://{path}!{NE_LAYER}", columns=[*COLUMNS, "ISO_A3_EH"])
    frame["ISO_A3"] = iso_alpha3(frame)
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise ValueError(f"{path.name}: expected EPSG:4326, got {frame.crs}")
    wkb = shapely.to_wkb(frame.geometry.values, hex=True)
    rows = []
    for values, geom in zip(frame[list(COLUMNS)].itertuples(index=False), wkb, strict=True):
        rows.append((*(_clean(v) for v in values), geom))
    return rows


def iso_alpha3(frame: Any) -> Any:
    """ISO_A3, or ISO_A3_EH when ISO_A3 is -99 and the unit's own code is that ISO code.

    ISO_A3_EH also gives ``FRA`` to Clipperton and ``AUS`` to the Coral Sea Islands (parts of
    those countries in ISO 3166); they keep no ISO code here, so each ISO code names one row.
    """
    unit_is_country = (frame["ISO_A3"] == "-99") & (frame["ISO_A3_EH"] == frame["ADM0_A3"])
    return frame["ISO_A3"].where(~unit_is_country, frame["ISO_A3_EH"])


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text in ("", "-99") else text


def copy_countries(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """COPY into a temp table, then one INSERT that repairs geometry (``ST_MakeValid``)."""
    conn.exec_driver_sql(STAGE)
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    with dbapi.cursor() as cur, cur.copy("COPY _ne_countries FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
