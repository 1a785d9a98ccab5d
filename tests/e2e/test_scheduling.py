"""Dynamic sweep scheduling under mpiexec: a run held open by a test hook does not stop the
other ranks from taking every other run (each run exactly once, logged in sweep.h5's
/assignments); a diverging run is a result (exit 0) and a failing one makes the sweep exit 1,
and re-invoking the sweep reruns only what did not complete; ranks_per_run is checked against
the number of ranks and the batch."""
import h5py
import numpy as np

from conftest import ganrun_lines, run_ganrun, tiny_sweep_text, tree_state

STEPS = 5  # tiny runs: the point is who trains what, not what is learned


def make_sweep(tmp_path, data_dir, grid, extra=""):
    out = tmp_path / "out"
    sweep = tmp_path / "sweep.yaml"
    text = tiny_sweep_text(out, data_dir, grid=grid, steps=STEPS, extra=extra)
    sweep.write_text(text.replace("batch: 16, log_every: 5, sample_every: 10",
                                  "batch: 8, log_every: 1, sample_every: 0"))
    return sweep, out


def text(x):
    return x.decode() if isinstance(x, bytes) else x


def assignments(out, invocation=None):
    """The rows of /assignments as dicts, of one invocation (default: the latest)."""
    with h5py.File(out / "sweep.h5", "r") as f:
        a = f["assignments"]
        rows = [dict(invocation=int(i), rank=int(r), group=int(g), run_id=text(id_),
                     start=float(s), end=float(e), outcome=text(o))
                for i, r, g, id_, s, e, o in zip(a["invocation"][:], a["rank"][:], a["group"][:],
                                                 a["run_id"][:], a["start"][:], a["end"][:],
                                                 a["outcome"][:])]
        ids = [text(x) for x in f["grid/run_id"][:]]
    if invocation is None:
        invocation = max((r["invocation"] for r in rows), default=0)
    return [r for r in rows if r["invocation"] == invocation], ids


def status(out, run_id):
    with h5py.File(out / "runs" / f"{run_id}.h5", "r") as f:
        return f.attrs["status"], int(f.attrs["stop_step"]), f.attrs["error"]


def test_held_run_does_not_delay_the_others(tmp_path, fashion_test_dir):
    # 7 runs on 3 ranks; the hook holds seed 0 (grid order: handed out first) until the log
    # shows the 6 others ended. A static round-robin would give its rank 2 more runs (0, 3, 6).
    seeds = list(range(7))
    sweep, out = make_sweep(tmp_path, fashion_test_dir, f"  seed: {seeds}\n")
    r = run_ganrun(["--sweep", sweep], ranks=3, env={"GANRUN_TEST_HOLD": "-s0-"})
    assert r.returncode == 0, r.stderr
    rows, ids = assignments(out)
    assert len(ids) == 7
    assert sorted(row["run_id"] for row in rows) == sorted(ids)  # each run exactly once
    assert all(row["outcome"] == "completed" for row in rows)
    assert all(row["group"] == row["rank"] for row in rows)  # ranks_per_run 1
    held = [row for row in rows if "-s0-" in row["run_id"]]
    assert len(held) == 1
    holder = held[0]["rank"]
    assert [row["run_id"] for row in rows if row["rank"] == holder] == [held[0]["run_id"]]
    others = [row for row in rows if row["rank"] != holder]
    assert held[0]["end"] >= max(row["end"] for row in others)
    assert {row["rank"] for row in others} == {0, 1, 2} - {holder}
    # /grid/rank is who trained each run; the per-rank files hold the same lines.
    with h5py.File(out / "sweep.h5", "r") as f:
        by_id = dict(zip(ids, f["grid/rank"][:]))
    assert all(by_id[row["run_id"]] == row["rank"] for row in rows)
    logged = sorted(p.name for p in (out / "assignments").iterdir())
    assert set(logged) <= {"rank-0.tsv", "rank-1.tsv", "rank-2.tsv"} and f"rank-{holder}.tsv" in logged


def test_diverged_run_is_a_result_and_rerun_runs_nothing(tmp_path, fashion_test_dir):
    # Adam's first update moves every weight by about lr (its normalised step is ~1 per
    # element): at lr 1e20 the critic's logits overflow and the generator loss is NaN at step 1
    # (measured; lr 1e6 and 1e10 stay finite for 5 steps).
    sweep, out = make_sweep(tmp_path, fashion_test_dir,
                            "  lr: [1.0e-4, 2.0e-4, 1.0e-3, 1.0e+20]\n")
    r = run_ganrun(["--sweep", sweep], ranks=4)
    assert r.returncode == 0, r.stderr
    rows, ids = assignments(out)
    assert sorted(row["run_id"] for row in rows) == sorted(ids)
    poisoned = [i for i in ids if "lr1e20" in i]
    assert len(poisoned) == 1
    st, step, error = status(out, poisoned[0])
    assert st == "diverged" and 1 <= step <= STEPS and error
    for run_id in ids:
        if run_id != poisoned[0]:
            assert status(out, run_id)[0] == "completed"
    assert poisoned[0] in r.stdout and "diverged at step" in r.stdout  # the closing summary

    before = tree_state(out / "runs")
    again = run_ganrun(["--sweep", sweep], ranks=4)
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("skipped") == 4
    assert tree_state(out / "runs") == before
    latest, _ = assignments(out)
    assert {row["invocation"] for row in latest} == {1}  # the second invocation ran nothing


def test_failed_run_exits_1_and_only_it_is_rerun(tmp_path, fashion_test_dir):
    sweep, out = make_sweep(tmp_path, fashion_test_dir, "  lr: [1.0e-4, 2.0e-4, 1.0e-3]\n  seed: [0]\n")
    r = run_ganrun(["--sweep", sweep], ranks=4, env={"GANRUN_TEST_THROW": "lr1e-3@2"})
    assert r.returncode == 1, r.stderr
    rows, ids = assignments(out)
    failed = [i for i in ids if "lr1e-3" in i]
    assert len(failed) == 1
    assert status(out, failed[0])[:2] == ("failed", 2)
    assert [row["outcome"] for row in rows if row["run_id"] == failed[0]] == ["failed"]
    assert f"{failed[0]}  failed at step 2: injected failure" in r.stdout

    again = run_ganrun(["--sweep", sweep], ranks=4)
    assert again.returncode == 0, again.stderr
    latest, _ = assignments(out)
    assert [(row["invocation"], row["run_id"], row["outcome"]) for row in latest] == \
        [(2, failed[0], "completed")]
    assert again.stderr.count("skipped") == 2


def test_dry_run_shows_dynamic_ranks_and_what_each_rank_got(tmp_path, fashion_test_dir):
    sweep, out = make_sweep(tmp_path, fashion_test_dir, "  seed: [0, 1, 2]\n")
    r = run_ganrun(["--sweep", sweep, "--dry-run"], ranks=2)
    assert r.returncode == 0, r.stderr
    assert not out.exists()
    lines = r.stderr.splitlines()
    plan_rows = [l.split() for l in lines if l.startswith("gan-")]
    assert [row[1] for row in plan_rows] == ["dynamic"] * 3
    rank_rows = [l.split() for l in lines if l[:2] in ("0 ", "1 ")]
    # rank, host, local_rank, group, device, threads: one row per rank, on the CPU.
    assert [(row[0], row[2], row[3], row[4]) for row in rank_rows] == \
        [("0", "0", "0", "cpu"), ("1", "1", "1", "cpu")]
    assert all(int(row[5]) >= 1 for row in rank_rows)


def test_ranks_per_run_must_divide_ranks_and_batch(tmp_path, fashion_test_dir):
    sweep, out = make_sweep(tmp_path, fashion_test_dir, "  seed: [0, 1]\n", extra="ranks_per_run: 2\n")
    r = run_ganrun(["--sweep", sweep])  # a singleton: 1 rank cannot form a group of 2
    assert r.returncode == 2
    assert ganrun_lines(r.stderr) == [
        f"ganrun: {sweep}: ranks_per_run: 2 needs a number of ranks divisible by 2, but this job "
        "has 1; start 2 ranks (mpirun -n 2), or choose a ranks_per_run that divides 1"]
    assert not out.exists()
    odd = tmp_path / "odd.yaml"
    odd.write_text(sweep.read_text().replace("batch: 8", "batch: 9"))
    r = run_ganrun(["--sweep", odd, "--dry-run"], ranks=2)
    assert r.returncode == 2
    (line,) = ganrun_lines(r.stderr)
    assert "batch 9 does not divide over the 2 ranks" in line
