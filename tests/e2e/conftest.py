"""Shared helpers for the end-to-end tests: run the real ganrun binary (alone or under
mpiexec), snapshot a folder to prove nothing was written, read run files with h5py."""
import hashlib
import os
import pathlib
import shutil
import subprocess

import pytest

GANRUN = os.environ.get("GANRUN_BIN", "ganrun")
MPIEXEC = os.environ.get("MPIEXEC", "mpiexec")
FASHION = pathlib.Path(os.environ.get("GANRUN_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"))
SHARED = pathlib.Path(os.environ.get("GANRUN_SHARED_DATA", "../shared/data"))
MNIST_TEST = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def run_ganrun(args, ranks=None, env=None, timeout=600, cwd=None):
    """Runs ganrun (under `mpiexec -n ranks` when ranks is given); returns CompletedProcess."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    cmd = [GANRUN] + [str(a) for a in args]
    if ranks is not None:
        forwarded = []
        for name in (env or {}):
            forwarded += ["-x", name]
        cmd = [MPIEXEC, "-n", str(ranks)] + forwarded + cmd
    return subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout,
                          cwd=cwd)


def built_components():
    """{name: True/False} of the optional components, from `ganrun --version`
    ("component fetch: on (...)"; cmake/Components.cmake)."""
    r = run_ganrun(["--version"])
    assert r.returncode == 0, r.stderr
    out = {}
    for line in r.stdout.splitlines():
        if line.startswith("component "):
            name, state = line[len("component "):].split(":", 1)
            out[name] = state.strip().startswith("on")
    return out


def tree_state(root):
    """{relative path: (sha256, mtime_ns)} of every file under root (empty if absent)."""
    root = pathlib.Path(root)
    state = {}
    if not root.exists():
        return state
    for p in sorted(root.rglob("*")):
        if p.is_file():
            state[str(p.relative_to(root))] = (hashlib.sha256(p.read_bytes()).hexdigest(),
                                               p.stat().st_mtime_ns)
    return state


def ganrun_lines(stderr):
    """The lines ganrun printed as errors (they start with 'ganrun:')."""
    return [l for l in stderr.splitlines() if l.startswith("ganrun:")]


@pytest.fixture
def mnist_dir():
    d = SHARED / "mnist"
    if not all((d / n).exists() for n in MNIST_TEST):
        pytest.skip(f"MNIST test set not found in {d}: set GANRUN_SHARED_DATA to the shared data "
                    "folder (ctest passes the CMake option of that name)")
    return d


@pytest.fixture
def fashion_test_dir():
    if not (FASHION / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"Fashion-MNIST not found in {FASHION}: apt-get install dataset-fashion-mnist")
    return FASHION


@pytest.fixture
def fashion_copy(tmp_path, fashion_test_dir):
    """A private copy of the Fashion-MNIST test split, safe to corrupt."""
    d = tmp_path / "fashion"
    d.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(fashion_test_dir / name, d / name)
    return d


def tiny_sweep_text(out, data_dir, grid="  lr: [2.0e-4, 1.0e-3]\n  seed: [0, 1]\n", steps=20,
                    extra=""):
    return (f"name: tiny\n"
            f"dataset: {{name: fashion-mnist, dir: {data_dir}, split: test}}\n"
            f"train: {{steps: {steps}, batch: 16, log_every: 5, sample_every: 10}}\n"
            f"{extra}"
            f"grid:\n{grid}"
            f"out: {out}\n")


def completed_runs(out, count, steps, log_every):
    """Asserts that `out` holds `count` run files, each `completed` with exactly one metric row
    per log point (steps strictly increasing, no gap, no repeat); returns {run id: attrs}."""
    import h5py
    import numpy as np

    files = sorted((pathlib.Path(out) / "runs").glob("*.h5"))
    assert len(files) == count, files
    attrs = {}
    for path in files:
        with h5py.File(path, "r") as f:
            assert f.attrs["status"] == "completed", f.attrs["error"]
            assert np.array_equal(f["metrics/step"][:], np.arange(log_every, steps + 1, log_every)), \
                path.stem
            attrs[path.stem] = dict(f.attrs)
    return attrs
