"""[pickling] Pickle dataclasses fast: the build cache and the first pass's parsed threads use it.

`dump` pickles a slotted dataclass as a call of the class with its field values. Python's default for a
slotted dataclass calls Python-level `__getstate__`/`__setstate__` per object, which made saving and loading
the build state of a 10,000-thread site about a third slower, and loading a parsed thread about as slow as
parsing its file again. Only dataclasses whose fields are all `__init__` arguments qualify; others keep the
default. Anything dumped here loads with plain `pickle.load`.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Callable
from operator import attrgetter
from typing import IO, Any


def dump(value: object, handle: IO[bytes]) -> None:
    _Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL).dump(value)


class _Pickler(pickle.Pickler):
    """Pickles a slotted dataclass as a call of the class with its field values.

    The default for a slotted dataclass calls Python-level `__getstate__`/`__setstate__` per object, which
    made saving and loading the state of a 10,000-thread site about a third slower. Only dataclasses whose
    fields are all `__init__` arguments qualify; others keep the default.
    """

    def reducer_override(self, obj: object) -> Any:
        cls = type(obj)
        values = _VALUES.get(cls, _UNKNOWN)
        if values is _UNKNOWN:
            values = _VALUES[cls] = _field_values(cls)
        if values is None:
            return NotImplemented
        return (cls, values(obj))


_UNKNOWN = object()
_VALUES: dict[type, Any] = {}
"""Class -> a function giving the tuple of an instance's field values (`_field_values`), or None."""


def _field_values(cls: type) -> Callable[[object], tuple[Any, ...]] | None:
    """For a slotted dataclass whose fields are all init arguments: a function from an instance to its field
    values in order (an `attrgetter`, which makes the tuple in C); else None."""
    names = _init_fields(cls)
    if names is None:
        return None
    if len(names) >= 2:
        return attrgetter(*names)  # several names: a tuple
    return lambda obj: tuple([getattr(obj, name) for name in names])


_INIT_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _init_fields(cls: type) -> tuple[str, ...] | None:
    """The field names of a slotted dataclass whose fields are all init arguments, in order; else None."""
    if cls not in _INIT_FIELDS:
        found: dict[str, dataclasses.Field[object]] | None = getattr(cls, "__dataclass_fields__", None)
        plain = found is not None and "__slots__" in cls.__dict__
        if found is not None and plain:
            plain = all(f.init and f._field_type is dataclasses._FIELD for f in found.values())  # type: ignore[attr-defined]
        _INIT_FIELDS[cls] = tuple(found) if found is not None and plain else None
    return _INIT_FIELDS[cls]


__all__ = ["dump"]
