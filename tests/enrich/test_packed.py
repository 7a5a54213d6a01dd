"""`enrich.packed`: term counts kept compact in light records come back exactly."""

from __future__ import annotations

import pickle

from site_src.enrich.packed import PackedCounts, names, pack, unpack


def test_round_trip_keeps_order_and_counts() -> None:
    counts = {"supply chain": 3, "fentanyl": 7, "china": 1, "ünïcode": 70000}
    packed = pack(counts)
    assert isinstance(packed, PackedCounts)
    assert list(unpack(packed).items()) == list(counts.items())
    assert names(packed) == "supply chain\0fentanyl\0china\0ünïcode" == names(counts)
    assert unpack(pickle.loads(pickle.dumps(packed))) == counts


def test_empty_and_unpackable_counts_stay_exact() -> None:
    assert unpack(pack({})) == {} and names(pack({})) == ""
    odd = {"a\0b": 1, "c": 2}  # a name holding the separator: kept as a dict
    assert pack(odd) == odd and not isinstance(pack(odd), PackedCounts)
    huge = {"a": 1 << 40}  # a count beyond 32 bits: kept as a dict
    assert pack(huge) == huge and not isinstance(pack(huge), PackedCounts)
