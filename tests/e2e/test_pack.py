"""Packed sweeps through the real binary: `pack: 4` on 2 MPI ranks writes one file per grid
point, each equal (float64, within 1e-10) to the same sweep trained unpacked and marked with its
pack; a member driven to divergence ends `diverged` at its log point while its pack-mates
complete, and killed later resumes as the same pack with that member frozen; a conditional
variant (labels per member) packs on data-parallel groups of 2 ranks
and equals its runs trained alone; a bad pack value is exit 2 with nothing written."""
import re

import h5py
import numpy as np

from conftest import ganrun_lines, run_ganrun, tree_state

SWEEP = """name: packed
dataset: {{name: toy-ring8}}
variant: wgan-gp
arch: toy
toy_width: 64
dtype: float64
train: {{steps: 30, batch: 32, log_every: 5}}
{extra}grid:
{grid}out: {out}
"""
GRID = "  lr: [1.0e-4, 3.0e-4]\n  betas: [[0.5, 0.999], [0.0, 0.9]]\n  seed: [0, 1]\n"


def write_sweep(tmp_path, name, grid=GRID, extra=""):
    sweep = tmp_path / f"{name}.yaml"
    sweep.write_text(SWEEP.format(extra=extra, grid=grid, out=tmp_path / name))
    return sweep, tmp_path / name


def run_files(out):
    return {p.stem: p for p in sorted((out / "runs").glob("*.h5"))}


def test_packed_sweep_on_two_ranks_equals_the_sweep_unpacked(tmp_path):
    packed_sweep, packed_out = write_sweep(tmp_path, "packed", extra="pack: 4\n")
    alone_sweep, alone_out = write_sweep(tmp_path, "alone")
    r = run_ganrun(["--sweep", packed_sweep], ranks=2)
    assert r.returncode == 0, r.stderr
    assert "packing: up to 4 per pack (8 run(s) in 2 pack(s)" in r.stderr, r.stderr
    assert "completed (pack of 4)" in r.stderr
    r = run_ganrun(["--sweep", alone_sweep, "--pack", "off"])
    assert r.returncode == 0, r.stderr
    packed, alone = run_files(packed_out), run_files(alone_out)
    assert sorted(packed) == sorted(alone) and len(packed) == 8
    members_seen = set()
    for run_id, path in packed.items():
        with h5py.File(path, "r") as a, h5py.File(alone[run_id], "r") as b:
            assert a.attrs["status"] == "completed", a.attrs["error"]
            assert a.attrs["pack_size"] == 4 and b.attrs["pack_size"] == 1
            members = a.attrs["pack_members"].split(",")
            assert run_id in members and len(members) == 4
            members_seen.add(tuple(members))
            for name in a["metrics"]:
                if name == "wall_s":
                    continue
                x, y = a["metrics"][name][:], b["metrics"][name][:]
                assert x.shape == y.shape, name
                assert np.all(np.abs(x - y) <= 1e-10 * np.maximum(np.abs(x), np.abs(y)) + 1e-12), name
            for name in b["generator"]:
                x, y = a["generator"][name][:], b["generator"][name][:]
                assert np.linalg.norm(x - y) <= 1e-10 * np.linalg.norm(y), name
            # The toy evaluation at the last step: the member's own points and mode counts.
            assert np.allclose(a["toy/points"][:], b["toy/points"][:], rtol=1e-9, atol=1e-12)
            assert list(a["eval/modes_covered"][:]) == list(b["eval/modes_covered"][:])
    assert len(members_seen) == 2  # two packs, every run in exactly one


def test_a_diverging_member_ends_diverged_and_its_pack_mates_complete(tmp_path):
    grid = "  lr: [1.0e-4, 1.0e20, 3.0e-4]\n"
    sweep, out = write_sweep(tmp_path, "diverge", grid=grid,
                             extra="pack: 3\noptimizer: sgd\n")
    r = run_ganrun(["--sweep", sweep])
    assert r.returncode == 0, r.stderr  # diverged is an outcome, not a failure
    statuses = {}
    for run_id, path in run_files(out).items():
        with h5py.File(path, "r") as f:
            statuses[run_id] = (f.attrs["status"], int(f.attrs["stop_step"]), f.attrs["error"])
    diverged = [v for k, v in statuses.items() if "lr1e20" in k]
    assert len(diverged) == 1 and diverged[0][0] == "diverged", statuses
    assert diverged[0][1] % 5 == 0 and diverged[0][1] < 30  # at a log point, before the end
    assert re.search(r"^\w+ is -?(nan|inf) at step \d+$", diverged[0][2]), diverged[0][2]
    assert all(v[0] == "completed" for k, v in statuses.items() if "lr1e20" not in k), statuses
    # Alone, that run stops at the same step with the same message.
    alone_sweep, alone_out = write_sweep(tmp_path, "diverge_alone", grid="  lr: [1.0e20]\n",
                                         extra="optimizer: sgd\n")
    r = run_ganrun(["--sweep", alone_sweep])
    assert r.returncode == 0, r.stderr
    (path,) = run_files(alone_out).values()
    with h5py.File(path, "r") as f:
        assert (f.attrs["status"], int(f.attrs["stop_step"]), f.attrs["error"]) == diverged[0]


def test_a_killed_pack_resumes_as_the_same_pack_with_its_diverged_member_frozen(tmp_path):
    """The pack of 3 above, checkpointing every 10 steps, killed at step 27 (after its member
    diverged): the rerun resumes the pack from step 20 as the same pack (its plan would now
    pack 2), leaves the diverged member's file as it was, and completes the other two equal to
    the pack trained straight."""
    grid = "  lr: [1.0e-4, 1.0e20, 3.0e-4]\n"
    straight_sweep, straight_out = write_sweep(tmp_path, "straight", grid=grid,
                                               extra="pack: 3\noptimizer: sgd\n")
    r = run_ganrun(["--sweep", straight_sweep])
    assert r.returncode == 0, r.stderr
    sweep, out = write_sweep(tmp_path, "killed", grid=grid, extra="pack: 3\noptimizer: sgd\n")
    sweep.write_text(sweep.read_text().replace("log_every: 5}",
                                               "log_every: 5, checkpoint_every: 10}"))
    r = run_ganrun(["--sweep", sweep], env={"GANRUN_TEST_KILL": "@27"})
    assert r.returncode == -9, r.stderr
    files = run_files(out)
    (diverged,) = [p for k, p in files.items() if "lr1e20" in k]
    diverged_bytes = diverged.read_bytes()
    # The rerun asks for packs of 2: the recorded pack of 3 is resumed all the same.
    r = run_ganrun(["--sweep", sweep, "--pack", "2"])
    assert r.returncode == 0, r.stderr
    assert re.search(r"the pack of 3 \(.*\) resumes from its checkpoint at step 20", r.stderr), \
        r.stderr
    assert diverged.read_bytes() == diverged_bytes
    assert not any((out / "checkpoints").rglob("*.pt"))
    straight = run_files(straight_out)
    for run_id, path in files.items():
        if path == diverged:
            continue
        with h5py.File(path, "r") as a, h5py.File(straight[run_id], "r") as b:
            assert a.attrs["status"] == "completed", a.attrs["error"]
            assert a.attrs["attempts"] == 2 and a.attrs["resumed_from_step"] == 20
            assert a.attrs["pack_size"] == 3
            assert list(a["metrics/step"][:]) == list(range(5, 31, 5))
            for name in b["metrics"]:
                if name != "wall_s":
                    assert np.allclose(a["metrics"][name][:], b["metrics"][name][:], rtol=1e-10,
                                       atol=1e-12), (run_id, name)
            for name in b["generator"]:
                assert np.allclose(a["generator"][name][:], b["generator"][name][:], rtol=1e-10,
                                   atol=1e-12), (run_id, name)


COND_SWEEP = """name: {name}
dataset: {{name: mnist, dir: {data}, split: test}}
variant: cgan
arch: mlp-small
dtype: float64
train: {{steps: 12, batch: 16, log_every: 3, sample_every: 6}}
ranks_per_run: {ranks_per_run}
pack: {pack}
grid:
  lr: [1.0e-4, 3.0e-4]
  seed: [0, 1]
out: {out}
"""


def test_conditional_packs_train_on_data_parallel_groups(tmp_path, mnist_dir):
    """cgan (labels per member) packed 2 to a pack on groups of 2 ranks (mpiexec -n 4: two
    groups, one pack each) equals the same runs trained alone on one rank each (float64,
    mlp-small: no BatchNorm, so the split batch changes only the summation order)."""
    def write(name, ranks_per_run, pack):
        path = tmp_path / f"{name}.yaml"
        path.write_text(COND_SWEEP.format(name=name, data=mnist_dir, ranks_per_run=ranks_per_run,
                                          pack=pack, out=tmp_path / name))
        return path, tmp_path / name

    sweep, out = write("grouped", 2, 2)
    r = run_ganrun(["--sweep", sweep, "--dry-run"], ranks=4)
    assert r.returncode == 0, r.stderr
    assert "packing: up to 2 per pack (4 run(s) in 2 pack(s)" in r.stderr, r.stderr
    r = run_ganrun(["--sweep", sweep], ranks=4)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("completed (pack of 2) after") == 4, r.stderr  # the group roots
    assert "(pack of 2) (rank 1 of the pack's group of 2)" in r.stderr, r.stderr
    alone_sweep, alone_out = write("alone", 1, "off")
    r = run_ganrun(["--sweep", alone_sweep], ranks=2)
    assert r.returncode == 0, r.stderr
    grouped, alone = run_files(out), run_files(alone_out)
    assert sorted(grouped) == sorted(alone) and len(grouped) == 4
    assert len(list((out / "runs").glob("*.png"))) == 4  # only the group roots write
    for run_id, path in grouped.items():
        with h5py.File(path, "r") as a, h5py.File(alone[run_id], "r") as b:
            assert a.attrs["status"] == "completed", a.attrs["error"]
            assert a.attrs["pack_size"] == 2 and a.attrs["ranks"] == 2
            assert a.attrs["rank_batch"] == 8 and b.attrs["ranks"] == 1
            for name in b["generator"]:
                x, y = a["generator"][name][:], b["generator"][name][:]
                assert np.linalg.norm(x - y) <= 1e-10 * np.linalg.norm(y), name
            for name in ("d_loss", "g_loss", "d_real", "d_fake"):
                np.testing.assert_allclose(a["metrics"][name][:], b["metrics"][name][:],
                                           rtol=1e-9, atol=1e-12, err_msg=name)
            # The sample grids: the member's own 10 x 10 class grid, equal as uint8 pixels.
            assert np.array_equal(a["samples/images"][:], b["samples/images"][:])


def test_bad_pack_values_are_refused(tmp_path):
    sweep, out = write_sweep(tmp_path, "refuse")
    before = tree_state(tmp_path)
    # A bad --pack value: exit 2 naming the flag.
    r = run_ganrun(["--sweep", sweep, "--dry-run", "--pack", "many"])
    assert r.returncode == 2
    assert "--pack: pack must be off, auto or a number of runs (got 'many')" in r.stderr
    # ... also in the file, and 0; a real run writes nothing either.
    for bad, text in (("pack: 0\n", "pack must be >= 1 (got 0)"),
                      ("pack: some\n", "pack must be off, auto or a number of runs (got 'some')")):
        sweep, out = write_sweep(tmp_path, "refuse", extra=bad)
        before = tree_state(tmp_path)
        r = run_ganrun(["--sweep", sweep])
        assert r.returncode == 2, r.stderr
        assert text in r.stderr, r.stderr
        assert tree_state(tmp_path) == before and not out.exists()


def test_pack_auto_measures_each_group_and_prints_its_choice(tmp_path):
    """`--pack auto` on 2 ranks: 8 compatible runs want packs of 4 (one per rank); rank 0 probes
    K = 1, 2, 4 and the plan says what it measured and chose; the pack column follows it."""
    sweep, out = write_sweep(tmp_path, "auto")
    r = run_ganrun(["--sweep", sweep, "--dry-run", "--pack", "auto"], ranks=2)
    assert r.returncode == 0, r.stderr
    m = re.search(r"auto pack for \S+ and its 7 compatible run\(s\): K (\d+) \(memory: (\d+); "
                  r"member-steps/s: K1 \d+", r.stderr)
    assert m, r.stderr
    k = int(m.group(1))
    assert k in (1, 2, 4) and int(m.group(2)) >= 1
    packs = -(-8 // k)  # near-equal packs of at most k
    if k > 1:
        assert f"packing: auto (8 run(s) in {packs} pack(s)" in r.stderr, r.stderr
    assert not out.exists()  # a dry run writes nothing


def test_eval_at_start_scores_the_untrained_generator_alone_and_packed(tmp_path):
    """eval_at_start: yes adds an evaluation point at step 0 (before any update): the baseline a
    run that learned nothing stays near. A packed member scores it as the run alone does."""
    def sweep(name, pack):
        f = tmp_path / f"{name}.yaml"
        f.write_text(f"name: {name}\ndataset: toy-ring8\narch: toy\ntoy_width: 16\n"
                     f"dtype: float64\ntrain: {{steps: 20, batch: 32, log_every: 5, eval_every: 10, "
                     f"eval_at_start: yes}}\ngrid:\n  seed: [0, 1]\nout: {tmp_path / name}\n")
        r = run_ganrun(["--sweep", f, "--threads", "1", "--pack", pack])
        assert r.returncode == 0, r.stderr
        return {int(h5py.File(p, "r").attrs["seed"]): p for p in (tmp_path / name / "runs").glob("*.h5")}
    alone, packed = sweep("alone", "off"), sweep("packed", "2")
    for seed in (0, 1):
        with h5py.File(alone[seed], "r") as a, h5py.File(packed[seed], "r") as p:
            assert p.attrs["pack_size"] == 2
            assert list(a["eval/step"][()]) == [0, 10, 20] == list(a["toy/step"][()])
            assert list(p["eval/step"][()]) == [0, 10, 20]
            # G moved between step 0 and step 10; the packed member's step 0 is the run's.
            assert np.abs(a["toy/points"][0] - a["toy/points"][1]).max() > 0
            np.testing.assert_allclose(p["toy/points"][0], a["toy/points"][0], rtol=0, atol=1e-10)
            np.testing.assert_allclose(p["eval/high_quality"][()], a["eval/high_quality"][()],
                                       rtol=0, atol=1e-10)
