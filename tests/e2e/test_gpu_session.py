"""bench/gpu_session.sh's first three stages as CI runs them (ctest bench_gpu_session_stages):
bench/gpu_deps.sh fills bench/carry/ with the Debian packages the GPU image lacks, then the
script probes this machine, unpacks the packages into a prefix and configures the whole of
ganrun with Debian's own Boost and stb hidden (--device cpu), so the carried copies must be the
ones found. The build, the GPU tests and the benchmarks are not run here (the GPU machine runs
them; the CPU rehearsal of every stage is in bench/README.md)."""
import os
import pathlib
import subprocess

import pytest

from conftest import MNIST_TEST, SHARED

ROOT = pathlib.Path(__file__).resolve().parents[2]
ALWAYS = ("libboost1.74-dev", "libboost-program-options1.74-dev",
          "libboost-program-options1.74.0", "libstb-dev", "libstb0")


def summary_rows(summary):
    """{stage: status} from summary.md's stage table."""
    rows = {}
    for line in summary.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] in ("probe", "unpack", "configure", "build", "test",
                                            "bench"):
            rows[cells[0]] = cells[1]
    return rows


def test_probe_unpack_configure_use_the_carried_packages(tmp_path):
    if not all((SHARED / "mnist" / n).exists() for n in MNIST_TEST):
        pytest.skip(f"MNIST test set not found in {SHARED / 'mnist'} (it travels in "
                    "bench/carry): set GANRUN_SHARED_DATA to the shared data folder")
    deps = subprocess.run([ROOT / "bench" / "gpu_deps.sh", "--data", SHARED],
                          capture_output=True, text=True, timeout=300)
    assert deps.returncode == 0, deps.stderr
    assert "limit 40 MiB" in deps.stderr
    out, work = tmp_path / "out", tmp_path / "work"
    r = subprocess.run([ROOT / "bench" / "gpu_session.sh", "--device", "cpu", "--stages",
                        "probe,unpack,configure", "--out", out, "--work", work],
                       capture_output=True, text=True, timeout=600, env=dict(os.environ))
    assert r.returncode == 0, r.stderr
    summary = (out / "summary.md").read_text()
    assert summary_rows(summary) == {"probe": "ok", "unpack": "ok", "configure": "ok"}, summary
    files = sorted(p.name for p in out.iterdir())
    assert len(files) <= 8 and {"summary.md", "probe.txt", "configure.log"} <= set(files), files

    probe = (out / "probe.txt").read_text()
    # This machine has every header the unpack stage decides on: only the five packages that
    # always travel are unpacked.
    for header in ("yaml-cpp/yaml.h", "gtest/gtest.h", "zlib.h", "openssl/evp.h"):
        assert f"header {header}: /usr/include/" in probe, probe
    unpacked = [l.split()[1] for l in probe.splitlines() if l.startswith("unpacked ")]
    assert sorted(u.split("_")[0] for u in unpacked) == sorted(ALWAYS), unpacked

    configure = (out / "configure.log").read_text()
    prefix = str(work / "prefix")
    deps_lines = {l.split("ganrun: dependency ")[1].split()[0].rstrip(":"): l
                  for l in configure.splitlines() if "ganrun: dependency " in l}
    for dep in ("boost", "stb"):
        assert prefix in deps_lines[dep], deps_lines[dep]
    for dep in ("torch", "mpi", "hdf5", "yaml-cpp", "zlib", "openssl", "fmt"):
        assert dep in deps_lines and prefix not in deps_lines[dep], deps_lines.get(dep)
    assert "component fetch (ganrun data fetch): OFF, GANRUN_WITH_FETCH=OFF" in configure
    assert "component matio (MATLAB .mat toy files): OFF, GANRUN_WITH_MATIO=OFF" in configure
