"""The kill test: SIGKILL in the middle of run-file writes, at seeded points (an LD_PRELOAD
shim counts write calls on the run file's snapshot and raises SIGKILL at the Nth). Each time
the run file opens plainly, its status is not `completed`, its metric rows are complete up to
the last commit, and rerunning the sweep completes the run."""
import os
import signal

import h5py
import numpy as np
import pytest

from conftest import run_ganrun, tiny_sweep_text

STEPS, LOG_EVERY, SAMPLE_EVERY = 20, 5, 10
SHIM_ENV = {"KILL_SHIM_MATCH": "/runs/.:.h5.tmp", "GANRUN_COMMIT_INTERVAL": "0"}

# With a commit at every log point, the snapshots of one run are, in order:
# start, metrics@5, metrics@10, samples@10, metrics@15, metrics@20, samples@20, final status.
COMMITS = ["start", "m5", "m10", "s10", "m15", "m20", "s20", "final"]
# Killed while writing commit X, the file holds the commit before it:
# (metric rows, sample grids) of that previous snapshot.
EXPECTED_BEFORE = {"m10": ([5], 0), "s10": ([5, 10], 0), "final": ([5, 10, 15, 20], 2)}


@pytest.fixture
def shim():
    path = os.environ.get("GANRUN_KILL_SHIM")
    if not path or not os.path.exists(path):
        pytest.skip("kill shim not built (GANRUN_KILL_SHIM)")
    return path


def commits_from_log(log):
    """Splits the shim's log ("count write path" per counted write, "count rename path" when a
    snapshot's temporary file is renamed over the run file) into commits -> [(first write,
    last write)] in order."""
    spans, first = [], None
    for line in log.read_text().splitlines():
        count, kind, _ = line.split(" ", 2)
        if kind == "write" and first is None:
            first = int(count)
        elif kind == "rename":
            assert first is not None, "a snapshot renamed without writes"
            spans.append((first, int(count)))
            first = None
    return spans


def test_sigkill_during_writes_never_leaves_a_completed_or_broken_file(tmp_path, shim,
                                                                     fashion_test_dir):
    out = tmp_path / "out"
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(tiny_sweep_text(out, fashion_test_dir, grid="  lr: [2.0e-4]\n", steps=STEPS))

    # 1. Count: one full run under the shim, logging every counted write.
    log = tmp_path / "writes.log"
    counted = run_ganrun(["--sweep", sweep],
                         env={"LD_PRELOAD": shim, "KILL_SHIM_LOG": str(log), **SHIM_ENV})
    assert counted.returncode == 0, counted.stderr
    spans = commits_from_log(log)
    assert len(spans) == len(COMMITS), spans
    run_file = next((out / "runs").glob("*.h5"))

    for target, (rows, grids) in EXPECTED_BEFORE.items():
        first, last = spans[COMMITS.index(target)]
        kill_at = (first + last) // 2  # in the middle of that snapshot's writes
        r = run_ganrun(["--sweep", sweep, "--force"],
                       env={"LD_PRELOAD": shim, "KILL_SHIM_AT": str(kill_at), **SHIM_ENV})
        assert r.returncode == -signal.SIGKILL, (target, r.returncode, r.stderr)

        with h5py.File(run_file, "r") as f:  # a plain open, no SWMR, no h5clear
            assert f.attrs["status"] == "running", target
            assert list(f["metrics/step"][:]) == rows, target
            for name in ("wall_s", "d_loss", "g_loss", "d_real", "d_fake"):
                assert f["metrics/" + name].shape == (len(rows),), (target, name)
                assert np.all(np.isfinite(f["metrics/" + name][:]))
            assert f["samples/images"].shape[0] == grids == f["samples/step"].shape[0]

        # 2. A rerun (no --force: the file does not say completed) completes the run.
        rerun = run_ganrun(["--sweep", sweep])
        assert rerun.returncode == 0, rerun.stderr
        assert "skipped" not in rerun.stderr
        with h5py.File(run_file, "r") as f:
            assert f.attrs["status"] == "completed"
            assert list(f["metrics/step"][:]) == [5, 10, 15, 20]
        assert not list((out / "runs").glob(".*.tmp"))
