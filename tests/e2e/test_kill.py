"""The kill tests: SIGKILL in the middle of durable writes (an LD_PRELOAD shim counts write calls
on matching files and raises SIGKILL at the Nth). In the middle of each run-file snapshot: the
run file opens plainly, its status is not `completed`, its metric rows are complete up to the
last commit, and rerunning the sweep completes the run. At points drawn by seeded generators
over every run-file and checkpoint write of a sweep with a packed pair and a run alone (one
inside a checkpoint's write, one inside a run-file commit): the rerun completes every run with
parameters, rows and evaluation points identical to the sweep run straight, its metric steps
strictly increasing with no gap, and no checkpoint left."""
import os
import random
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


# Seeded kill points over every durable write of a sweep: run-file snapshots and checkpoints
# (LibTorch archives, written through their temporary files too), a packed pair and a run
# alone, checkpointing every 10 steps.
SEEDED_SWEEP = """name: killpoints
dataset: {{name: toy-ring8}}
variant: gan
arch: toy
toy_width: 32
dtype: float64
pack: 2
train: {{steps: 30, batch: 32, log_every: 5, sample_every: 10, checkpoint_every: 10}}
grid:
  seed: [1, 2, 3]
out: {out}
"""
ALL_WRITES = {"KILL_SHIM_MATCH": "/runs/.:.h5.tmp|/checkpoints/:.pt.tmp",
              "GANRUN_COMMIT_INTERVAL": "0"}
KILL_SEEDS = range(6)


def spans_by_kind(log):
    """The shim's log as [(kind, first write, last write)] per written file, kind "checkpoint"
    or "run file", in order."""
    spans, first = [], None
    for line in log.read_text().splitlines():
        count, kind, path = line.split(" ", 2)
        if kind == "write" and first is None:
            first = int(count)
        elif kind == "rename":
            spans.append(("checkpoint" if "/checkpoints/" in path else "run file", first,
                          int(count)))
            first = None
    return spans


def run_files(out):
    return {p.stem: p for p in sorted((out / "runs").glob("*.h5"))}


def test_seeded_kills_in_checkpoint_and_run_file_writes_resume_exactly(tmp_path, shim):
    def sweep_for(name):
        path = tmp_path / f"{name}.yaml"
        path.write_text(SEEDED_SWEEP.format(out=tmp_path / name))
        return path

    # The uninterrupted sweep, counting its writes.
    log = tmp_path / "writes.log"
    r = run_ganrun(["--sweep", sweep_for("straight"), "--threads", 1],
                   env={"LD_PRELOAD": shim, "KILL_SHIM_LOG": str(log), **ALL_WRITES})
    assert r.returncode == 0, r.stderr
    spans = spans_by_kind(log)
    kinds = [kind for kind, _, _ in spans]
    # Per run (the pair as one): checkpoints at 10 and 20, snapshots at every log point.
    assert kinds.count("checkpoint") == 4 and kinds.count("run file") > 10, kinds
    total = spans[-1][2]
    straight = run_files(tmp_path / "straight")
    assert len(straight) == 3

    for seed in KILL_SEEDS:
        rng = random.Random(seed)
        if seed < 2:  # one inside a checkpoint's write, one inside a run-file commit
            wanted = "checkpoint" if seed == 0 else "run file"
            _, first, last = rng.choice([s for s in spans if s[0] == wanted])
            kill_at = rng.randint(first, last)
        else:
            kill_at = rng.randint(1, total)
        name = f"seed{seed}"
        sweep = sweep_for(name)
        r = run_ganrun(["--sweep", sweep, "--threads", 1],
                       env={"LD_PRELOAD": shim, "KILL_SHIM_AT": str(kill_at), **ALL_WRITES})
        assert r.returncode == -signal.SIGKILL, (seed, kill_at, r.returncode, r.stderr)
        r = run_ganrun(["--sweep", sweep, "--threads", 1])
        assert r.returncode == 0, (seed, kill_at, r.stderr)

        out = tmp_path / name
        resumed = run_files(out)
        assert sorted(resumed) == sorted(straight), seed
        for run_id, path in resumed.items():
            with h5py.File(path, "r") as a, h5py.File(straight[run_id], "r") as b:
                where = (seed, kill_at, run_id)
                assert a.attrs["status"] == "completed", where
                steps = list(a["metrics/step"][:])
                assert steps == [5, 10, 15, 20, 25, 30], where  # increasing, no gap
                for metric in b["metrics"]:
                    if metric != "wall_s":
                        assert np.array_equal(a["metrics"][metric][:], b["metrics"][metric][:]), \
                            where + (metric,)
                for array in b["generator"]:
                    assert np.array_equal(a["generator"][array][:], b["generator"][array][:]), \
                        where + (array,)
                for array in ("step", "points"):
                    assert np.array_equal(a["toy"][array][:], b["toy"][array][:]), where
        assert not list((out / "checkpoints").rglob("*.pt")), seed  # completed: none kept
