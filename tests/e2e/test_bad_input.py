"""Bad input through the real binary: each case exits 2 with one clear message naming the
input, and writes nothing (no new files; existing ones untouched)."""
import gzip
import pathlib

import pytest

from conftest import ganrun_lines, run_ganrun, tiny_sweep_text, tree_state


def assert_bad_input(r, *needles):
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = ganrun_lines(r.stderr)
    assert len(lines) == 1, r.stderr
    for needle in needles:
        assert str(needle) in lines[0], (needle, lines[0])


def test_missing_data_dir(tmp_path):
    out = tmp_path / "out"
    r = run_ganrun(["train", "--dataset", "fashion-mnist", "--data-dir", tmp_path / "nowhere",
                    "--steps", 5, "--out", out])
    assert_bad_input(r, "nowhere", "--data-dir")
    assert not out.exists()


def test_corrupt_idx_magic(tmp_path, fashion_copy):
    images = fashion_copy / "t10k-images-idx3-ubyte.gz"
    raw = bytearray(gzip.decompress(images.read_bytes()))
    raw[0:4] = b"\x00\x00\x07\x77"
    images.write_bytes(gzip.compress(bytes(raw)))
    out = tmp_path / "out"
    r = run_ganrun(["train", "--dataset", "fashion-mnist", "--data-dir", fashion_copy, "--split",
                    "test", "--steps", 5, "--out", out])
    assert_bad_input(r, "t10k-images-idx3-ubyte.gz", "magic")
    assert not out.exists()


@pytest.mark.parametrize("extra,needles", [
    ("n_critc: 5\n", ["n_critc", "n_critic", "sweep.yaml:4"]),
    ("lr: -1\n", ["lr", "sweep.yaml:4", "-1"]),
    ("preset: colection\n", ["preset", "colection", "collection"]),
    ("variant: ebgan\n", ["ebgan", "does not accept arch 'mlp'", "ae28"]),
    ("critic_output: sigmoid\n", ["critic_output: sigmoid", "variant 'gan'", "linear"]),
    ("arch: dcgan32\n", ["dcgan32", "fashion-mnist"]),
    ("eval_every: 10\n", ["eval_every", "belongs under 'train'", "sweep.yaml:4"]),
])
def test_bad_sweep_file(tmp_path, fashion_test_dir, extra, needles):
    out = tmp_path / "out"
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(tiny_sweep_text(out, fashion_test_dir, extra=extra))
    r = run_ganrun(["--sweep", sweep])
    assert_bad_input(r, *needles)
    assert not out.exists()


def test_bad_sweep_file_under_mpi_prints_one_message(tmp_path, fashion_test_dir):
    out = tmp_path / "out"
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(tiny_sweep_text(out, fashion_test_dir, extra="n_critc: 5\n"))
    r = run_ganrun(["--sweep", sweep], ranks=2)
    assert_bad_input(r, "n_critc")
    assert not out.exists()


def test_negative_learning_rate_flag(tmp_path, fashion_test_dir):
    out = tmp_path / "out"
    r = run_ganrun(["train", "--data-dir", fashion_test_dir, "--split", "test", "--lr-g", "-1",
                    "--steps", 5, "--out", out])
    assert_bad_input(r, "--lr-g", "-1")
    assert not out.exists()


def test_device_cuda_without_gpu(tmp_path, fashion_test_dir):
    # An empty CUDA_VISIBLE_DEVICES hides every GPU, so this runs on GPU machines too.
    out = tmp_path / "out"
    r = run_ganrun(["train", "--data-dir", fashion_test_dir, "--split", "test", "--device", "cuda",
                    "--steps", 5, "--out", out], env={"CUDA_VISIBLE_DEVICES": ""})
    assert_bad_input(r, "cuda", "--device cpu")
    assert not out.exists()


def test_rerun_into_out_holding_another_sweep(tmp_path, fashion_test_dir):
    out = tmp_path / "out"
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(tiny_sweep_text(out, fashion_test_dir, grid="  lr: [2.0e-4]\n", steps=2))
    first = run_ganrun(["--sweep", sweep])
    assert first.returncode == 0, first.stderr
    before = tree_state(out)
    assert "sweep.h5" in before and len(before) >= 3  # index, run file, PNG

    sweep.write_text(tiny_sweep_text(out, fashion_test_dir, grid="  lr: [1.0e-3]\n", steps=2))
    r = run_ganrun(["--sweep", sweep])
    assert_bad_input(r, "grid.lr", str(out))
    assert tree_state(out) == before


def test_steps_on_a_data_set_too_small_for_one_step(tmp_path, fashion_test_dir):
    # The test split holds 10000 images: 2 batches of 4000, but a step at n_critic 3 takes 3.
    # Refused before anything is written (it used to pass validation and die of SIGFPE in the
    # step loop's step % steps_per_epoch).
    out = tmp_path / "out"
    r = run_ganrun(["train", "--data-dir", fashion_test_dir, "--split", "test", "--steps", 1,
                    "--batch", 4000, "--n-critic", 3, "--out", out])
    assert_bad_input(r, "batch 4000 x n_critic 3", "10000 samples", "lower batch or n_critic")
    assert not out.exists()


def test_out_that_is_a_file_is_the_only_thing_said(tmp_path, fashion_test_dir):
    # Checked with the input, before the plan is printed: stderr holds the one error line.
    taken = tmp_path / "taken"
    taken.write_text("not a folder\n")
    r = run_ganrun(["train", "--data-dir", fashion_test_dir, "--split", "test", "--steps", 1,
                    "--out", taken])
    assert r.stderr.splitlines() == ganrun_lines(r.stderr) and r.stdout == "", r.stderr
    assert_bad_input(r, str(taken), "existing file", "--out")
    assert taken.read_text() == "not a folder\n"


def test_sweep_out_below_a_file_is_refused_before_the_plan(tmp_path, fashion_test_dir):
    taken = tmp_path / "taken"
    taken.write_text("not a folder\n")
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(tiny_sweep_text(taken / "out", fashion_test_dir, steps=1))
    before = tree_state(tmp_path)
    r = run_ganrun(["--sweep", sweep])
    assert r.stderr.splitlines() == ganrun_lines(r.stderr) and r.stdout == "", r.stderr
    assert_bad_input(r, str(taken / "out"), f"'{taken}' is a file", "--out")
    assert tree_state(tmp_path) == before
