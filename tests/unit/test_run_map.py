"""`work.run_map` on an executor: results in order, handed out in batches that get small towards the end, so
every worker stays busy until the last value."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from site_src.work import BATCH, _batches, run_map


@pytest.mark.parametrize("total", [1, 2, 15, 16, 100, 1000, 5046, 20_000])
def test_batches_keep_every_value_in_order_and_end_small(total: int) -> None:
    batches = list(_batches(range(total), total))
    assert [v for batch in batches for v in batch] == list(range(total))
    sizes = [len(batch) for batch in batches]
    assert max(sizes) <= min(BATCH, max(1, total // 16))
    assert sizes == sorted(sizes, reverse=True)  # never a big batch after a small one
    assert sizes[-1] == 1  # the very last value goes alone
    if total >= 1000:
        assert sum(sizes[-10:]) < total // 50  # the tail is a small share of the work


def test_a_wrong_count_loses_nothing() -> None:
    assert [v for batch in _batches(range(50), 10) for v in batch] == list(range(50))
    assert [v for batch in _batches(range(5), 500) for v in batch] == list(range(5))


def test_run_map_on_an_executor_gives_results_in_order() -> None:
    with ThreadPoolExecutor(2) as pool:
        assert list(run_map(lambda v: v * v, list(range(3000)), pool)) == [v * v for v in range(3000)]
        made = (v for v in range(777))
        assert list(run_map(str, made, pool, count=777)) == [str(v) for v in range(777)]
