"""`ganrun data list|verify|pack|show` on the real data: the shared MNIST test set (published
checksums), Debian's Fashion-MNIST (re-compressed: checksum warnings, not errors), and a pack
read back with h5py and compared with the IDX files decoded here with gzip + numpy."""
import gzip
import os
import pathlib
import shutil
import struct

import h5py
import numpy as np
import pytest

from conftest import MNIST_TEST, SHARED, ganrun_lines, run_ganrun

FASHION_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_idx(path):
    raw = gzip.decompress(pathlib.Path(path).read_bytes())
    magic, = struct.unpack(">I", raw[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def histogram(stdout):
    """{class: count} from the rows of `data show`'s table (class first, count last)."""
    rows = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].isdigit() and parts[-1].isdigit():
            rows[int(parts[0])] = int(parts[-1])
    return rows


def test_list_finds_debian_fashion_mnist(fashion_test_dir):
    env = {"GANRUN_DATA": ""}
    r = run_ganrun(["data", "list"], env=env)
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stdout.splitlines() if l.startswith("fashion-mnist")
             and str(fashion_test_dir) in l]
    assert len(lines) == 1, r.stdout
    assert "not found" not in lines[0] and "found" in lines[0]
    assert "train 60000" in lines[0] and "test 10000" in lines[0]
    assert any(l.startswith("mnist") for l in r.stdout.splitlines())
    assert any(l.startswith("cifar10") for l in r.stdout.splitlines())
    for toy in ("toy-ring8", "toy-grid25"):
        assert any(l.startswith(toy) and "generated" in l for l in r.stdout.splitlines()), toy
    # Every catalogue entry is listed: toy-file too, as the one set read from a points file.
    assert any(l.startswith("toy-file") and ".mat" in l for l in r.stdout.splitlines()), r.stdout


def test_list_with_data_dir_and_env(tmp_path, mnist_dir):
    root = tmp_path / "data"
    (root / "mnist").mkdir(parents=True)
    for n in MNIST_TEST:
        shutil.copy(mnist_dir / n, root / "mnist" / n)
    r = run_ganrun(["data", "list", "--data-dir", root], env={"GANRUN_DATA": str(tmp_path / "no")})
    assert r.returncode == 0, r.stderr
    mnist = [l for l in r.stdout.splitlines() if l.startswith("mnist ")]
    found = [l for l in mnist if str(root / "mnist") in l]
    assert len(found) == 1 and "found: test 10000" in found[0], r.stdout
    assert str(1_648_877 + 4_542) in found[0]  # the two files' bytes
    assert any(str(tmp_path / "no" / "mnist") in l and "not found" in l for l in mnist), r.stdout


def test_verify_shared_mnist_known_checksums(mnist_dir):
    r = run_ganrun(["data", "verify", mnist_dir])  # the set is recognised by its checksums
    assert r.returncode == 0, r.stderr
    assert "mnist test: 10000 images of 1x28x28 decoded" in r.stdout
    for n, h in zip(MNIST_TEST, ("9fb629c4189551a2d022fa330f9573f3",
                                 "ec29112dd5afa0611ce80d1b7f02629c")):
        row = [l for l in r.stdout.splitlines() if n in l]
        assert len(row) == 1 and h in row[0] and "published MD5" in row[0], r.stdout
    assert "warning" not in r.stderr


def test_verify_debian_fashion_mnist_warns(fashion_test_dir):
    r = run_ganrun(["data", "verify", fashion_test_dir, "--dataset", "fashion-mnist"])
    assert r.returncode == 0, r.stderr
    assert "fashion-mnist train: 60000 images" in r.stdout
    assert "fashion-mnist test: 10000 images" in r.stdout
    warnings = [l for l in r.stderr.splitlines() if l.startswith("warning:")]
    # Debian re-compressed the four gzip files: same content, other MD5s.
    assert len(warnings) == 4, r.stderr
    assert all("differs from the published" in w and "decodes correctly" in w for w in warnings)
    assert "bef4ecab320f06d8554ea6380940ec79" in r.stderr  # the publisher's t10k-images MD5
    assert ganrun_lines(r.stderr) == []


def test_verify_unrecognised_idx_needs_dataset(fashion_copy):
    r = run_ganrun(["data", "verify", fashion_copy])
    assert r.returncode == 2
    lines = ganrun_lines(r.stderr)
    assert len(lines) == 1 and "--dataset" in lines[0], r.stderr


def test_verify_corrupt_file_is_an_error(fashion_copy):
    labels = fashion_copy / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(labels.read_bytes()[:200])  # a truncated gzip stream
    r = run_ganrun(["data", "verify", fashion_copy, "--dataset", "fashion-mnist"])
    assert r.returncode == 2
    lines = ganrun_lines(r.stderr)
    assert len(lines) == 1 and "t10k-labels-idx1-ubyte.gz" in lines[0], r.stderr


def test_pack_and_show_fashion_test_split(tmp_path, fashion_test_dir):
    pack = tmp_path / "fashion-test.h5"
    r = run_ganrun(["data", "pack", "--dataset", "fashion-mnist", "--data-dir", fashion_test_dir,
                    "--split", "test", "--out", pack])
    assert r.returncode == 0, r.stderr
    images = read_idx(fashion_test_dir / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(fashion_test_dir / "t10k-labels-idx1-ubyte.gz").astype(np.int64)

    with h5py.File(pack, "r") as f:
        assert f["images"].shape == (10000, 1, 28, 28) and f["images"].dtype == np.uint8
        assert f["labels"].shape == (10000,) and f["labels"].dtype == np.int64
        assert np.array_equal(f["images"][:, 0], images)
        assert np.array_equal(f["labels"][:], labels)
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        assert attrs["format"] == "ganrun-pack-v1"
        assert attrs["dataset"] == "fashion-mnist" and attrs["split"] == "test"
        assert str(fashion_test_dir) in attrs["source"]
        assert attrs["class_names"].split("\n") == FASHION_NAMES
        assert len(attrs["images_sha256"]) == 64 and len(attrs["labels_sha256"]) == 64

    png = tmp_path / "grid.png"
    show = run_ganrun(["data", "show", pack, "--png", png])
    assert show.returncode == 0, show.stderr
    assert "10000 images of 1x28x28" in show.stdout
    expected = dict(enumerate(np.bincount(labels, minlength=10).tolist()))
    assert histogram(show.stdout) == expected
    for name in FASHION_NAMES:
        assert name in show.stdout
    assert any(l.split()[:1] == ["total"] and l.split()[-1] == "10000"
               for l in show.stdout.splitlines())
    data = png.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])  # IHDR
    assert (width, height) == (8 * 28 + 9 * 2, 8 * 28 + 9 * 2)  # 8 x 8 tiles, 2-pixel borders

    # The same counts straight from the IDX files.
    direct = run_ganrun(["data", "show", "--dataset", "fashion-mnist", "--data-dir",
                         fashion_test_dir, "--split", "test"])
    assert direct.returncode == 0, direct.stderr
    assert histogram(direct.stdout) == expected

    # An existing pack is not replaced without --force.
    again = run_ganrun(["data", "pack", "--dataset", "fashion-mnist", "--data-dir",
                        fashion_test_dir, "--split", "test", "--out", pack])
    assert again.returncode == 2 and "--force" in again.stderr


def test_pack_of_missing_folder_writes_nothing(tmp_path):
    out = tmp_path / "p.h5"
    r = run_ganrun(["data", "pack", "--dataset", "mnist", "--data-dir", tmp_path / "nowhere",
                    "--split", "test", "--out", out])
    assert r.returncode == 2
    lines = ganrun_lines(r.stderr)
    assert len(lines) == 1 and "nowhere" in lines[0], r.stderr
    assert list(tmp_path.iterdir()) == []


def test_show_rejects_a_file_that_is_not_a_pack(tmp_path):
    bogus = tmp_path / "bogus.h5"
    bogus.write_bytes(b"not hdf5 at all")
    r = run_ganrun(["data", "show", bogus])
    assert r.returncode == 2, r.stderr
    lines = ganrun_lines(r.stderr)
    assert len(lines) == 1 and "bogus.h5" in lines[0], r.stderr


def test_data_without_command_is_a_usage_error():
    r = run_ganrun(["data"])
    assert r.returncode == 2
    assert len(ganrun_lines(r.stderr)) == 1 and "list" in r.stderr
    h = run_ganrun(["data", "--help"])
    assert h.returncode == 0
    for word in ("list", "fetch", "verify", "pack", "show"):
        assert f"ganrun data {word}" in h.stdout
