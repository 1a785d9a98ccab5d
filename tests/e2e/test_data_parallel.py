"""Data-parallel runs through the real `ganrun` binary (CPU, MPI backend, float64, mlp-small:
no BatchNorm, so a run's numbers do not depend on how many ranks share its batch):
- `ranks_per_run: 2` under `mpiexec -n 4` trains two runs at once, each with the generator
  weights of the same run trained by one rank, ||theta_2 - theta_1|| / ||theta_1|| <= 1e-10;
- `mpiexec -n 2 ganrun train --data-parallel` equals `ganrun train` on one process;
- the run file records batch (global), rank_batch and ranks; a batch that does not divide is
  refused (exit 2) before anything is written."""
import h5py
import numpy as np

from conftest import run_ganrun, tiny_sweep_text

BOUND = 1e-10
STEPS = 20


def generator_weights(path):
    with h5py.File(path, "r") as f:
        assert f.attrs["status"] == "completed", f.attrs["error"]
        g = f["generator"]
        names = sorted(g.keys())
        return names, np.concatenate([g[n][()].ravel().astype(np.float64) for n in names]), \
            dict(f.attrs)


def relative_distance(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def sweep(tmp_path, name, data_dir, ranks_per_run):
    out = tmp_path / name
    text = tiny_sweep_text(out, data_dir, grid="  seed: [0, 1]\n", steps=STEPS,
                           extra=f"variant: gan\narch: mlp-small\ndtype: float64\n"
                                 f"ranks_per_run: {ranks_per_run}\n")
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path, out


def test_ranks_per_run_2_equals_single_rank_runs(tmp_path, fashion_test_dir):
    single, single_out = sweep(tmp_path, "single", fashion_test_dir, 1)
    r = run_ganrun(["--sweep", single], ranks=2)
    assert r.returncode == 0, r.stderr
    pairs, pairs_out = sweep(tmp_path, "pairs", fashion_test_dir, 2)
    r = run_ganrun(["--sweep", pairs], ranks=4)
    assert r.returncode == 0, r.stderr
    by_seed = {}
    for path in (single_out / "runs").glob("*.h5"):
        names, theta, attrs = generator_weights(path)
        by_seed[int(attrs["seed"])] = (names, theta)
    paired = sorted((pairs_out / "runs").glob("*.h5"))
    assert len(by_seed) == 2 and len(paired) == 2
    for path in paired:
        names_2, theta_2, attrs = generator_weights(path)
        names_1, theta_1 = by_seed[int(attrs["seed"])]
        assert names_1 == names_2
        assert relative_distance(theta_2, theta_1) <= BOUND
        assert attrs["ranks"] == 2 and attrs["batch"] == 16 and attrs["rank_batch"] == 8

def test_train_data_parallel_equals_one_process(tmp_path, fashion_test_dir):
    args = ["train", "--dataset", "fashion-mnist", "--data-dir", fashion_test_dir, "--split",
            "test", "--arch", "mlp-small", "--dtype", "float64", "--steps", STEPS, "--batch", 16,
            "--log-every", 5, "--sample-every", 10]
    r = run_ganrun(args + ["--out", tmp_path / "one"])
    assert r.returncode == 0, r.stderr
    r = run_ganrun(args + ["--out", tmp_path / "two", "--data-parallel"], ranks=2)
    assert r.returncode == 0, r.stderr
    (one,) = (tmp_path / "one" / "runs").glob("*.h5")
    (two,) = (tmp_path / "two" / "runs").glob("*.h5")  # only the group root writes a file
    assert len(list((tmp_path / "two" / "runs").glob("*.png"))) == 1
    _, theta_1, _ = generator_weights(one)
    _, theta_2, attrs = generator_weights(two)
    assert relative_distance(theta_2, theta_1) <= BOUND
    assert attrs["ranks"] == 2 and attrs["rank_batch"] == 8
    # The logged metrics are the group's means: the same as one process's, up to rounding.
    with h5py.File(one, "r") as f1, h5py.File(two, "r") as f2:
        np.testing.assert_allclose(f2["metrics/d_loss"][:], f1["metrics/d_loss"][:], rtol=1e-9)


def test_batch_that_does_not_divide_is_refused(tmp_path, fashion_test_dir):
    r = run_ganrun(["train", "--dataset", "fashion-mnist", "--data-dir", fashion_test_dir,
                    "--split", "test", "--arch", "mlp-small", "--steps", 2, "--batch", 15,
                    "--out", tmp_path / "out", "--data-parallel"], ranks=2)
    assert r.returncode == 2, r.stderr
    assert "batch 15" in r.stderr
    assert not (tmp_path / "out" / "runs").exists() or not any((tmp_path / "out" / "runs").iterdir())
