"""Evaluation end to end, on the reference nets of the ctest fixture reference_nets: in-loop
/eval rows (the same on 1 and 2 ranks, and for a ranks_per_run 2 group within 1e-9 of one
rank), `ganrun eval RUN.h5` appending a row and exporting what it saw, every exported metric
recomputed by independent implementations (numpy/scipy, the prdc package, pytorch-fid when
installed: tests/python/eval_reference.py) and the features recomputed by a torch
re-implementation of the reference net from its stored weights, the real-vs-real floor, toy
runs' mode rows recomputed from /toy/points, and the refusals (exit 2, nothing written)."""
import gzip
import os
import pathlib
import shutil

import h5py
import numpy as np
import pytest

import eval_reference as ref
from conftest import MNIST_TEST, SHARED, ganrun_lines, run_ganrun, tree_state

REFERENCES = pathlib.Path(os.environ.get("GANRUN_TEST_REFERENCES", "test-cache/references"))
MNIST = SHARED / "mnist"

pytestmark = pytest.mark.skipif(
    not all((MNIST / f).exists() for f in MNIST_TEST) or not list(REFERENCES.glob("mnist-*.h5")),
    reason=f"needs the MNIST test set in {MNIST} and the fixture's reference net in {REFERENCES}")

# Grid points that differ only in seed: each rank of a sweep evaluates its own runs alone.
SWEEP = """name: evaltest
dataset: {{name: mnist, dir: {mnist}, split: test}}
variant: {variant}
arch: mlp-small
dtype: {dtype}
train: {{{length}, batch: 100, log_every: 50, sample_every: 0, eval_every: {every}, eval_samples: 500}}
grid:
  seed: {seeds}
ranks_per_run: {rpr}
out: {out}
"""
# Columns that are timings, not results.
TIMINGS = {"wall_s", "eval_s"}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A GANRUN_CACHE holding a copy of the fixture's references (floors are written into it)."""
    root = tmp_path_factory.mktemp("cache")
    shutil.copytree(REFERENCES, root / "references")
    return root


def env_of(cache):
    return {"GANRUN_CACHE": str(cache), "OMP_NUM_THREADS": "1"}


def sweep_text(out, variant="gan", seeds="[0, 1]", rpr=1, length="epochs: 2",
               every="{epochs: 1}", dtype="float32"):
    return SWEEP.format(mnist=MNIST, variant=variant, seeds=seeds, rpr=rpr, out=out,
                        length=length, every=every, dtype=dtype)


def sweep(tmp_path, cache, name, ranks, **settings):
    out = tmp_path / name
    f = tmp_path / f"{name}.yaml"
    f.write_text(sweep_text(out, **settings))
    r = run_ganrun(["--sweep", f, "--threads", "1"], ranks=ranks, env=env_of(cache))
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def eval_rows(run_file):
    with h5py.File(run_file, "r") as f:
        e = f["eval"]
        cols = {k: e[k][()] for k in e if k not in TIMINGS}
        return cols, dict(e.attrs), int(f.attrs["seed"])


def runs_by_seed(out):
    return {eval_rows(p)[2]: eval_rows(p) for p in sorted((out / "runs").glob("*.h5"))}


@pytest.fixture(scope="module")
def one_rank(tmp_path_factory, cache):
    return sweep(tmp_path_factory.mktemp("one"), cache, "one", ranks=1)


def test_in_loop_rows_follow_eval_every_and_name_the_reference(one_rank, cache):
    runs = runs_by_seed(one_rank)
    assert sorted(runs) == [0, 1]
    cols, attrs, _ = runs[0]
    # 10,000 images / batch 100 = 100 steps an epoch: points at 100 and at the end, 200.
    assert list(cols["step"]) == [100, 200]
    assert list(cols["samples"]) == [500, 500]
    assert cols["class_histogram"].shape == (2, 10)
    assert (cols["class_histogram"].sum(axis=1) == 500).all()
    reference = next((cache / "references").glob("mnist-lenet-*.h5"))
    with h5py.File(reference, "r") as f:
        assert attrs["reference_sha256"] == f.attrs["net_sha256"]
        # The floor at N = 500 was computed once and stored in the reference file too.
        assert "500" in f["floor"]
        assert f["floor/500"].attrs["fd_lenet"] == attrs["floor_fd_lenet"]
    assert attrs["floor_samples"] == 500 and 0 < attrs["floor_fd_lenet"] < cols["fd_lenet"][0]
    with h5py.File(next((one_rank / "runs").glob("*.h5")), "r") as f:
        assert 0 < f.attrs["eval_fraction"] < 1 and f.attrs["eval_seconds"] > 0
        # Each metric says which way it improves (docs/evaluation.md's table), for readers.
        better = {k: f["eval"][k].attrs["better"] for k in f["eval"] if k.startswith(
            ("fd_", "kid_", "precision", "recall", "density", "coverage", "classifier_score",
             "classes_covered", "kl_uniform"))}
    assert better == {"fd_lenet": "lower", "kid_lenet": "lower", "kid_lenet_std": "none",
                      "precision": "higher", "recall": "higher", "density": "none",
                      "coverage": "higher", "classifier_score": "higher",
                      "classes_covered": "higher", "kl_uniform": "lower"}


def test_two_ranks_write_the_same_rows_as_one(tmp_path, cache, one_rank):
    two = runs_by_seed(sweep(tmp_path, cache, "two", ranks=2))
    for seed, (cols, attrs, _) in runs_by_seed(one_rank).items():
        other = two[seed][0]
        assert sorted(cols) == sorted(other)
        for name in cols:
            assert np.array_equal(cols[name], other[name]), name


def test_data_parallel_group_equals_one_rank(tmp_path, cache):
    # float64, so that the group's reduction order stays far below the 1e-9 asked for.
    short = dict(seeds="[0]", length="steps: 30", every=15, dtype="float64")
    group = runs_by_seed(sweep(tmp_path, cache, "group", ranks=2, rpr=2, **short))
    cols, _, _ = runs_by_seed(sweep(tmp_path, cache, "alone", ranks=1, **short))[0]
    assert list(cols["step"]) == [15, 30]
    other = group[0][0]
    for name in cols:
        np.testing.assert_allclose(other[name], cols[name], rtol=1e-9, atol=1e-12, err_msg=name)


def mnist_test_images():
    with gzip.open(MNIST / MNIST_TEST[0]) as f:
        return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)


def test_on_demand_eval_appends_a_row_and_its_export_matches_independent_code(
        tmp_path, cache, one_rank):
    run_file = tmp_path / "run.h5"
    shutil.copy(next((one_rank / "runs").glob("*.h5")), run_file)
    export = tmp_path / "export.h5"
    r = run_ganrun(["eval", run_file, "--samples", "600", "--export", export], env=env_of(cache))
    assert r.returncode == 0, r.stderr
    with h5py.File(run_file, "r") as f:
        e = f["eval"]
        assert list(e["step"][()]) == [100, 200, 200]
        assert list(e["samples"][()]) == [500, 500, 600]
        assert np.isnan(e["wall_s"][-1]) and not np.isnan(e["wall_s"][0])
        appended = e["fd_lenet"][-1]
        assert f.attrs["status"] == "completed"
    results = ref.check_export(export)
    for name, (ours, theirs, tol) in results.items():
        print(f"{name:24} ganrun {ours!s:>24} reference {theirs!s:>24} tolerance {tol:.3g}")
    assert ref.failures(results) == []
    with h5py.File(export, "r") as f:
        assert f.attrs["fd_lenet"] == appended
        real = mnist_test_images()[f["real_indices"][()]]
    again = ref.recompute_export_fd(export, real)
    print(again)
    assert again["sha_matches_reference"] and again["sha_matches_export"]
    assert abs(again["fd_recomputed"] - again["fd_exported"]) <= again["tolerance"]
    assert again["fake_features_max_abs_diff"] < 1e-3


def test_conditional_runs_report_label_accuracy(tmp_path, cache):
    out = sweep(tmp_path, cache, "cgan", ranks=1, variant="cgan", seeds="[0]",
                length="steps: 20", every=20)
    cols, _, _ = eval_rows(next((out / "runs").glob("*.h5")))
    assert list(cols["step"]) == [20]
    assert list(cols["samples"]) == [500]  # 50 noise rows x 10 classes
    assert 0 <= cols["label_accuracy"][0] <= 1


def test_real_floor_is_stored_in_the_reference(cache):
    r = run_ganrun(["eval", "--real", "--dataset", "mnist", "--data-dir", MNIST, "--samples",
                    "1000"], env=env_of(cache))
    assert r.returncode == 0, r.stderr
    with h5py.File(next((cache / "references").glob("mnist-lenet-*.h5")), "r") as f:
        floor = dict(f["floor/1000"].attrs)
    assert floor["classes_covered"] == 10 and floor["fd_lenet"] > 0
    assert f"{floor['fd_lenet']:.6g}" in r.stdout


def test_toy_rows_follow_eval_every_and_match_numpy(tmp_path):
    f = tmp_path / "toy.yaml"
    f.write_text(f"name: toy\npreset: toy-2d\ntoy_depth: 1\ntoy_width: 16\n"
                 f"train: {{steps: 120, eval_every: 40}}\nout: {tmp_path / 'out'}\n")
    r = run_ganrun(["--sweep", f, "--threads", "1"])
    assert r.returncode == 0, r.stderr
    with h5py.File(next((tmp_path / "out" / "runs").glob("*.h5")), "r") as h:
        steps = list(h["eval/step"][()])
        assert steps == [40, 80, 120] and list(h["toy/step"][()]) == steps
        assert list(h["eval/samples"][()]) == [2500] * 3
        assert h["eval/modes_covered"].attrs["better"] == "higher"
        assert h["eval/high_quality"].attrs["better"] == "higher"
        centres, sigma = h["toy/centres"][()], h["toy"].attrs["sigma"]
        for i, points in enumerate(h["toy/points"][()]):
            # ganrun scored the float64 points; the file keeps them as float32 (a point within
            # float32 rounding of a 3-sigma boundary could differ: none is expected here).
            modes = ref.toy_modes(points.astype(np.float64), centres, sigma)
            assert h["eval/modes_covered"][i] == modes["modes_covered"]
            assert abs(h["eval/high_quality"][i] - modes["high_quality"]) < 1e-12


def test_references_export_and_import_as_files(tmp_path, cache):
    exported = tmp_path / "mnist-ref.h5"
    r = run_ganrun(["eval", "export-reference", "--dataset", "mnist", "--to", exported],
                   env=env_of(cache))
    assert r.returncode == 0, r.stderr
    other = tmp_path / "other-cache"
    r = run_ganrun(["eval", "import-reference", exported, "--cache", other])
    assert r.returncode == 0, r.stderr
    (imported,) = other.glob("mnist-lenet-*.h5")
    with h5py.File(exported, "r") as a, h5py.File(imported, "r") as b:
        assert a.attrs["net_sha256"] == b.attrs["net_sha256"]
        assert ref.weights_sha256(ref.read_weights(b["weights"])) == b.attrs["net_sha256"]
    # A damaged copy (one weight changed) is refused by its checksum, and nothing is imported.
    damaged = tmp_path / "damaged.h5"
    shutil.copy(exported, damaged)
    with h5py.File(damaged, "r+") as f:
        f["weights/fc2.bias"][0] += 1.0
    refused(run_ganrun(["eval", "import-reference", damaged, "--cache", tmp_path / "third"]),
            "SHA-256")
    assert not (tmp_path / "third").exists()


def refused(r, *words):
    assert r.returncode == 2, r.stdout + r.stderr
    lines = ganrun_lines(r.stderr)
    assert len(lines) == 1, r.stderr
    for w in words:
        assert w in lines[0], lines[0]


def test_refusals_leave_everything_as_it_was(tmp_path, cache, one_rank):
    run_file = tmp_path / "runs" / "run.h5"
    run_file.parent.mkdir()
    shutil.copy(next((one_rank / "runs").glob("*.h5")), run_file)
    before = tree_state(tmp_path)
    env = env_of(cache)
    refused(run_ganrun(["eval", run_file, "--metrics", "fdd"], env=env), "fdd", "fd")
    refused(run_ganrun(["eval", "--real", "--dataset", "mnist", "--data-dir", MNIST,
                        "--samples", "3000"], env=env), "2500")
    fashion = next(REFERENCES.glob("fashion-mnist-*.h5"), None)
    if fashion is not None:
        refused(run_ganrun(["eval", run_file, "--reference", fashion], env=env),
                "fashion-mnist", "mnist")
    # A trainer that is still alive (this process, on this host) holds the file.
    live = tmp_path / "runs" / "live.h5"
    shutil.copy(run_file, live)
    with h5py.File(live, "r+") as f:
        f.attrs["status"] = "running"
        f.attrs["pid"] = np.int64(os.getpid())
    before = tree_state(tmp_path)
    refused(run_ganrun(["eval", live], env=env), "still training")
    assert tree_state(tmp_path) == before
    bad = tmp_path / "bad.yaml"
    bad.write_text(sweep_text(tmp_path / "o", seeds="[0]", length="steps: 10",
                              every="{epoch: 1}"))
    refused(run_ganrun(["--sweep", bad], env=env), "eval_every")
    assert not (tmp_path / "o").exists()
    # Flags take epochs as Nep; a negative number is not a way to say epochs.
    train = ["train", "--dataset", "mnist", "--data-dir", MNIST, "--split", "test", "--steps", 2,
             "--out", tmp_path / "o"]
    refused(run_ganrun(train + ["--log-every", "-1"]), "--log-every must be >= 1")
    refused(run_ganrun(train + ["--eval-every", "0ep"]), "--eval-every", "Nep")
    assert not (tmp_path / "o").exists()

