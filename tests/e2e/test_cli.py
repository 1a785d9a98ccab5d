"""The ganrun command line: help, version, usage errors, and one `train` + `sample` round
trip through real files."""
import hashlib
import re

import h5py
import numpy as np
import pytest

from conftest import ganrun_lines, run_ganrun

TRAIN_FLAGS = ["--variant", "--arch", "--dataset", "--data-dir", "--split", "--epochs", "--steps",
               "--batch", "--lr-g", "--lr-d", "--beta1", "--beta2", "--n-critic", "--seed",
               "--dtype", "--device", "--out", "--log-every", "--sample-every"]


def test_help_names_the_commands():
    r = run_ganrun(["--help"])
    assert r.returncode == 0, r.stderr
    for word in ("--sweep", "--dry-run", "--force", "train", "sample", "--version"):
        assert word in r.stdout


def test_train_help_lists_every_flag():
    r = run_ganrun(["train", "--help"])
    assert r.returncode == 0, r.stderr
    for flag in TRAIN_FLAGS:
        assert re.search(rf"^\s+{re.escape(flag)}\b", r.stdout, re.M), flag


def test_version_names_version_and_commit():
    r = run_ganrun(["--version"])
    assert r.returncode == 0
    first, *rest = r.stdout.strip().splitlines()
    assert re.fullmatch(r"ganrun \d+\.\d+\.\d+ \(git (unknown|[0-9a-f]{12}(-dirty)?)\)",
                        first), r.stdout
    # Then each optional component with CMake's reason, and the CUDA devices ganrun sees.
    assert [l.split(":")[0] for l in rest] == ["component fetch", "component matio", "cuda"], rest
    for line in rest[:2]:
        assert re.fullmatch(r"component \w+: (on \(found .+\)|off \(.+\))", line), line
    assert re.fullmatch(r"cuda: \d+ device\(s\) visible", rest[2]), rest[2]


def test_unknown_subcommand_is_a_usage_error():
    r = run_ganrun(["trian"])
    assert r.returncode == 2
    assert len(ganrun_lines(r.stderr)) == 1 and "trian" in r.stderr


def test_unknown_flag_is_a_usage_error():
    r = run_ganrun(["train", "--n-critc", "5"])
    assert r.returncode == 2
    assert "n-critc" in r.stderr


def test_train_then_sample_round_trip(tmp_path, fashion_test_dir):
    out = tmp_path / "out"
    r = run_ganrun(["train", "--dataset", "fashion-mnist", "--data-dir", fashion_test_dir,
                    "--split", "test", "--steps", 12, "--batch", 16, "--log-every", 4,
                    "--sample-every", 6, "--dtype", "float64", "--seed", 3, "--out", out])
    assert r.returncode == 0, r.stderr
    files = list((out / "runs").glob("*.h5"))
    assert len(files) == 1
    with h5py.File(files[0], "r") as f:
        assert f.attrs["status"] == "completed"
        assert f.attrs["dtype"] == "float64" and f.attrs["seed"] == 3
        assert f.attrs["preset"] == "none"
        assert list(f["metrics/step"][:]) == [4, 8, 12]
        # Sample points at steps 6 and 12; the end (12) is one of them, not a third grid.
        assert list(f["samples/step"][:]) == [6, 12]
        assert f["samples/images"].shape == (2, 64, 1, 28, 28)
        assert f["samples/images"].dtype == np.uint8
    png = files[0].with_suffix(".png")
    assert png_size(png) == (8 * 28 + 9 * 2, 8 * 28 + 9 * 2)  # 8 x 8 tiles, 2-pixel borders

    grid = tmp_path / "grid.png"
    r = run_ganrun(["sample", files[0], "--n", 16, "--seed", 5, "--out", grid])
    assert r.returncode == 0, r.stderr
    again = tmp_path / "again.png"
    run_ganrun(["sample", files[0], "--n", 16, "--seed", 5, "--out", again])
    other = tmp_path / "other.png"
    run_ganrun(["sample", files[0], "--n", 16, "--seed", 6, "--out", other])
    assert grid.read_bytes() == again.read_bytes()
    assert grid.read_bytes() != other.read_bytes()
    # --device: cuda where none is visible is refused before anything is written (the GPU
    # case: test_gpu.py).
    if "cuda: 0 device" in run_ganrun(["--version"]).stdout:
        no_gpu = tmp_path / "no-gpu.png"
        r = run_ganrun(["sample", files[0], "--device", "cuda", "--out", no_gpu])
        assert r.returncode == 2 and "no CUDA GPU is visible" in r.stderr, r.stderr
        assert not no_gpu.exists()
    r = run_ganrun(["sample", files[0], "--device", "tpu", "--out", tmp_path / "x.png"])
    assert r.returncode == 2 and "--device must be auto, cpu or cuda" in r.stderr, r.stderr


def png_size(path):
    """(width, height) from a PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_conditional_grid_is_ten_by_ten(tmp_path, fashion_test_dir):
    # 10 noise rows x 10 classes: the PNG shows one class per column, as the file stores them.
    out = tmp_path / "out"
    r = run_ganrun(["train", "--variant", "cgan", "--arch", "mlp-small", "--data-dir",
                    fashion_test_dir, "--split", "test", "--steps", 2, "--batch", 8,
                    "--out", out])
    assert r.returncode == 0, r.stderr
    [run] = (out / "runs").glob("*.h5")
    with h5py.File(run, "r") as f:
        assert f["samples/images"].shape == (1, 100, 1, 28, 28)
    assert png_size(run.with_suffix(".png")) == (10 * 28 + 11 * 2, 10 * 28 + 11 * 2)


def test_train_on_two_ranks_needs_data_parallel(tmp_path):
    out = tmp_path / "out"
    r = run_ganrun(["train", "--steps", 2, "--out", out], ranks=2)
    assert r.returncode == 2
    assert len(ganrun_lines(r.stderr)) == 1 and "--data-parallel" in r.stderr
    assert not out.exists()


def test_cuda_graph_flags(tmp_path):
    """Both flags at once are bad input; --cuda-graphs where no run can be captured (the CPU)
    says so once per run, in one line, and the run trains eagerly to completion; without a
    flag (graphs on by default on CUDA) a CPU run says nothing of graphs."""
    out = tmp_path / "out"
    toy = ["train", "--dataset", "toy-ring8", "--arch", "toy", "--toy-depth", 1, "--toy-width", 8,
           "--steps", 3, "--device", "cpu", "--out", out]
    r = run_ganrun(toy + ["--cuda-graphs", "--no-cuda-graphs"])
    assert r.returncode == 2
    assert ganrun_lines(r.stderr) == ["ganrun: give --cuda-graphs or --no-cuda-graphs, not both"]
    assert not out.exists()
    r = run_ganrun(toy + ["--cuda-graphs"])
    assert r.returncode == 0, r.stderr
    notices = [l for l in ganrun_lines(r.stderr) if "CUDA graphs off" in l]
    assert len(notices) == 1, r.stderr
    assert "CUDA graphs need a CUDA device; it trains eagerly" in notices[0]
    [f] = (out / "runs").glob("*.h5")
    with h5py.File(f, "r") as h:
        assert h.attrs["status"] == "completed"
    # Without the flag graphs are the default only on CUDA: a CPU run trains eagerly, quietly.
    r = run_ganrun(toy[:-1] + [tmp_path / "default"])
    assert r.returncode == 0, r.stderr
    assert "CUDA graphs" not in r.stderr, r.stderr


# Each preset through --preset, and none: (flags, the data set and arch the preset chose).
# toy-2d picks the data set (toy-ring8) itself; its nets are shrunk to one step's worth of work.
TRAIN_PRESETS = {
    None: (["--arch", "mlp-small"], "fashion-mnist", "mlp-small"),
    "collection": ([], "fashion-mnist", "dcgan28"),
    "paper": (["--arch", "mlp-small"], "fashion-mnist", "mlp-small"),
    "cs231n": ([], "fashion-mnist", "mlp-small"),
    "toy-2d": (["--toy-depth", 1, "--toy-width", 8], "toy-ring8", "toy"),
}


def test_train_presets_are_all_tested():
    r = run_ganrun(["presets"])
    listed = {line.split()[0] for line in r.stdout.splitlines()[2:] if line and line[0] != "`"}
    assert listed == {p for p in TRAIN_PRESETS if p}, r.stdout


@pytest.mark.parametrize("preset", list(TRAIN_PRESETS), ids=lambda p: p or "none")
def test_train_records_its_preset(tmp_path, fashion_test_dir, preset):
    # The run file's preset attribute names the preset (none without one), as /config does.
    flags, dataset, arch = TRAIN_PRESETS[preset]
    out = tmp_path / "out"
    args = ["train", "--steps", 1, "--batch", 8, "--n-critic", 1, "--out", out] + flags
    if preset:
        args += ["--preset", preset]
    if dataset == "fashion-mnist":
        args += ["--data-dir", fashion_test_dir, "--split", "test"]
    r = run_ganrun(args)
    assert r.returncode == 0, r.stderr
    files = list((out / "runs").glob("*.h5"))
    assert len(files) == 1
    with h5py.File(files[0], "r") as f:
        assert f.attrs["status"] == "completed", f.attrs["error"]
        assert f.attrs["preset"] == (preset or "none")
        assert f.attrs["dataset"] == dataset and f.attrs["arch"] == arch
        expected = f"preset: {preset}\n" if preset else 'preset: ""\n'
        assert expected in f["config"][()].decode()


def keyed_uniform(seed, draw, key):
    """docs: the number of (seed, draw, key), recomputed with hashlib (independent of ganrun)."""
    digest = hashlib.sha256(f"{seed}:{draw}:{key}".encode()).hexdigest()
    return (int(digest[:16], 16) >> 11) / 2.0 ** 53


def test_sample_draws_are_recorded_in_the_plan_and_sweep_h5(tmp_path):
    """A random search on the toy ring: 2 variants x 3 draws, trained for 4 steps each. The dry
    run and sweep.h5's grid table show each draw and its values, which hashlib recomputes."""
    sweep = tmp_path / "rs.yaml"
    sweep.write_text(f"""name: rs
dataset: toy-ring8
arch: toy
toy_width: 16
train: {{steps: 4, batch: 16, log_every: 2}}
grid:
  - {{variant: [gan, wgan-gp]}}
sample:
  count: 3
  seed: 5
  lr: {{log_uniform: [1.0e-5, 1.0e-2]}}
  n_critic: {{choice: [1, 2, 3, 4, 5]}}
  beta1: {{uniform: [0.0, 1.0]}}
out: {tmp_path / 'out'}
""")
    expect = {}
    for i in range(3):
        lr = 10 ** (-5 + 3 * keyed_uniform(5, i, "lr"))
        expect[i] = (float(f"{lr:.6g}"), [1, 2, 3, 4, 5][int(5 * keyed_uniform(5, i, "n_critic"))],
                     float(f"{keyed_uniform(5, i, 'beta1'):.6g}"))
    dry = run_ganrun(["--sweep", sweep, "--dry-run"])
    assert dry.returncode == 0, dry.stderr
    rows = [l.split() for l in dry.stderr.splitlines() if re.match(r"(gan|wgan-gp)-d\d-", l)]
    assert len(rows) == 6
    for row in rows:
        i = int(re.match(r".*-d(\d)-", row[0]).group(1))
        drawn = dict(cell.split("=") for cell in row[-4:])
        assert int(drawn["draw"]) == i
        assert float(drawn["lr"]) == expect[i][0] and int(drawn["n_critic"]) == expect[i][1]
        assert float(drawn["beta1"]) == expect[i][2]
    r = run_ganrun(["--sweep", sweep, "--threads", "1"])
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "out" / "sweep.h5", "r") as f:
        grid = {k: [v.decode() for v in f["grid"][k][()]] for k in f["grid"] if k != "rank"}
    assert set(grid) == {"run_id", "variant", "lr", "n_critic", "beta1", "draw"}
    for k, run_id in enumerate(grid["run_id"]):
        i = int(grid["draw"][k])
        assert run_id.startswith(("gan-d", "wgan-gp-d")) and f"-d{i}-" in run_id
        assert (float(grid["lr"][k]), int(grid["n_critic"][k]), float(grid["beta1"][k])) == \
            expect[i]
        with h5py.File(tmp_path / "out" / "runs" / f"{run_id}.h5", "r") as run:
            assert run.attrs["lr_g"] == expect[i][0] and run.attrs["n_critic"] == expect[i][1]
            assert run.attrs["beta1"] == expect[i][2]
            status = run.attrs["status"]
            assert (status.decode() if isinstance(status, bytes) else status) == "completed"
