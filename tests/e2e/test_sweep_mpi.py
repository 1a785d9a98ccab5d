"""Sweeps under `mpiexec -n 2`: files for every grid point, the rerun rule (finished runs are
skipped, failed ones rerun), a failing run that leaves the other rank's runs completed,
--dry-run writing nothing, and each run file's preset attribute."""
import re

import h5py
import numpy as np

from conftest import run_ganrun, tiny_sweep_text, tree_state

STEPS, LOG_EVERY = 20, 5


def make_sweep(tmp_path, data_dir):
    out = tmp_path / "out"
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(tiny_sweep_text(out, data_dir, steps=STEPS))
    return sweep, out


def run_ids(out):
    with h5py.File(out / "sweep.h5", "r") as f:
        return [x.decode() if isinstance(x, bytes) else x for x in f["grid/run_id"][:]]


def check_completed(path):
    with h5py.File(path, "r") as f:
        assert f.attrs["status"] == "completed", f.attrs["error"]
        steps = f["metrics/step"][:]
        assert list(steps) == list(range(LOG_EVERY, STEPS + 1, LOG_EVERY))
        for name in ("d_loss", "g_loss", "d_real", "d_fake"):
            values = f["metrics/" + name][:]
            assert values.shape == steps.shape and np.all(np.isfinite(values)), name
        images = f["samples/images"][:]
        assert images.shape == (2, 64, 1, 28, 28)
        assert images.std() > 1.0  # not a constant image
        assert "fc1.weight" in f["generator"]


def test_sweep_on_two_ranks_then_rerun_skips(tmp_path, fashion_test_dir):
    sweep, out = make_sweep(tmp_path, fashion_test_dir)
    r = run_ganrun(["--sweep", sweep], ranks=2)
    assert r.returncode == 0, r.stderr
    ids = run_ids(out)
    assert len(ids) == 4 and len(set(ids)) == 4
    with h5py.File(out / "sweep.h5", "r") as f:
        assert f["sweep_text"][()].decode() == sweep.read_text()
        # Scheduling is dynamic: /grid/rank is the rank that trained each run.
        assert set(f["grid/rank"][:]) <= {0, 1}
        for run_id in ids:
            # The external link resolves to the run file's root.
            assert f["runs/" + run_id].attrs["run_id"] == run_id
    for run_id in ids:
        check_completed(out / "runs" / f"{run_id}.h5")
        assert (out / "runs" / f"{run_id}.png").exists()
    assert "[rank 1]" in r.stderr and "[rank 0]" in r.stderr
    # The summary table: a row per run with its status and steps done / total.
    for run_id in ids:
        assert re.search(rf"^{re.escape(run_id)}\s+completed\s+20/20\s", r.stdout, re.M), r.stdout

    before = tree_state(out / "runs")
    again = run_ganrun(["--sweep", sweep], ranks=2)
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("skipped") == 4
    assert tree_state(out / "runs") == before


def test_failing_run_leaves_others_completed_and_is_rerun(tmp_path, fashion_test_dir):
    sweep, out = make_sweep(tmp_path, fashion_test_dir)
    # Grid order (lr, seed): run 0 = lr 2e-4 seed 0, on whichever rank takes it; it throws at step 2.
    r = run_ganrun(["--sweep", sweep], ranks=2, env={"GANRUN_TEST_THROW": "lr2e-4-s0@2"})
    assert r.returncode == 1, r.stderr
    ids = run_ids(out)
    failed = [i for i in ids if "lr2e-4-s0" in i]
    assert len(failed) == 1
    with h5py.File(out / "runs" / f"{failed[0]}.h5", "r") as f:
        assert f.attrs["status"] == "failed"
        assert "injected failure" in f.attrs["error"]
        assert f.attrs["stop_step"] == 2
    for run_id in ids:
        if run_id != failed[0]:
            check_completed(out / "runs" / f"{run_id}.h5")

    again = run_ganrun(["--sweep", sweep], ranks=2)
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("skipped") == 3
    check_completed(out / "runs" / f"{failed[0]}.h5")


def test_force_reruns_everything(tmp_path, fashion_test_dir):
    sweep, out = make_sweep(tmp_path, fashion_test_dir)
    assert run_ganrun(["--sweep", sweep], ranks=2).returncode == 0
    r = run_ganrun(["--sweep", sweep, "--force"], ranks=2)
    assert r.returncode == 0, r.stderr
    assert "skipped" not in r.stderr


def test_dry_run_prints_plan_and_writes_nothing(tmp_path, fashion_test_dir):
    sweep, out = make_sweep(tmp_path, fashion_test_dir)
    r = run_ganrun(["--sweep", sweep, "--dry-run"], ranks=2)
    assert r.returncode == 0, r.stderr
    assert not out.exists()
    plan_rows = [l for l in r.stderr.splitlines() if l.startswith("gan-")]
    assert len(plan_rows) == 4
    # run, rank, ..., steps: ranks are handed out dynamically and every run has 20 steps.
    assert [row.split()[1] for row in plan_rows] == ["dynamic"] * 4
    assert all(row.split()[-1] == str(STEPS) for row in plan_rows)


def test_run_files_record_their_preset(tmp_path, fashion_test_dir):
    # One run per preset that trains on images, and one with none (""): attrs, /config and the
    # settings the preset chose (arch) agree in every file, whichever rank wrote it.
    out = tmp_path / "out"
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(tiny_sweep_text(out, fashion_test_dir, steps=1,
                                     grid='  preset: ["", collection, paper, cs231n]\n'))
    r = run_ganrun(["--sweep", sweep], ranks=2)
    assert r.returncode == 0, r.stderr
    # Each preset's own arch (runner/presets.cpp); paper sets none for gan, so the default.
    expected = {"none": "mlp", "collection": "dcgan28", "paper": "mlp", "cs231n": "mlp-small"}
    seen = {}
    for run_id in run_ids(out):
        with h5py.File(out / "runs" / f"{run_id}.h5", "r") as f:
            assert f.attrs["status"] == "completed", f.attrs["error"]
            preset = f.attrs["preset"]
            config = f["config"][()].decode()
            seen[preset] = f.attrs["arch"]
        assert ('preset: ""\n' if preset == "none" else f"preset: {preset}\n") in config, config
    assert seen == expected

    # toy-2d through preset: (it chooses the data set, so it gets a sweep of its own).
    toy_out = tmp_path / "toy"
    toy = tmp_path / "toy.yaml"
    toy.write_text(f"name: toy\npreset: toy-2d\nn_critic: 1\ntoy_depth: 1\ntoy_width: 8\n"
                   f"train: {{steps: 1, batch: 8}}\nout: {toy_out}\n")
    r = run_ganrun(["--sweep", toy])
    assert r.returncode == 0, r.stderr
    [run] = (toy_out / "runs").glob("*.h5")
    with h5py.File(run, "r") as f:
        assert f.attrs["status"] == "completed", f.attrs["error"]
        assert f.attrs["preset"] == "toy-2d" and f.attrs["dataset"] == "toy-ring8"
        assert "preset: toy-2d\n" in f["config"][()].decode()
