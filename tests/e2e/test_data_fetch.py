"""`ganrun data fetch` against a local HTTP server (tests/tools/range_http_server.py) serving
copies of the shared data: checksums verified, a served file that differs is refused and
leaves nothing, an interrupted download resumes with a Range request, a server that ignores
ranges starts over, and the CIFAR-10 archive (built here) is unpacked. Nothing leaves 127.0.0.1."""
import contextlib
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile

import pytest

from conftest import MNIST_TEST, SHARED, built_components, ganrun_lines, run_ganrun

FETCH_BUILT = built_components()["fetch"]
# Every test below needs `ganrun data fetch`; a build without the fetch component (libcurl,
# libarchive) reports them skipped. CI builds it in (scripts/setup: GANRUN_WITH_FETCH=ON).
needs_fetch = pytest.mark.skipif(not FETCH_BUILT,
                                 reason="built without the fetch component (GANRUN_WITH_FETCH)")

SERVER = pathlib.Path(__file__).resolve().parents[1] / "tools" / "range_http_server.py"
CIFAR_MEMBERS = ("data_batch_1.bin", "test_batch.bin", "batches.meta.txt")
# libcurl honours *_proxy variables; the local server must be reached directly.
NO_PROXY = {"no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"}


def md5(path):
    return hashlib.md5(pathlib.Path(path).read_bytes()).hexdigest()


@pytest.fixture
def cifar_dir():
    d = SHARED / "cifar10" / "cifar-10-batches-bin"
    if not all((d / n).exists() for n in CIFAR_MEMBERS):
        pytest.skip(f"CIFAR-10 subset not found in {d}: set GANRUN_SHARED_DATA to the shared data "
                    "folder")
    return d


@contextlib.contextmanager
def serve(root, tmp_path, *options):
    """Runs the range server on `root`; yields (base URL, function returning the request log)."""
    log = tmp_path / f"requests-{len(list(tmp_path.glob('requests-*')))}.jsonl"
    proc = subprocess.Popen([sys.executable, str(SERVER), "--root", str(root), "--log", str(log),
                             "--lifetime", "300", *options],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("PORT "), f"range server did not start: {line!r}"

        def requests():
            if not log.exists():
                return []
            return [json.loads(l) for l in log.read_text().splitlines() if l.strip()]

        yield f"http://127.0.0.1:{int(line.split()[1])}/", requests
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def fetch(*args):
    return run_ganrun(["data", "fetch", *args], env=NO_PROXY, timeout=300)


@needs_fetch
def test_fetch_mnist_test_split_verifies_and_is_identical(tmp_path, mnist_dir):
    served = tmp_path / "served"
    served.mkdir()
    for n in MNIST_TEST:
        shutil.copy(mnist_dir / n, served / n)
    dest = tmp_path / "mnist"
    with serve(served, tmp_path) as (url, requests):
        r = fetch("mnist", "--dir", dest, "--mirror", url, "--split", "test")
        assert r.returncode == 0, r.stderr
        for n in MNIST_TEST:
            assert (dest / n).read_bytes() == (mnist_dir / n).read_bytes()
            assert md5(dest / n) in r.stdout  # the published MD5, reported as checked
        assert sorted(p.name for p in dest.iterdir()) == sorted(MNIST_TEST)  # no .part left
        assert len(requests()) == 2
        # Complete files with the right MD5 are not fetched again.
        again = fetch("mnist", "--dir", dest, "--mirror", url, "--split", "test")
        assert again.returncode == 0, again.stderr
        assert "already present" in again.stdout
        assert len(requests()) == 2


@needs_fetch
def test_checksum_mismatch_leaves_no_file(tmp_path, mnist_dir):
    served = tmp_path / "served"
    served.mkdir()
    for n in MNIST_TEST:
        shutil.copy(mnist_dir / n, served / n)
    images = served / MNIST_TEST[0]  # fetched first, so nothing precedes the failure
    raw = bytearray(images.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    images.write_bytes(bytes(raw))
    dest = tmp_path / "mnist"
    with serve(served, tmp_path) as (url, _):
        r = fetch("mnist", "--dir", dest, "--mirror", url, "--split", "test")
    assert r.returncode == 2, r.stderr
    lines = ganrun_lines(r.stderr)
    assert len(lines) == 1, r.stderr
    assert url + MNIST_TEST[0] in lines[0]
    assert "9fb629c4189551a2d022fa330f9573f3" in lines[0]  # expected (published) MD5
    assert md5(images) in lines[0]  # actual MD5
    assert not dest.exists() or list(dest.iterdir()) == []  # no file, no .part


@needs_fetch
def test_interrupted_download_resumes_with_range(tmp_path, mnist_dir):
    served = tmp_path / "served"
    served.mkdir()
    for n in MNIST_TEST:
        shutil.copy(mnist_dir / n, served / n)
    cut = 500_000  # of 1,648,877 bytes
    dest = tmp_path / "mnist"
    with serve(served, tmp_path, "--cut", f"{MNIST_TEST[0]}:{cut}") as (url, requests):
        first = fetch("mnist", "--dir", dest, "--mirror", url, "--split", "test")
        assert first.returncode == 2, first.stderr
        lines = ganrun_lines(first.stderr)
        assert len(lines) == 1 and "interrupted" in lines[0] and MNIST_TEST[0] in lines[0], \
            first.stderr
        part = dest / (MNIST_TEST[0] + ".part")
        assert part.stat().st_size == cut
        assert not (dest / MNIST_TEST[0]).exists()

        second = fetch("mnist", "--dir", dest, "--mirror", url, "--split", "test")
        assert second.returncode == 0, second.stderr
        assert "resumed" in second.stdout
        ranged = [q for q in requests() if q["path"].endswith(MNIST_TEST[0]) and q["range"]]
        assert ranged == [{"path": "/" + MNIST_TEST[0], "range": f"bytes={cut}-", "status": 206,
                           "sent": 1_648_877 - cut, "method": "GET"}]
    for n in MNIST_TEST:
        assert (dest / n).read_bytes() == (mnist_dir / n).read_bytes()
    assert sorted(p.name for p in dest.iterdir()) == sorted(MNIST_TEST)


@needs_fetch
def test_server_ignoring_range_restarts_from_zero(tmp_path, mnist_dir):
    served = tmp_path / "served"
    served.mkdir()
    for n in MNIST_TEST:
        shutil.copy(mnist_dir / n, served / n)
    dest = tmp_path / "mnist"
    dest.mkdir()
    # A stale partial file whose bytes are wrong: appending to it would corrupt the result.
    (dest / (MNIST_TEST[0] + ".part")).write_bytes(b"\x00" * 1000)
    with serve(served, tmp_path, "--ignore-range") as (url, requests):
        r = fetch("mnist", "--dir", dest, "--mirror", url, "--split", "test")
        assert r.returncode == 0, r.stderr
        statuses = [(q["range"], q["status"]) for q in requests()
                    if q["path"].endswith(MNIST_TEST[0])]
        # The Range request answered 200 (abandoned by the client), then a plain GET.
        assert sorted(statuses, key=str) == [("bytes=1000-", 200), (None, 200)], statuses
    for n in MNIST_TEST:
        assert (dest / n).read_bytes() == (mnist_dir / n).read_bytes()
    assert sorted(p.name for p in dest.iterdir()) == sorted(MNIST_TEST)


@needs_fetch
def test_http_error_is_reported(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    dest = tmp_path / "mnist"
    with serve(served, tmp_path) as (url, _):
        r = fetch("mnist", "--dir", dest, "--mirror", url, "--split", "test")
    assert r.returncode == 2
    lines = ganrun_lines(r.stderr)
    assert len(lines) == 1 and "404" in lines[0] and MNIST_TEST[0] in lines[0], r.stderr
    assert not dest.exists() or list(dest.iterdir()) == []


@pytest.fixture(scope="module")
def cifar_tarball(tmp_path_factory):
    d = SHARED / "cifar10" / "cifar-10-batches-bin"
    if not all((d / n).exists() for n in CIFAR_MEMBERS):
        pytest.skip(f"CIFAR-10 subset not found in {d}: set GANRUN_SHARED_DATA")
    served = tmp_path_factory.mktemp("cifar-served")
    tarball = served / "cifar-10-binary.tar.gz"
    # The official archive's layout: one folder, the batches and the class names inside.
    with tarfile.open(tarball, "w:gz", compresslevel=1) as tar:
        for n in CIFAR_MEMBERS:
            tar.add(d / n, arcname=f"cifar-10-batches-bin/{n}")
    return served, md5(tarball)


@needs_fetch
def test_fetch_cifar10_unpacks_the_archive(tmp_path, cifar_tarball, cifar_dir):
    served, tar_md5 = cifar_tarball
    dest = tmp_path / "cifar10"
    with serve(served, tmp_path) as (url, _):
        r = fetch("cifar10", "--dir", dest, "--mirror", url, "--md5",
                  f"cifar-10-binary.tar.gz={tar_md5}")
    assert r.returncode == 0, r.stderr
    unpacked = dest / "cifar-10-batches-bin"
    assert sorted(p.name for p in unpacked.iterdir()) == sorted(CIFAR_MEMBERS)  # no temp files
    for n in CIFAR_MEMBERS:
        assert md5(unpacked / n) == md5(cifar_dir / n), n
    assert sorted(p.name for p in dest.iterdir()) == ["cifar-10-batches-bin"]  # archive deleted
    v = run_ganrun(["data", "verify", dest])
    assert v.returncode == 0, v.stderr
    assert "cifar10 train: 10000 images of 3x32x32" in v.stdout
    assert "cifar10 test: 10000 images of 3x32x32" in v.stdout


@needs_fetch
def test_fetch_cifar10_keep_archive(tmp_path, cifar_tarball):
    served, tar_md5 = cifar_tarball
    dest = tmp_path / "cifar10"
    with serve(served, tmp_path) as (url, _):
        r = fetch("cifar10", "--dir", dest, "--mirror", url, "--keep-archive", "--md5",
                  f"cifar-10-binary.tar.gz={tar_md5}")
    assert r.returncode == 0, r.stderr
    assert md5(dest / "cifar-10-binary.tar.gz") == tar_md5
    assert (dest / "cifar-10-batches-bin" / "test_batch.bin").exists()


@needs_fetch
def test_fetch_cifar10_without_override_checks_the_published_md5(tmp_path, cifar_tarball):
    served, _ = cifar_tarball
    dest = tmp_path / "cifar10"
    with serve(served, tmp_path) as (url, _):
        r = fetch("cifar10", "--dir", dest, "--mirror", url)
    assert r.returncode == 2
    lines = ganrun_lines(r.stderr)
    assert len(lines) == 1 and "c32a1d4ab5d03f1284b67883e8d87530" in lines[0], r.stderr
    assert not dest.exists() or list(dest.iterdir()) == []


@needs_fetch
@pytest.mark.parametrize("args,needle", [
    (["toy-ring8", "--dir", "D"], "toy-ring8"),
    (["mnist", "--dir", "D", "--split", "val"], "--split"),
    (["cifar10", "--dir", "D", "--split", "test"], "--split"),
    (["mnist", "--dir", "D", "--md5", "nope.gz=" + "0" * 32], "nope.gz"),
    (["mnist", "--dir", "D", "--md5", "t10k-images-idx3-ubyte.gz=xyz"], "--md5"),
])
def test_fetch_usage_errors(tmp_path, args, needle):
    args = [str(tmp_path / "d") if a == "D" else a for a in args]
    r = fetch(*args)
    assert r.returncode == 2
    lines = ganrun_lines(r.stderr)
    assert len(lines) == 1 and needle in lines[0], r.stderr
    assert not (tmp_path / "d").exists()


def test_fetch_is_refused_exactly_when_built_without(tmp_path):
    """Runs in every build: with the component the command reaches its own argument checks;
    without it, exit 2 with the way to build it in, and nothing written."""
    dest = tmp_path / "mnist"
    r = run_ganrun(["data", "fetch", "mnist", "--dir", dest, "--mirror", tmp_path / "none"])
    assert r.returncode == 2, r.stderr
    if FETCH_BUILT:
        assert "built without" not in r.stderr
    else:
        lines = ganrun_lines(r.stderr)
        assert len(lines) == 1, r.stderr
        for word in ("ganrun data fetch", "built without", "GANRUN_WITH_FETCH=ON",
                     "libcurl4-openssl-dev", "ganrun data verify"):
            assert word in lines[0], r.stderr
        assert not dest.exists()
