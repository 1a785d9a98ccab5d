"""The loaders on sweeps written by the real ganrun (conftest.py): every frame value is compared
with what h5py reads from the run files directly, and the frames have one row per run file
(load_sweep) or per stored row (load_metrics, load_eval), whatever the runs' fate: completed,
diverged, failed before any metric row, or still `running`."""
import math
import shutil

import h5py
import numpy as np
import pandas as pd
import pytest

import ganrun_analysis as ga
from conftest import run_file

# Run attrs that repeat a resolved setting of /config: an independent source for the columns.
SETTING_ATTRS = ["variant", "arch", "dataset", "split", "lr_g", "lr_d", "beta1", "beta2",
                 "n_critic", "batch", "seed", "z_dim", "dtype"]


def attr(f, name):
    v = f.attrs[name]
    return v.decode() if isinstance(v, bytes) else (v.item() if hasattr(v, "item") else v)


def config_keys(f):
    """The keys of /config, read as plain `key: value` lines (no YAML library)."""
    text = f["config"][()]
    text = text.decode() if isinstance(text, bytes) else text
    return [line.split(":", 1)[0] for line in text.splitlines() if line.strip()]


def row_of(df, path):
    rows = df[df["path"] == str(path)]
    assert len(rows) == 1, path
    return rows.iloc[0]


@pytest.fixture(scope="module")
def sweep_df(sweeps):
    return ga.load_sweep([sweeps["main"], sweeps["extra"]])


def test_load_sweep_has_one_row_per_run_file_with_the_files_values(sweeps, sweep_df):
    files = sorted((sweeps["main"] / "runs").glob("*.h5")) + sorted(
        (sweeps["extra"] / "runs").glob("*.h5"))
    assert len(files) == 8 + 3
    assert sorted(sweep_df["path"]) == sorted(str(p) for p in files)
    assert list(sweep_df["out"].unique()) == [str(sweeps["extra"]), str(sweeps["main"])]
    for col in ga.sweep.STATUS_COLUMNS + ["path"]:
        assert col in sweep_df.columns, col
    for path in files:
        row = row_of(sweep_df, path)
        with h5py.File(path, "r") as f:
            assert row["run_id"] == attr(f, "run_id") == path.stem
            assert row["out"] == str(path.parent.parent)
            for name in ("status", "error", "stop_step", "attempts", "pack_size",
                         "pack_members", "total_steps"):
                assert row[name] == attr(f, name), (path.stem, name)
            for key in config_keys(f):  # every resolved setting is a column
                assert key in sweep_df.columns, key
            for name in SETTING_ATTRS:  # typed by YAML 1.2: 1e-4 is a float, not "1e-4"
                assert row[name] == attr(f, name), (path.stem, name)
            assert isinstance(row["lr_g"], float)
            # The default lr: toy-2d's 1e-4 in the main sweep; ganrun's own 2e-4 without a preset.
            default = 1e-4 if attr(f, "preset") == "toy-2d" else 2e-4
            assert row["default_lr_g"] == attr(f, "default_lr_g") == default
            assert row["default_lr_d"] == attr(f, "default_lr_d") == default
            steps = f["metrics/step"][:]
            assert (row["last_step"] == steps[-1]) if steps.size else math.isnan(row["last_step"])
            for name in f["metrics"]:
                if name in ("step", "wall_s"):
                    continue
                values = f["metrics"][name][:]
                expect = values[-1] if values.size else np.nan
                np.testing.assert_equal(row[f"final_{name}"], expect)
            walls = f["metrics/wall_s"][:]
            if "eval" in f:
                walls = np.concatenate([walls, f["eval/wall_s"][:]])
            if walls.size:  # one attempt: the largest wall time recorded
                assert row["run_wall_s"] == np.nanmax(walls)
                assert row["wall_s"] == row["run_wall_s"]  # not packed
            else:
                assert math.isnan(row["run_wall_s"])
            assert row["started"] == pd.Timestamp(attr(f, "started"))


def test_eval_summaries_equal_numpy_and_follow_the_files_direction(sweeps, sweep_df):
    for path in (sweeps["main"] / "runs").glob("*.h5"):
        row = row_of(sweep_df, path)
        with h5py.File(path, "r") as f:
            steps = f["eval/step"][:]
            metrics = [n for n in f["eval"] if n not in ("step", "samples", "wall_s", "eval_s")]
            assert set(metrics) == {"modes_covered", "high_quality"}
            for name in metrics:
                values = f["eval"][name][:]
                # ganrun writes each metric's direction (docs/evaluation.md): both higher.
                assert f["eval"][name].attrs["better"] == "higher"
                assert row[f"better_{name}"] == "higher"
                assert row[f"final_{name}"] == values[-1]
                assert row[f"best_{name}"] == values.max()
                assert row[f"best_step_{name}"] == steps[np.argmax(values)]


def test_without_a_better_attribute_no_best_is_made_up(sweeps, tmp_path):
    src = run_file(sweeps["main"], "gan-lr1e-3-s1")
    (tmp_path / "runs").mkdir()
    dst = tmp_path / "runs" / src.name
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:  # a file written before ganrun recorded directions
        del f["eval/modes_covered"].attrs["better"]
        values, steps = f["eval/modes_covered"][:], f["eval/step"][:]
    row = ga.load_sweep(tmp_path).iloc[0]
    assert pd.isna(row["better_modes_covered"]) and math.isnan(row["best_modes_covered"])
    # A direction given by the caller fills in where the file has none.
    row = ga.load_sweep(tmp_path, directions={"modes_covered": "higher"}).iloc[0]
    assert row["better_modes_covered"] == "higher"
    assert row["best_modes_covered"] == values.max()
    assert row["best_step_modes_covered"] == steps[np.argmax(values)]


def test_a_better_attribute_in_the_file_sets_the_direction(sweeps, tmp_path):
    # A copy of one run whose /eval/high_quality says lower is better.
    src = run_file(sweeps["main"], "wgan-gp-lr1e-3-s0")
    (tmp_path / "runs").mkdir()
    dst = tmp_path / "runs" / src.name
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        f["eval/high_quality"].attrs["better"] = "lower"
        values, steps = f["eval/high_quality"][:], f["eval/step"][:]
    row = ga.load_sweep(tmp_path, directions={"high_quality": "higher"}).iloc[0]
    assert row["better_high_quality"] == "lower"  # the file wins over the argument
    assert row["best_high_quality"] == values.min()
    assert row["best_step_high_quality"] == steps[np.argmin(values)]


def test_diverged_failed_and_running_runs_keep_their_rows(sweeps, sweep_df):
    extra = sweep_df[sweep_df["out"] == str(sweeps["extra"])].set_index("lr_g")
    assert sorted(extra.index) == [1e-3, 3e-3, 1e20]
    diverged, failed, running = extra.loc[1e20], extra.loc[3e-3], extra.loc[1e-3]
    assert diverged["status"] == "diverged" and diverged["stop_step"] == 5
    assert diverged["error"] and diverged["last_step"] == 5
    assert failed["status"] == "failed" and "injected failure" in failed["error"]
    assert math.isnan(failed["last_step"]) and math.isnan(failed["final_d_loss"])
    assert running["status"] == "running" and running["last_step"] == 15
    assert pd.isna(running["ended"]) and not pd.isna(running["started"])
    assert set(sweep_df[sweep_df["out"] == str(sweeps["main"])]["status"]) == {"completed"}
    # The failed run has no metric rows: load_metrics has none for it, and does not fail.
    m = ga.load_metrics(sweeps["extra"])
    assert set(m["run_id"]) == {diverged["run_id"], running["run_id"]}
    assert sorted(m[m["run_id"] == running["run_id"]]["step"].unique()) == [5, 10, 15]


def test_reading_while_the_sweep_trains_never_fails(sweeps):
    assert sweeps["live_errors"] == []
    frames = sweeps["live_frames"]
    assert frames, "the sweep ended before a single read"
    for df in frames:
        assert set(df["status"]) <= {"running", "completed"}
    counts = [len(df) for df in frames]
    assert counts == sorted(counts) and counts[-1] <= 8


def long_from_h5(out, group, skip):
    rows = []
    for path in sorted((out / "runs").glob("*.h5")):
        with h5py.File(path, "r") as f:
            if group not in f:
                continue
            steps = f[group]["step"][:]
            for name, ds in f[group].items():
                if name in skip or ds.ndim != 1:
                    continue
                rows += [(path.stem, int(s), name, float(v)) for s, v in zip(steps, ds[:])]
    return sorted(rows)


@pytest.mark.parametrize("loader,group,skip", [
    (ga.load_metrics, "metrics", ("step", "wall_s")),
    (ga.load_eval, "eval", ("step", "samples", "wall_s", "eval_s")),
])
def test_long_frames_equal_the_files_rows(sweeps, loader, group, skip):
    df = loader(sweeps["main"])
    assert list(df.columns) == ["out", "run_id", "step", "metric", "value"]
    got = sorted(zip(df["run_id"], df["step"].astype(int), df["metric"], df["value"]))
    assert got == long_from_h5(sweeps["main"], group, skip)

    # Selecting runs (ids or a load_sweep frame) and metrics, with the runs' settings joined.
    sweep = ga.load_sweep(sweeps["main"])
    chosen = sweep[(sweep["variant"] == "wgan-gp") & (sweep["lr_g"] == 1e-3)]
    name = sorted(df[df["run_id"].isin(chosen["run_id"])]["metric"].unique())[0]
    sub = loader(sweeps["main"], runs=chosen, metrics=[name], with_settings=True)
    assert set(sub["run_id"]) == set(chosen["run_id"]) and len(chosen) == 2
    assert set(sub["metric"]) == {name}
    assert (sub["lr_g"] == 1e-3).all() and (sub["variant"] == "wgan-gp").all()
    assert {"seed", "status", "n_critic"} <= set(sub.columns)
    same = df[df["run_id"].isin(chosen["run_id"]) & (df["metric"] == name)]
    assert len(sub) == len(same)
    assert sub["value"].tolist() == same["value"].tolist()


def test_several_outs_at_once_and_csv(sweeps, sweep_df, tmp_path):
    both = ga.load_metrics([sweeps["main"], sweeps["extra"]])
    assert set(both["out"]) == {str(sweeps["main"]), str(sweeps["extra"])}
    path = ga.to_csv(sweep_df, tmp_path / "sweep.csv")
    back = pd.read_csv(path)
    assert list(back.columns) == list(sweep_df.columns) and len(back) == len(sweep_df)
    np.testing.assert_array_equal(back["lr_g"].to_numpy(), sweep_df["lr_g"].to_numpy())
    assert back["run_id"].tolist() == sweep_df["run_id"].tolist()


def test_a_packed_member_reports_its_packs_wall_time(sweeps):
    df = ga.load_sweep(sweeps["images"])
    assert len(df) == 2 and set(df["status"]) == {"completed"}
    walls = {}
    for path in df["path"]:
        with h5py.File(path, "r") as f:
            assert attr(f, "pack_size") == 2
            assert sorted(attr(f, "pack_members").split(",")) == sorted(df["run_id"])
            walls[path] = f["metrics/wall_s"][:].max()  # no /eval in this sweep
    for _, row in df.iterrows():
        assert row["run_wall_s"] == walls[row["path"]]
        assert row["wall_s"] == max(walls.values())


def test_load_samples_returns_the_stored_grid(sweeps):
    path = sorted((sweeps["images"] / "runs").glob("*.h5"))[0]
    with h5py.File(path, "r") as f:
        steps = f["samples/step"][:].tolist()
        assert steps == [5, 10]
        for i, step in enumerate(steps):
            images = ga.load_samples(path, step)
            assert images.dtype == np.uint8 and images.shape == (64, 1, 28, 28)
            np.testing.assert_array_equal(images, f["samples/images"][i])
    np.testing.assert_array_equal(ga.load_samples(path), ga.load_samples(path, 10))
    assert ga.sample_steps(path).tolist() == [5, 10]
    with pytest.raises(KeyError, match="stored steps: 5, 10"):
        ga.load_samples(path, 7)
    with pytest.raises(KeyError, match="load_toy"):
        ga.load_samples(run_file(sweeps["main"], "gan-lr1e-4-s0"))


def test_load_toy_returns_points_and_field(sweeps):
    path = run_file(sweeps["main"], "wgan-gp-lr1e-4-s1")
    with h5py.File(path, "r") as f:
        steps = f["toy/step"][:].tolist()
        assert steps == [10, 20, 30]
        extent = f["toy/field_extent"][:]
        for i, step in enumerate(steps):
            toy = ga.load_toy(path, step)
            assert toy.step == step
            np.testing.assert_array_equal(toy.points, f["toy/points"][i])
            np.testing.assert_array_equal(toy.field, f["toy/field"][i])
            assert toy.points.shape == (2500, 2) and toy.field.shape == (100, 100)
        np.testing.assert_array_equal(toy.centres, f["toy/centres"][:])
        assert toy.extent == tuple(extent) and toy.sigma == f["toy"].attrs["sigma"]
        ix = np.arange(100)
        np.testing.assert_allclose(toy.xs, extent[0] + ix * (extent[1] - extent[0]) / 99)
        np.testing.assert_allclose(toy.ys, extent[2] + ix * (extent[3] - extent[2]) / 99)
    assert ga.load_toy(path).step == 30
    with pytest.raises(KeyError, match="load_samples"):
        ga.load_toy(next((sweeps["images"] / "runs").glob("*.h5")))


def test_assignment_logs_tolerate_a_partial_last_line(sweeps, tmp_path):
    out = tmp_path / "extra"
    shutil.copytree(sweeps["extra"] / "assignments", out / "assignments")
    before = ga.load_assignments(out)
    # The killed process took three runs and ended two of them.
    assert len(before) == 3
    running = before[before["outcome"] == "running"]
    assert len(running) == 1 and "lr1e-3" in running.iloc[0]["run_id"]
    assert math.isnan(running.iloc[0]["end"])
    ended = before[before["outcome"] != "running"]
    assert sorted(ended["outcome"]) == ["diverged", "failed"]
    (log,) = (out / "assignments").glob("rank-*.tsv")
    with open(log, "a") as f:  # a line caught mid-append: no newline yet
        f.write("2\t0\t0\tgan-lr1e-3-x\t1700000000.5\t17000")
    after = ga.load_assignments(out)
    pd.testing.assert_frame_equal(before, after)
