"""ganrun on a CUDA GPU through its commands (ctest e2e_gpu, label gpu): --device auto picks the
GPU, 2 and 4 sweep ranks share one GPU with --ranks-per-gpu, more ranks than GPUs without it is
refused (exit 2, nothing written), `ganrun sample` draws on CUDA, and a packed sweep whose
steps are CUDA graphs completes on 2 ranks. Every test skips where
`ganrun --version` reports no CUDA device. Data: the MNIST test set from the shared data
folder (or toy points, which need none)."""
import h5py
import pytest

from conftest import SHARED, ganrun_lines, run_ganrun, tree_state


def visible_gpus():
    r = run_ganrun(["--version"])
    assert r.returncode == 0, r.stderr
    for line in r.stdout.splitlines():
        if line.startswith("cuda: "):
            return int(line.split()[1])
    raise AssertionError("ganrun --version printed no 'cuda:' line:\n" + r.stdout)


GPUS = visible_gpus()
pytestmark = pytest.mark.skipif(GPUS == 0, reason="no CUDA device visible to ganrun")


def toy_sweep(tmp_path, runs, steps=20):
    seeds = ", ".join(str(s) for s in range(runs))
    path = tmp_path / "toy.yaml"
    path.write_text("name: gpu-share\n"
                    "dataset: {name: toy-ring8}\n"
                    "variant: gan\narch: toy\ntoy_depth: 2\ntoy_width: 64\n"
                    f"train: {{steps: {steps}, batch: 64, log_every: 10}}\n"
                    f"grid:\n  seed: [{seeds}]\n"
                    f"out: {tmp_path / 'out'}\n")
    return path


def run_files(out):
    return sorted((out / "runs").glob("*.h5"))


def train_on_mnist(out, steps, device):
    """One gan/mlp run on the MNIST test set; returns its run file."""
    r = run_ganrun(["train", "--dataset", "mnist", "--data-dir", SHARED / "mnist", "--split",
                    "test", "--steps", steps, "--batch", 32, "--device", device, "--out", out])
    assert r.returncode == 0, r.stderr
    [f] = run_files(out)
    return f


def test_device_auto_picks_the_gpu(tmp_path):
    f = train_on_mnist(tmp_path / "out", steps=10, device="auto")
    with h5py.File(f, "r") as h:
        assert h.attrs["status"] == "completed"
        assert h.attrs["device"].startswith("cuda"), h.attrs["device"]


@pytest.mark.parametrize("ranks", [2, 4])
def test_sweep_ranks_share_the_gpu(tmp_path, ranks):
    sweep = toy_sweep(tmp_path, runs=ranks * 2)
    r = run_ganrun(["--sweep", sweep, "--device", "cuda", "--ranks-per-gpu", ranks],
                   ranks=ranks)
    assert r.returncode == 0, r.stderr
    files = run_files(tmp_path / "out")
    assert len(files) == ranks * 2
    for f in files:
        with h5py.File(f, "r") as h:
            assert h.attrs["status"] == "completed", f
            assert h.attrs["device"] == "cuda:0", h.attrs["device"]


def test_more_ranks_than_gpus_is_refused(tmp_path):
    sweep = toy_sweep(tmp_path, runs=GPUS + 1)
    before = tree_state(tmp_path)
    r = run_ganrun(["--sweep", sweep, "--device", "cuda"], ranks=GPUS + 1)
    assert r.returncode == 2, r.stderr
    lines = ganrun_lines(r.stderr)
    assert any("--ranks-per-gpu" in l for l in lines), r.stderr
    assert tree_state(tmp_path) == before


def test_sample_draws_on_cuda(tmp_path):
    f = train_on_mnist(tmp_path / "out", steps=4, device="cuda")
    grids = {}
    for device in ("cuda", "cpu"):
        grids[device] = tmp_path / f"{device}.png"
        r = run_ganrun(["sample", f, "--n", 16, "--seed", 2, "--device", device, "--out",
                        grids[device]])
        assert r.returncode == 0, r.stderr
        assert "wrote 16 samples" in r.stdout
    # float32 kernels may round a pixel differently; the PNGs are the same size and mostly equal.
    a, b = grids["cuda"].read_bytes(), grids["cpu"].read_bytes()
    assert a[:24] == b[:24]  # signature and IHDR: same width, height, depth


def test_packed_graph_captured_sweep_on_two_ranks_completes(tmp_path):
    """8 toy runs in packs of 4 on 2 ranks sharing the GPU, each step captured as a CUDA graph:
    every run completes, packed, and no run fell back to eager steps."""
    sweep = toy_sweep(tmp_path, runs=8, steps=60)
    r = run_ganrun(["--sweep", sweep, "--device", "cuda", "--ranks-per-gpu", 2, "--pack", 4,
                    "--cuda-graphs"], ranks=2)
    assert r.returncode == 0, r.stderr
    assert "CUDA graphs off" not in r.stderr, r.stderr
    files = run_files(tmp_path / "out")
    assert len(files) == 8
    for f in files:
        with h5py.File(f, "r") as h:
            assert h.attrs["status"] == "completed", f
            assert int(h.attrs["pack_size"]) == 4, f
