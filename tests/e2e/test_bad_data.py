"""Corrupt data files through `ganrun train`: copies of the Fashion-MNIST test split and of the
CIFAR-10 test batch, each broken one way here. Every case exits 2 with one `ganrun:` line
naming the broken file, and creates no output folder (no run file)."""
import gzip
import os
import pathlib
import shutil
import struct

import pytest

from conftest import ganrun_lines, run_ganrun

SHARED = pathlib.Path(os.environ.get("GANRUN_SHARED_DATA", "../shared/data"))
IMAGES = "t10k-images-idx3-ubyte.gz"
LABELS = "t10k-labels-idx1-ubyte.gz"
CIFAR_RECORD = 1 + 3072  # label byte + 32x32x3 pixels


def gunzip(path):
    return bytearray(gzip.decompress(path.read_bytes()))


def regzip(path, raw):
    path.write_bytes(gzip.compress(bytes(raw), compresslevel=1))


def truncate_images(d):
    raw = gunzip(d / IMAGES)
    regzip(d / IMAGES, raw[:16 + 28 * 28 * 5000 + 100])  # header says 10000, 5000.1 follow
    return IMAGES


def wrong_magic(d):
    raw = gunzip(d / IMAGES)
    raw[0:4] = struct.pack(">I", 0x00000777)
    regzip(d / IMAGES, raw)
    return IMAGES


def label_out_of_range(d):
    raw = gunzip(d / LABELS)
    raw[8 + 1234] = 10  # classes are 0..9
    regzip(d / LABELS, raw)
    return LABELS


def bad_gzip(d):
    data = bytearray((d / IMAGES).read_bytes())
    # Keep the 10-byte gzip header (so it is read as gzip) and wreck the deflate stream.
    data[10:4096] = bytes((i * 37 + 11) & 0xFF for i in range(10, 4096))
    (d / IMAGES).write_bytes(bytes(data))
    return IMAGES


def count_mismatch(d):
    raw = gunzip(d / LABELS)
    raw[4:8] = struct.pack(">I", 9999)  # 9999 labels for 10000 images
    regzip(d / LABELS, raw[:8 + 9999])
    return LABELS


def missing_labels(d):
    (d / LABELS).unlink()
    return "t10k-labels-idx1-ubyte"


@pytest.mark.parametrize("corrupt", [truncate_images, wrong_magic, label_out_of_range, bad_gzip,
                                     count_mismatch, missing_labels],
                         ids=lambda f: f.__name__)
def test_corrupt_fashion_mnist_is_refused(tmp_path, fashion_copy, corrupt):
    needle = corrupt(fashion_copy)
    out = tmp_path / "out"
    r = run_ganrun(["train", "--dataset", "fashion-mnist", "--data-dir", fashion_copy, "--split",
                    "test", "--steps", 2, "--out", out])
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = ganrun_lines(r.stderr)
    assert len(lines) == 1, r.stderr
    assert needle in lines[0], lines[0]
    assert not out.exists()


@pytest.fixture
def cifar_copy(tmp_path):
    src = SHARED / "cifar10" / "cifar-10-batches-bin"
    if not (src / "test_batch.bin").exists():
        pytest.skip(f"CIFAR-10 subset not found in {src}: set GANRUN_SHARED_DATA to the shared "
                    "data folder")
    d = tmp_path / "cifar10" / "cifar-10-batches-bin"
    d.mkdir(parents=True)
    shutil.copy(src / "batches.meta.txt", d / "batches.meta.txt")
    return d


def test_cifar_batch_of_partial_records_is_refused(tmp_path, cifar_copy):
    src = SHARED / "cifar10" / "cifar-10-batches-bin" / "test_batch.bin"
    with open(src, "rb") as f:
        (cifar_copy / "test_batch.bin").write_bytes(f.read(CIFAR_RECORD * 100 + 17))
    out = tmp_path / "out"
    r = run_ganrun(["train", "--dataset", "cifar10", "--data-dir", cifar_copy.parent, "--split",
                    "test", "--steps", 2, "--out", out])
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = ganrun_lines(r.stderr)
    assert len(lines) == 1, r.stderr
    assert "test_batch.bin" in lines[0], lines[0]
    assert not out.exists()
