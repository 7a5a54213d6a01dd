"""[enrich] `PackedCounts`, `PackedWeights`: a thread's term counts or weights as two flat values, not a dict.

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

SEPARATOR = "\0"
"""Between names: terms are words, which never hold it (`pack` keeps a dict when one does)."""


@dataclass(frozen=True, slots=True)
class PackedCounts:
    """Term -> count, in the order of the dict it was packed from."""

    names: str
    """The terms, joined by `SEPARATOR`."""
    counts: bytes
    """The counts, as the bytes of an unsigned 32-bit `array`."""

    def unpack(self) -> dict[str, int]:
        if not self.names:
            return {}
        return dict(zip(self.names.split(SEPARATOR), array("I", self.counts), strict=True))

    def name_list(self) -> list[str]:
        return self.names.split(SEPARATOR) if self.names else []


@dataclass(frozen=True, slots=True)
class PackedWeights:
    """Term -> weight (a float), in the order of the dict it was packed from."""

    names: str
    """The terms, joined by `SEPARATOR`."""
    weights: bytes
    """The weights, as the bytes of a double `array` (exact: a float is a double)."""

    def unpack(self) -> dict[str, float]:
        if not self.names:
            return {}
        return dict(zip(self.names.split(SEPARATOR), array("d", self.weights), strict=True))


Terms = dict[str, int] | PackedCounts
"""A thread's term counts: a dict where it was made, packed in a light record."""


def pack(counts: Mapping[str, int]) -> Terms:
    """`counts` packed (as a dict when a name holds the separator or a count does not fit in 32 bits)."""
    names = SEPARATOR.join(counts)
    if names.count(SEPARATOR) != max(len(counts) - 1, 0) or any(not 0 <= c < 1 << 32 for c in counts.values()):
        return dict(counts)
    return PackedCounts(names, array("I", counts.values()).tobytes())


def pack_weights(weights: Mapping[str, float]) -> dict[str, float] | PackedWeights:
    """`weights` packed (as a dict when a name holds the separator)."""
    names = SEPARATOR.join(weights)
    if names.count(SEPARATOR) != max(len(weights) - 1, 0):
        return dict(weights)
    return PackedWeights(names, array("d", weights.values()).tobytes())


def unpack_weights(weights: Mapping[str, float] | PackedWeights) -> Mapping[str, float]:
    """The weights as a mapping (the mapping itself when not packed)."""
    return weights.unpack() if isinstance(weights, PackedWeights) else weights


def unpack(terms: Terms) -> dict[str, int]:
    """The counts as a dict (the dict itself when not packed)."""
    return terms if isinstance(terms, dict) else terms.unpack()


def names(terms: Terms) -> str:
    """The terms joined by `SEPARATOR`, without unpacking."""
    return terms.names if isinstance(terms, PackedCounts) else SEPARATOR.join(terms)


__all__ = ["PackedCounts", "PackedWeights", "Terms", "names", "pack", "pack_weights", "unpack", "unpack_weights"]
