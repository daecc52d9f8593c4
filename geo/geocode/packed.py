"""The gazetteer's on-disk form: columns and flat arrays that unpickle in bulk.

Unpickling ~170 k :class:`~geo.geocode.model.Place` objects and ~370 k index tuples took about a
second per process; the placement checks of an import touch a few hundred of them. So the cache
holds the places as columns (one string of names, float arrays, small code tables) and the
index as one string of keys with offsets into a flat array of place numbers. A ``Place`` and a
key's tuple are made the first time a look-up asks for them and kept, so every answer equals
the one of the freshly built index.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping
from dataclasses import fields
from typing import Any

from geo.geocode.model import Place

SEP = "\x1f"  # unit separator: never in a folded key or a place name (checked when packing)
NO_POPULATION = -(2**63)
_CODED = ("kind", "precision", "country", "source", "coast_of")  # few distinct values each
_FLOATS = ("lat", "lon", "uncertainty_m")
_FIELDS = tuple(f.name for f in fields(Place))


def _join(strings: list[str]) -> str:
    if any(SEP in s for s in strings):
        raise ValueError("separator inside a gazetteer string")
    return SEP.join(strings)


def _split(joined: str, count: int) -> list[str]:
    strings = joined.split(SEP) if count else []
    if len(strings) != count:
        raise ValueError("gazetteer strings do not match their arrays")
    return strings


class PlaceTable:
    """Places by number, stored as columns; each ``Place`` is made on first use."""

    __slots__ = ("_cols", "_made")

    def __init__(self, cols: dict[str, Any]) -> None:
        self._cols = cols
        self._made: list[Place | None] = [None] * len(cols["lat"])

    @staticmethod
    def pack(places: list[Place]) -> dict[str, Any]:
        cols: dict[str, Any] = {"name": _join([p.name for p in places])}
        for name in _FLOATS:
            cols[name] = array("d", [getattr(p, name) for p in places])
        cols["population"] = array(
            "q", [NO_POPULATION if p.population is None else p.population for p in places]
        )
        for name in _CODED:
            values = [getattr(p, name) for p in places]
            table = list(dict.fromkeys(values))
            code = {v: i for i, v in enumerate(table)}
            cols[name] = (table, array("H", [code[v] for v in values]))
        return cols

    def __len__(self) -> int:
        return len(self._made)

    def place(self, i: int) -> Place:
        made = self._made[i]
        if made is None:
            made = self._made[i] = self._make(i)
        return made

    def _make(self, i: int) -> Place:
        c = self._cols
        if isinstance(c["name"], str):  # split the names once, on the first place asked for
            c["name"] = _split(c["name"], len(self._made))
        pop = c["population"][i]
        values: dict[str, Any] = {
            "name": c["name"][i],
            "population": None if pop == NO_POPULATION else pop,
        }
        for name in _FLOATS:
            values[name] = c[name][i]
        for name in _CODED:
            table, codes = c[name]
            values[name] = table[codes[i]]
        return Place(**values)


def _bucket(key: str) -> str:
    """Keys are hashed into dicts per first letter and length, and only for the buckets that
    look-ups reach: hashing all ~370 k keys would cost as much as the rest of the load."""
    return f"{key[:1]}{len(key)}"


class PlaceIndex(Mapping[str, tuple[Place, ...]]):
    """Folded name -> places, read from the packed arrays; tuples are made on first use."""

    __slots__ = ("_table", "_buckets", "_pos", "_offsets", "_ids", "_made")

    def __init__(
        self,
        table: PlaceTable,
        buckets: dict[str, tuple[int, int, str]],
        offsets: array[int],
        ids: array[int],
    ) -> None:
        self._table = table
        self._buckets = buckets  # bucket -> (first key number, key count, joined keys)
        self._pos: dict[str, dict[str, int]] = {}  # bucket -> key -> key number, when read
        self._offsets = offsets
        self._ids = ids
        self._made: dict[str, tuple[Place, ...]] = {}

    def _number(self, key: str) -> int | None:
        bucket = _bucket(key)
        pos = self._pos.get(bucket)
        if pos is None:
            packed = self._buckets.get(bucket)
            if packed is None:
                return None
            first, count, joined = packed
            keys = _split(joined, count)
            pos = self._pos[bucket] = dict(zip(keys, range(first, first + count), strict=True))
        return pos.get(key)

    def _places(self, key: str, i: int) -> tuple[Place, ...]:
        span = self._ids[self._offsets[i] : self._offsets[i + 1]]
        made = self._made[key] = tuple(self._table.place(j) for j in span)
        return made

    def __getitem__(self, key: str) -> tuple[Place, ...]:
        made = self._made.get(key)
        if made is None:
            i = self._number(key)
            if i is None:
                raise KeyError(key)
            made = self._places(key, i)
        return made

    def get(self, key: str, default: Any = None) -> Any:
        """Like ``dict.get``, without Mapping's exception round trip on a miss."""
        made = self._made.get(key)
        if made is None:
            i = self._number(key)
            return default if i is None else self._places(key, i)
        return made

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self._made or self._number(key) is not None)

    def __iter__(self) -> Iterator[str]:
        for _first, count, joined in self._buckets.values():
            yield from _split(joined, count)

    def __len__(self) -> int:
        return len(self._offsets) - 1


class KeyBlocks(Mapping[str, tuple[str, ...]]):
    """Fuzzy block -> index keys, kept as one joined string per block until first asked for."""

    __slots__ = ("_packed", "_made")

    def __init__(self, packed: dict[str, tuple[int, str]]) -> None:
        self._packed = packed  # block -> (key count, joined keys)
        self._made: dict[str, tuple[str, ...]] = {}

    def __getitem__(self, block: str) -> tuple[str, ...]:
        made = self._made.get(block)
        if made is None:
            count, joined = self._packed[block]
            made = self._made[block] = tuple(_split(joined, count))
        return made

    def get(self, block: str, default: Any = None) -> Any:
        """Like ``dict.get``, without Mapping's exception round trip on a miss."""
        return self[block] if block in self._packed else default

    def __contains__(self, block: object) -> bool:
        return block in self._packed

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)


def pack_index(
    index: Mapping[str, tuple[Place, ...]], fuzzy_keys: Mapping[str, tuple[str, ...]]
) -> dict[str, Any]:
    """The name index and fuzzy blocks as plain strings and arrays (pickled in bulk)."""
    by_bucket: dict[str, list[str]] = {}
    for key in index:
        by_bucket.setdefault(_bucket(key), []).append(key)
    number: dict[int, int] = {}  # id(place) -> place number; shared places are stored once
    places: list[Place] = []
    buckets: dict[str, tuple[int, int, str]] = {}
    offsets, ids = array("I", [0]), array("I")
    for bucket, keys in by_bucket.items():
        buckets[bucket] = (len(offsets) - 1, len(keys), _join(keys))
        for key in keys:
            for p in index[key]:
                j = number.get(id(p))
                if j is None:
                    j = number[id(p)] = len(places)
                    places.append(p)
                ids.append(j)
            offsets.append(len(ids))
    return {
        "places": PlaceTable.pack(places),
        "buckets": buckets,
        "offsets": offsets,
        "ids": ids,
        "blocks": {b: (len(keys), _join(list(keys))) for b, keys in fuzzy_keys.items()},
    }


def unpack_index(packed: dict[str, Any]) -> tuple[PlaceIndex, KeyBlocks]:
    """The mappings the resolver reads, over the packed arrays (no ``Place`` made yet)."""
    table = PlaceTable(packed["places"])
    index = PlaceIndex(table, packed["buckets"], packed["offsets"], packed["ids"])
    return index, KeyBlocks(packed["blocks"])
