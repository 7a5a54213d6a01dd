"""`enrich.packed`: term counts and weights kept compact in light records come back exactly."""

from __future__ import annotations

import pickle

from site_src.enrich.packed import FLOATS, INTS, Packed, names, pack, unpack


def test_round_trip_keeps_order_and_counts() -> None:
    counts = {"supply chain": 3, "fentanyl": 7, "china": 1, "ünïcode": 70000}
    packed = pack(counts, INTS)
    assert isinstance(packed, Packed)
    assert list(unpack(packed).items()) == list(counts.items())
    assert names(packed) == "supply chain\0fentanyl\0china\0ünïcode" == names(counts)
    assert unpack(pickle.loads(pickle.dumps(packed))) == counts


def test_weights_come_back_exactly() -> None:
    weights = {"ballot": 0.256335, "bank": 1 / 3, "bus": 1e-300}
    packed = pack(weights, FLOATS)
    assert isinstance(packed, Packed)
    assert list(unpack(packed).items()) == list(weights.items())


def test_empty_and_unpackable_counts_stay_exact() -> None:
    assert unpack(pack({}, INTS)) == {} and names(pack({}, INTS)) == ""
    odd = {"a\0b": 1, "c": 2}  # a name holding the separator: kept as a dict
    assert pack(odd, INTS) == odd and not isinstance(pack(odd, INTS), Packed)
    huge = {"a": 1 << 40}  # a count beyond 32 bits: kept as a dict
    assert pack(huge, INTS) == huge and not isinstance(pack(huge, INTS), Packed)
    negative = {"a": -1}  # below zero: kept as a dict
    assert pack(negative, INTS) == negative and not isinstance(pack(negative, INTS), Packed)
