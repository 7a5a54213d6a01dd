"""[enrich] `Packed`: a thread's term counts or weights as two flat values instead of a dict.

A build keeps, for every thread, its term counts (in its light record), its keyword vector and the scaled vectors
of the related-thread index, in memory and in `.digest-cache/`; as dicts they were the largest part of what a
build keeps (~100 objects per thread to make again each time the cache is read). Packed, the names are one
string and the numbers one array's bytes: a few objects, unpacked only for the threads whose keywords or related
threads are computed again.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

SEPARATOR = "\0"
"""Between names: terms are words, which never hold it (`pack` keeps a dict when one does)."""
INTS = "I"
"""`array` type of non-negative integers below 2**32 (counts, scaled weights)."""
FLOATS = "d"
"""`array` type of floats (a double: exact)."""

V = TypeVar("V", int, float)


@dataclass(frozen=True, slots=True)
class Packed(Generic[V]):
    """Term -> number, in the order of the mapping it was packed from."""

    names: str
    """The terms, joined by `SEPARATOR`."""
    values: bytes
    """The numbers, as the bytes of an `array` of `typecode`."""
    typecode: str
    """`INTS` or `FLOATS`."""

    def unpack(self) -> dict[str, V]:
        return dict(zip(split_names(self.names), array(self.typecode, self.values), strict=True))


Terms = dict[str, int] | Packed[int]
"""A thread's term counts: a dict where it was made, packed in a light record."""


def pack(mapping: Mapping[str, V], typecode: str) -> dict[str, V] | Packed[V]:
    """`mapping` packed as an array of `typecode`; a dict when it cannot be (a name holds the separator, or a
    number does not fit the type)."""
    names = SEPARATOR.join(mapping)
    if names.count(SEPARATOR) != max(len(mapping) - 1, 0):
        return dict(mapping)
    try:
        values = array(typecode, mapping.values())
    except OverflowError:
        return dict(mapping)
    return Packed(names, values.tobytes(), typecode)


def unpack(mapping: dict[str, V] | Packed[V]) -> dict[str, V]:
    """The numbers as a dict (the dict itself when not packed)."""
    return mapping.unpack() if isinstance(mapping, Packed) else mapping


def names(mapping: dict[str, V] | Packed[V]) -> str:
    """The terms joined by `SEPARATOR`, without unpacking."""
    return mapping.names if isinstance(mapping, Packed) else SEPARATOR.join(mapping)


def split_names(joined: str) -> list[str]:
    """`names` as a list."""
    return joined.split(SEPARATOR) if joined else []


__all__ = ["FLOATS", "INTS", "SEPARATOR", "Packed", "Terms", "names", "pack", "split_names", "unpack"]
