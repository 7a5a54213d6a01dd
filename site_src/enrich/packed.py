"""[enrich] `PackedCounts`: a thread's term counts as two flat values instead of a dict.

A build keeps a light record of every thread, in memory and in `.digest-cache/`; a dict of ~100 terms was the
largest part of each (~2.7 KB, and ~100 objects to make again when the cache is read). Packed, the names are one
string and the counts one array's bytes: a few objects, a third of the memory, unpacked only for the threads
whose keywords are computed again.
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


Terms = dict[str, int] | PackedCounts
"""A thread's term counts: a dict where it was made, packed in a light record."""


def pack(counts: Mapping[str, int]) -> Terms:
    """`counts` packed (as a dict when a name holds the separator or a count does not fit in 32 bits)."""
    names = SEPARATOR.join(counts)
    if names.count(SEPARATOR) != max(len(counts) - 1, 0) or any(not 0 <= c < 1 << 32 for c in counts.values()):
        return dict(counts)
    return PackedCounts(names, array("I", counts.values()).tobytes())


def unpack(terms: Terms) -> dict[str, int]:
    """The counts as a dict (the dict itself when not packed)."""
    return terms if isinstance(terms, dict) else terms.unpack()


def names(terms: Terms) -> str:
    """The terms joined by `SEPARATOR`, without unpacking."""
    return terms.names if isinstance(terms, PackedCounts) else SEPARATOR.join(terms)


__all__ = ["PackedCounts", "Terms", "names", "pack", "unpack"]
