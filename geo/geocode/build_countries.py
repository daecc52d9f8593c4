"""Build ``geo/data/countries.csv`` from the vendored Natural Earth admin-0 zip.

Run once when the boundaries zip changes (``python -m geo.geocode.build_countries``); the
geocoder then reads a 250-row CSV instead of opening a shapefile at run time.

Per country we keep the ``ADM0_A3`` code (our country code), the ISO alpha-2 code (to map
GeoNames cities to ``ADM0_A3``), every Latin-script name Natural Earth carries plus a few
common aliases, the Natural Earth label point (chosen by NE to sit inside the main landmass)
and a radius: the largest geodesic distance from that point to the outline of the country's
largest polygon, so a circle of that radius covers the mainland.

It also writes ``geo/data/borders.csv``: for every pair of countries that share a land border,
the point of the shared line nearest its centre and the radius that covers the whole line, so
"Egypt-Libya border" resolves to a point on that border rather than between two capitals.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from geo.geocode.text import repair_mojibake

ROOT = Path(__file__).resolve().parents[2]
ZIP = ROOT / "boundaries" / "data" / "ne_10m_admin_0_countries_deu.zip"
OUT = ROOT / "geo" / "data" / "countries.csv"
BORDERS_OUT = ROOT / "geo" / "data" / "borders.csv"

# English-language names only: other languages' names collide with places ("Granada" is
# Grenada in Spanish); local names that incident texts do use are listed in EXTRA_NAMES.
NAME_COLUMNS = (
    "NAME",
    "NAME_LONG",
    "ADMIN",
    "GEOUNIT",
    "SUBUNIT",
    "BRK_NAME",
    "FORMAL_EN",
    "NAME_CIAWF",
    "NAME_SORT",
    "NAME_ALT",
    "NAME_EN",
)

# Names that recur in incident texts but that Natural Earth does not spell out.
EXTRA_NAMES: dict[str, tuple[str, ...]] = {
    "USA": ("USA", "U.S.A.", "U.S.", "US", "United States of America"),
    "GBR": ("UK", "U.K.", "Britain", "Great Britain", "England", "Scotland", "Wales", "British"),
    "TUR": ("Turkey", "Türkiye", "Turkiye", "Turkish"),
    "SYR": ("Syria", "Syrian Arab Republic", "Syrian"),
    "COD": ("DRC", "DR Congo", "Democratic Republic of Congo", "Congo-Kinshasa"),
    "COG": ("Congo-Brazzaville", "Republic of Congo"),
    "CIV": ("Ivory Coast", "Cote d'Ivoire"),
    "MKD": ("Macedonia", "FYROM", "North Macedonia", "Macedonian"),
    "CZE": ("Czech Republic", "Czechia"),
    "IRN": ("Iran", "Islamic Republic of Iran", "Iranian"),
    "IRQ": ("Iraqi", "Iraqi Kurdistan"),
    "RUS": ("Russia", "Russian Federation", "Russian"),
    "LAO": ("Laos",),
    "MMR": ("Myanmar", "Burma"),
    "KOR": ("South Korea",),
    "PRK": ("North Korea",),
    "SAH": ("Western Sahara",),
    "PSX": ("Palestine", "Gaza", "Gaza Strip", "West Bank"),
    "BIH": ("Bosnia", "Bosnia and Herzegovina", "Bosnia-Herzegovina", "Bosnian"),
    "DOM": ("Dominican Republic", "Dominican Rep."),
    "SDS": ("South Sudan",),
    "TZA": ("Tanzania",),
    "VEN": ("Venezuela",),
    "BOL": ("Bolivia",),
    # Adjectives and frequent misspellings of incident texts ("Libyan coast", "Lybia").
    "LBY": ("Libya", "Libyan", "Lybia", "Lybian"),
    "SDN": ("Sudanese",),
    "EGY": ("Egyptian",),
    "TUN": ("Tunisian", "Tunsia"),
    "DZA": ("Algerian",),
    "MAR": ("Moroccan",),
    "ESP": ("Spanish", "España"),
    "ITA": ("Italian", "Italia"),
    "GRC": ("Greek", "Hellas"),
    "FRA": ("French",),
    "DEU": ("German", "Deutschland"),
    "AUT": ("Austrian",),
    "HUN": ("Hungarian",),
    "SRB": ("Serbian",),
    "HRV": ("Croatian",),
    "BGR": ("Bulgarian",),
    "MEX": ("Mexican", "México"),
    "ERI": ("Eritrean",),
    "ETH": ("Ethiopian",),
    "SOM": ("Somali",),
    "YEM": ("Yemeni",),
    "AFG": ("Afghan",),
    "PAK": ("Pakistani",),
    "BGD": ("Bangladeshi",),
    "NER": ("Nigerien",),
}

_LATIN = re.compile(r"^[\w\s.,'’()\-&]+$")


def _is_latin(name: str) -> bool:
    """Keep names a Latin-script incident text could contain."""
    return bool(_LATIN.match(name)) and all(ord(ch) < 0x250 for ch in name)


def build(zip_path: Path = ZIP, out: Path = OUT) -> int:
    """Write the countries table; return the number of rows."""
    import geopandas as gpd
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    frame = gpd.read_file(f"zip://{zip_path}!ne_10m_admin_0_countries_deu.shp")
    rows: list[dict[str, str]] = []
    for rec in frame.itertuples(index=False):
        code = str(rec.ADM0_A3)
        names: list[str] = []
        for column in NAME_COLUMNS:
            value = getattr(rec, column, None)
            if isinstance(value, str) and value.strip():
                value = repair_mojibake(value.strip())  # the .dbf is read as latin-1
                if _is_latin(value):
                    names.append(value)
        names.extend(EXTRA_NAMES.get(code, ()))
        unique = list(dict.fromkeys(names))
        geom = rec.geometry
        parts = list(getattr(geom, "geoms", [geom]))
        main = max(parts, key=lambda p: p.area)
        lon, lat = float(rec.LABEL_X), float(rec.LABEL_Y)
        if not main.buffer(0).contains(type(main.centroid)(lon, lat)):
            point = main.representative_point()
            lon, lat = point.x, point.y
        xs, ys = main.exterior.coords.xy
        _, _, dist = geod.inv([lon] * len(xs), [lat] * len(ys), list(xs), list(ys))
        radius = max(dist)
        iso2 = str(rec.ISO_A2_EH) if str(rec.ISO_A2_EH) != "-99" else ""
        rows.append(
            {
                "adm0_a3": code,
                "iso_a2": iso2,
                "name": repair_mojibake(str(rec.NAME)),
                "names": "|".join(unique),
                "lat": f"{lat:.4f}",
                "lon": f"{lon:.4f}",
                "radius_m": str(int(round(radius, -3))),
            }
        )
    rows.sort(key=lambda r: r["adm0_a3"])
    _write_borders(frame, geod)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def _write_borders(frame: object, geod: object, out: Path = BORDERS_OUT) -> int:
    """Write one row per pair of countries sharing a land border."""
    import shapely
    from shapely.ops import nearest_points

    geoms = list(frame.geometry)  # type: ignore[attr-defined]
    codes = [str(c) for c in frame.ADM0_A3]  # type: ignore[attr-defined]
    tree = shapely.STRtree(geoms)
    rows: list[dict[str, str]] = []
    for i, geom in enumerate(geoms):
        for j in tree.query(geom, predicate="intersects"):
            j = int(j)
            if j <= i:
                continue
            shared = geom.boundary.intersection(geoms[j].boundary)
            if shared.is_empty or shared.length < 0.01:
                continue
            point = nearest_points(shared, shared.centroid)[0]
            coords = shapely.get_coordinates(shared)
            n = len(coords)
            _, _, dist = geod.inv(  # type: ignore[attr-defined]
                [point.x] * n, [point.y] * n, list(coords[:, 0]), list(coords[:, 1])
            )
            a, b = sorted((codes[i], codes[j]))
            rows.append(
                {
                    "a": a,
                    "b": b,
                    "lat": f"{point.y:.4f}",
                    "lon": f"{point.x:.4f}",
                    "radius_m": str(int(round(max(dist), -3))),
                }
            )
    rows.sort(key=lambda r: (r["a"], r["b"]))
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["a", "b", "lat", "lon", "radius_m"])
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    print(f"wrote {build()} countries to {OUT.relative_to(ROOT)}")
