"""A run file written by RunFileWriter (via tests/tools/write_sample_run_file) read with h5py:
attr types, metrics, sample grids, generator arrays, and a plain open between two commits."""

import subprocess

import h5py
import numpy as np
import pytest

ROWS = np.arange(5)  # the tool writes rows i = 0..4: step 10*i, wall_s 0.5*i, loss_d i, loss_g -0.25*i


def grid(t):
    return ((24 * t + np.arange(24)) % 256).astype(np.uint8).reshape(4, 1, 3, 2)


@pytest.fixture
def run_file(writer, tmp_path):
    path = tmp_path / "run.h5"
    subprocess.run([writer, str(path)], check=True, timeout=60)
    return path


def test_attrs_are_str_int_float(run_file):
    with h5py.File(run_file, "r") as f:
        a = f.attrs
        assert isinstance(a["run_id"], str) and a["run_id"] == "wgan-gp-lr2e-4-s0-abcd"
        assert isinstance(a["status"], str) and a["status"] == "completed"
        assert a["error"] == ""
        assert isinstance(a["n_critic"], np.integer) and a["n_critic"] == 5
        assert isinstance(a["stop_step"], np.integer) and a["stop_step"] == -1
        assert isinstance(a["lr_g"], float) and a["lr_g"] == 2e-4
        assert a["ended"] == "2024-01-01T00:00:00Z"
        assert f["config"].asstr()[()] == "variant: wgan-gp\nlr_g: 2.0e-4\n"


def test_metrics_columns(run_file):
    with h5py.File(run_file, "r") as f:
        m = f["metrics"]
        assert list(m) == ["step", "wall_s", "loss_d", "loss_g"]  # creation order
        for name in m:
            assert m[name].shape == (5,) and m[name].maxshape == (None,) and m[name].chunks == (1024,)
        assert m["step"].dtype == np.int64
        np.testing.assert_array_equal(m["step"][()], 10 * ROWS)
        np.testing.assert_array_equal(m["wall_s"][()], 0.5 * ROWS)
        np.testing.assert_array_equal(m["loss_d"][()], 1.0 * ROWS)
        np.testing.assert_array_equal(m["loss_g"][()], -0.25 * ROWS)


def test_sample_grids(run_file):
    with h5py.File(run_file, "r") as f:
        images = f["samples/images"]
        assert images.dtype == np.uint8
        assert images.shape == (2, 4, 1, 3, 2)  # [T, n, c, h, w]
        assert images.maxshape == (None, 4, 1, 3, 2)
        assert images.chunks == (1, 4, 1, 3, 2)
        np.testing.assert_array_equal(images[0], grid(0))
        np.testing.assert_array_equal(images[1], grid(1))
        np.testing.assert_array_equal(f["samples/step"][()], [100, 200])


def test_generator_arrays(run_file):
    with h5py.File(run_file, "r") as f:
        g = f["generator"]
        assert g.attrs["format"] == "ganrun-generator-v1"
        assert g["fc.weight"].dtype == np.float32
        np.testing.assert_array_equal(g["fc.weight"][()], np.arange(1, 7, dtype=np.float32).reshape(2, 3))
        assert g["fc.bias"].dtype == np.float64
        np.testing.assert_array_equal(g["fc.bias"][()], [0.5, -1.5, 2.25])


def test_plain_open_between_commits(writer, tmp_path):
    """While the writer is alive, after its first commit, h5py opens the file plainly."""
    path = tmp_path / "run.h5"
    proc = subprocess.Popen([writer, str(path), "--pause"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "committed"
        with h5py.File(path, "r") as f:
            assert f.attrs["status"] == "running"
            assert f["metrics/step"].shape == (3,)
            assert f["samples/images"].shape == (1, 4, 1, 3, 2)
            assert "generator" not in f
        assert not list(tmp_path.glob(".*.tmp"))
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    with h5py.File(path, "r") as f:
        assert f.attrs["status"] == "completed"
        assert f["metrics/step"].shape == (5,)
    assert not list(tmp_path.glob(".*.tmp"))
