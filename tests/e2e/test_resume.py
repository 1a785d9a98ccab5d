"""Resume through the real binary: `ganrun train` killed (SIGKILL) a few steps after a
checkpoint, rerun in a fresh process, ends bitwise equal to the same run trained straight
(generator, metric rows but wall_s, toy evaluation points), its file with no duplicate and no
missing row, `attempts` 2 and `resumed_from_step` the checkpoint's step, and its checkpoints
gone once it completed; `--force` discards them and starts over. A data-parallel run under
`mpiexec -n 2` (each rank its own checkpoint file) resumes the same way on 2 ranks, and is
refused (exit 2, naming the fix, nothing changed) on 1."""
import h5py
import numpy as np

from conftest import run_ganrun

ARGS = ["train", "--dataset", "toy-ring8", "--arch", "toy", "--toy-width", 32, "--dtype",
        "float64", "--steps", 40, "--batch", 32, "--log-every", 5, "--sample-every", 10,
        "--checkpoint-every", 10, "--threads", 1, "--device", "cpu"]


def only_run(out):
    (path,) = (out / "runs").glob("*.h5")
    return path


def killed_run(tmp_path, name, step):
    out = tmp_path / name
    # Every log point committed, so the file holds rows past the checkpoint that resume drops.
    r = run_ganrun(ARGS + ["--out", out],
                   env={"GANRUN_TEST_KILL": f"@{step}", "GANRUN_COMMIT_INTERVAL": "0"})
    assert r.returncode == -9, (r.returncode, r.stderr)
    with h5py.File(only_run(out), "r") as f:
        assert f.attrs["status"] == "running"
    # The killed process's out-folder lock is left behind (stale): the rerun takes it over.
    assert "pid " in (out / ".ganrun.lock").read_text()
    return out


def assert_resumed_at_20_equals_straight(a, b):
    """Run file b (a second attempt resumed from step 20) completed with every metric row but
    wall_s and every generator array bitwise equal to run file a's (trained straight)."""
    assert b.attrs["status"] == "completed"
    assert b.attrs["attempts"] == 2 and b.attrs["resumed_from_step"] == 20
    assert list(b["metrics/step"][:]) == list(range(5, 41, 5))
    for name in a["metrics"]:
        if name != "wall_s":
            assert np.array_equal(a["metrics"][name][:], b["metrics"][name][:]), name
    for name in a["generator"]:
        assert np.array_equal(a["generator"][name][:], b["generator"][name][:]), name


def test_a_killed_run_resumes_from_its_checkpoint_exactly(tmp_path):
    straight = tmp_path / "straight"
    r = run_ganrun(ARGS + ["--out", straight])
    assert r.returncode == 0, r.stderr

    out = killed_run(tmp_path, "resumed", 27)  # checkpoints at 10 and 20; row 25 committed
    ckpt = out / "checkpoints"
    (run_dir,) = ckpt.iterdir()
    assert sorted(p.name for p in run_dir.iterdir()) == ["step-10.pt", "step-20.pt"]
    with h5py.File(only_run(out), "r") as f:
        assert list(f["metrics/step"][:]) == [5, 10, 15, 20, 25]
    r = run_ganrun(ARGS + ["--out", out])
    assert r.returncode == 0, r.stderr
    assert not run_dir.exists()  # a completed run keeps no checkpoint

    with h5py.File(only_run(straight), "r") as a, h5py.File(only_run(out), "r") as b:
        assert a.attrs["attempts"] == 1 and a.attrs["resumed_from_step"] == 0
        assert_resumed_at_20_equals_straight(a, b)
        for name in ("step", "points", "field"):
            assert np.array_equal(a["toy"][name][:], b["toy"][name][:]), name


def test_force_discards_the_checkpoints_and_starts_over(tmp_path):
    out = killed_run(tmp_path, "forced", 13)
    r = run_ganrun(ARGS + ["--out", out, "--force"])
    assert r.returncode == 0, r.stderr
    with h5py.File(only_run(out), "r") as f:
        assert f.attrs["status"] == "completed"
        assert f.attrs["attempts"] == 2 and f.attrs["resumed_from_step"] == 0
        assert list(f["metrics/step"][:]) == list(range(5, 41, 5))
    assert not any((out / "checkpoints").rglob("*.pt"))


def test_a_data_parallel_run_resumes_on_its_group_size_only(tmp_path):
    dp = ARGS + ["--data-parallel"]
    straight = tmp_path / "straight"
    r = run_ganrun(dp + ["--out", straight], ranks=2)
    assert r.returncode == 0, r.stderr

    out = tmp_path / "resumed"
    # Both ranks are killed at step 27: each rank's checkpoints of steps 10 and 20 stay.
    r = run_ganrun(dp + ["--out", out], ranks=2,
                   env={"GANRUN_TEST_KILL": "@27", "GANRUN_COMMIT_INTERVAL": "0"})
    assert r.returncode != 0, r.stderr
    (run_dir,) = (out / "checkpoints").iterdir()
    assert sorted(p.name for p in run_dir.iterdir()) == [
        f"step-{s}.rank-{r}-of-2.pt" for s in (10, 20) for r in (0, 1)]
    before = only_run(out).read_bytes()

    # Another group size is refused, naming the run and the fix; nothing changes.
    r = run_ganrun(dp + ["--out", out], ranks=1)
    assert r.returncode == 2, r.stderr
    assert "group of 2 rank(s)" in r.stderr and "--force" in r.stderr, r.stderr
    assert only_run(out).read_bytes() == before
    assert len(list(run_dir.iterdir())) == 4

    r = run_ganrun(dp + ["--out", out], ranks=2)
    assert r.returncode == 0, r.stderr
    assert not run_dir.exists()
    with h5py.File(only_run(straight), "r") as a, h5py.File(only_run(out), "r") as b:
        assert_resumed_at_20_equals_straight(a, b)
