"""The ctest fixture reference_nets: trains the reference classifiers the evaluation tests and
the learning test use into the build tree ($GANRUN_TEST_REFERENCES), with `ganrun eval
train-reference` itself. MNIST (the real test set in ../shared/data, its stratified half) must
reach the issue's target, >= 98% held-out accuracy; Fashion-MNIST is trained from 10,000 of
its images for 4 epochs to keep the suite short (its full recipe's accuracy is in
docs/evaluation.md), so its accuracy is printed, not held to the 90% target."""
import os
import pathlib
import shutil
import time

import h5py
import pytest

from conftest import FASHION, MNIST_TEST, SHARED, run_ganrun

CACHE = pathlib.Path(os.environ.get("GANRUN_TEST_REFERENCES", "test-cache/references"))


def manifest(dataset):
    files = sorted(CACHE.glob(f"{dataset}-lenet-*.h5"))
    assert len(files) == 1, files
    with h5py.File(files[0], "r") as f:
        return dict(f.attrs), f["eval_indices"][()]


@pytest.fixture(scope="module", autouse=True)
def fresh_cache():
    shutil.rmtree(CACHE, ignore_errors=True)
    CACHE.mkdir(parents=True)


def test_training_is_deterministic_given_the_seed(tmp_path):
    """Two trainings with one seed (and thread count) give the same weights, another seed not."""
    mnist = SHARED / "mnist"
    if not all((mnist / f).exists() for f in MNIST_TEST):
        pytest.skip(f"MNIST test set not found in {mnist}")
    shas = []
    for i, seed in enumerate((3, 3, 4)):
        cache = tmp_path / f"c{i}"
        r = run_ganrun(["eval", "train-reference", "--dataset", "mnist", "--data-dir", mnist,
                        "--cache", cache, "--seed", seed, "--train-images", "600", "--epochs",
                        "1"], env={"OMP_NUM_THREADS": "1"})
        assert r.returncode == 0, r.stderr
        (file,) = cache.glob("mnist-lenet-*.h5")
        with h5py.File(file, "r") as f:
            shas.append(f.attrs["net_sha256"])
            assert f.attrs["train_images"] == 600 and f.attrs["seed"] == seed
    assert shas[0] == shas[1] != shas[2]


def test_mnist_reference_reaches_98_percent():
    mnist = SHARED / "mnist"
    if not all((mnist / f).exists() for f in MNIST_TEST):
        pytest.skip(f"MNIST test set not found in {mnist}")
    started = time.monotonic()
    r = run_ganrun(["eval", "train-reference", "--dataset", "mnist", "--data-dir", mnist,
                    "--cache", CACHE])
    took = time.monotonic() - started
    assert r.returncode == 0, r.stderr
    attrs, eval_indices = manifest("mnist")
    print(f"MNIST reference: held-out accuracy {100 * attrs['test_accuracy']:.2f}% "
          f"in {took:.0f} s ({attrs['epochs']} epochs of {attrs['train_images']} images)")
    assert attrs["test_accuracy"] >= 0.98
    # The stratified split of the 10,000 test images: halves per class, disjoint, all used.
    assert attrs["train_split"] == attrs["eval_split"] == "test"
    assert attrs["train_images"] + attrs["eval_images"] == 10000
    assert len(set(eval_indices)) == len(eval_indices) == attrs["eval_images"]
    assert "reached" in r.stdout


def test_fashion_reference_for_the_tests():
    if not (FASHION / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"Fashion-MNIST not found in {FASHION}")
    r = run_ganrun(["eval", "train-reference", "--dataset", "fashion-mnist", "--data-dir",
                    FASHION, "--train-images", "10000", "--epochs", "4", "--cache", CACHE])
    assert r.returncode == 0, r.stderr
    attrs, eval_indices = manifest("fashion-mnist")
    print(f"Fashion-MNIST test reference (10,000 images, 4 epochs): held-out accuracy "
          f"{100 * attrs['test_accuracy']:.2f}%")
    assert attrs["train_images"] == 10000 and attrs["eval_images"] == 10000
    assert attrs["train_split"] == "train" and attrs["eval_split"] == "test"
    assert attrs["test_accuracy"] >= 0.80  # a working classifier; the full recipe aims at 90%
