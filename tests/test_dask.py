"""Issue 7 item 5: rendering on a Dask cluster through its executor gives the same site."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import REPO

from site_src.config import load_config
from site_src.pipeline import build

distributed = pytest.importorskip("distributed", reason="the [dask] extra is not installed")


@pytest.mark.slow
def test_build_on_a_local_dask_cluster_matches_in_process(tmp_path: Path) -> None:
    config = load_config(REPO, {"output_dir": str(tmp_path / "out")})
    local = build(config, write=False, jobs=1)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = build(config, write=False, executor=client.get_executor())
    assert not remote.report.errors
    assert remote.files == local.files
