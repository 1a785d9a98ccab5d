"""The parts of the loaders that need no sweep: /config's YAML 1.2 typing, the wall time of a
resumed run, and a pack's wall time (on hand-made files that follow the README layout)."""
import math

import h5py
import numpy as np

import ganrun_analysis as ga
from ganrun_analysis.runfile import training_seconds

# As ganrun's to_yaml writes it (runner/run_settings.cpp): canonical floats, quoted strings
# only where needed, intervals in epochs as flow maps.
CONFIG = """preset: ""
variant: wgan-gp
lr_g: 2e-4
lr_d: 1e20
beta1: 5e-1
beta2: 9.99e-1
weight_decay: 0
clip_value: nan
n_critic: 5
pixel_range: 01
seed: 0
data_dir: "/data/with space"
sample_every: {epochs: 2}
"""


def test_config_floats_follow_yaml_1_2():
    s = ga.parse_config(CONFIG)
    assert s["lr_g"] == 2e-4 and isinstance(s["lr_g"], float)  # PyYAML (1.1) says "2e-4"
    assert s["lr_d"] == 1e20 and s["beta1"] == 0.5 and s["beta2"] == 0.999
    assert s["weight_decay"] == 0 and s["n_critic"] == 5 and isinstance(s["n_critic"], int)
    assert math.isnan(s["clip_value"])  # ganrun writes nan, YAML spells it .nan
    assert s["preset"] == "" and s["variant"] == "wgan-gp" and s["data_dir"] == "/data/with space"
    assert s["sample_every"] == {"epochs": 2}
    assert ga.parse_config('x: "nan"\n')["x"] == "nan"  # quoted: text
    # YAML 1.2 reads 01 as the integer 1; ganrun's integers have no leading zeros: a name.
    assert s["pixel_range"] == "01" and s["seed"] == 0 and isinstance(s["seed"], int)
    assert ga.config.flatten_settings(s)["sample_every"] == "{epochs: 2}"


def test_wall_time_of_a_resumed_run_sums_its_attempts():
    # Attempt 1 logged steps 5, 10 (wall 1, 2 s) and was killed after its checkpoint at 10;
    # the resumed attempt keeps those rows and logs 15, 20 with its own clock (0.4, 1.4 s).
    steps = np.array([5, 10, 15, 20])
    walls = np.array([1.0, 2.0, 0.4, 1.4])
    assert training_seconds(steps, walls) == 2.0 + 1.4
    assert training_seconds(np.array([5, 10]), np.array([1.0, np.nan])) == 1.0
    assert math.isnan(training_seconds(np.zeros(0), np.zeros(0)))


def write_run(path, run_id, walls, pack_members, status="completed"):
    with h5py.File(path, "w") as f:
        f.attrs["run_id"] = run_id
        f.attrs["status"] = status
        f.attrs["pack_size"] = np.int64(len(pack_members.split(",")))
        f.attrs["pack_members"] = pack_members
        f.attrs["started"] = "2026-01-01T00:00:00Z"
        f.attrs["ended"] = ""
        f["config"] = f"variant: gan\nlr_g: 1e-3\nseed: {run_id[-1]}\n"
        steps = 5 * np.arange(1, len(walls) + 1)
        f["metrics/step"] = steps.astype(np.float64)
        f["metrics/wall_s"] = np.asarray(walls, dtype=np.float64)
        f["metrics/g_loss"] = np.ones(len(walls))


def test_a_packed_member_gets_its_packs_wall_time(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    write_run(runs / "gan-s0.h5", "gan-s0", [1.0, 2.0, 4.0], "gan-s0,gan-s1")
    write_run(runs / "gan-s1.h5", "gan-s1", [1.0], "gan-s0,gan-s1", status="diverged")
    write_run(runs / "gan-s2.h5", "gan-s2", [], "gan-s2", status="failed")
    (runs / ".gan-s2.h5.tmp").write_bytes(b"a snapshot being written")  # never read
    df = ga.load_sweep(tmp_path).set_index("run_id")
    assert list(df.index) == ["gan-s0", "gan-s1", "gan-s2"]
    assert df.loc["gan-s1", "run_wall_s"] == 1.0 and df.loc["gan-s1", "wall_s"] == 4.0
    assert df.loc["gan-s0", "wall_s"] == 4.0
    assert math.isnan(df.loc["gan-s2", "wall_s"]) and math.isnan(df.loc["gan-s2", "last_step"])
    assert df.loc["gan-s0", "lr_g"] == 1e-3 and df.loc["gan-s2", "seed"] == 2
    assert df["ended"].isna().all()
    assert ga.load_metrics(tmp_path)["run_id"].unique().tolist() == ["gan-s0", "gan-s1"]


def test_an_out_without_runs_gives_empty_frames(tmp_path):
    assert len(ga.load_sweep(tmp_path)) == 0 and "status" in ga.load_sweep(tmp_path).columns
    assert list(ga.load_metrics(tmp_path).columns) == ["out", "run_id", "step", "metric", "value"]
    assert len(ga.load_assignments(tmp_path)) == 0
