"""The report on sweeps written by the real ganrun (conftest.py): the main sweep (gan and wgan-gp
x lr 1e-4, 1e-3 x 2 seeds on toy-ring8, preset toy-2d) with the extra one (a gan diverged at lr
1e20, one failed, one killed mid-run and left `running`). Every table cell and every drawn value
is recomputed here from h5py and numpy alone, never through the package's loaders."""
import math
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
import pytest

from ganrun_analysis import dominance, figures
from ganrun_analysis import report as rp
from ganrun_analysis.outcomes import too_many_values
from conftest import run_ganrun


def plain(v):
    return v.decode() if isinstance(v, bytes) else (v.item() if hasattr(v, "item") else v)


def h5_runs(*outs):
    """Each run file as h5py reads it: attrs, /eval/modes_covered (empty without /eval), and
    its /metrics columns."""
    runs = []
    for out in outs:
        for path in sorted((out / "runs").glob("*.h5")):
            with h5py.File(path, "r") as f:
                runs.append({
                    "attrs": {k: plain(v) for k, v in f.attrs.items()},
                    "modes": f["eval/modes_covered"][:] if "eval" in f else np.zeros(0),
                    "eval_step": f["eval/step"][:] if "eval" in f else np.zeros(0, np.int64),
                    "metrics": {k: f["metrics"][k][:] for k in f["metrics"]},
                    "path": path})
    return runs


@pytest.fixture(scope="module")
def built(sweeps, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    path, data = rp.write_report([sweeps["main"], sweeps["extra"]], folder)
    return folder, path, data, h5_runs(sweeps["main"], sweeps["extra"])


def cells(runs):
    """{(variant, lr_g, n_critic): [runs]}"""
    out = {}
    for r in runs:
        a = r["attrs"]
        out.setdefault((a["variant"], a["lr_g"], a["n_critic"]), []).append(r)
    return out


def test_table_cells_equal_numpy_on_the_files(built):
    folder, path, data, runs = built
    assert data["metric"] == "modes_covered" and data["direction"] == "higher"
    expected = cells(runs)
    got = pd.concat(data["tables"].values(), ignore_index=True)
    assert len(got) == len(expected)
    for _, row in got.iterrows():
        members = expected[(row["variant"], row["lr_g"], row["n_critic"])]
        assert row["runs"] == len(members)
        finals = [m["modes"][-1] for m in members if m["modes"].size]
        bests = [m["modes"].max() for m in members if m["modes"].size]
        for kind, values in (("final", finals), ("best", bests)):
            assert row[f"{kind}_n"] == len(values)
            if values:
                assert row[f"{kind}_mean"] == pytest.approx(np.mean(values), rel=1e-12)
                assert row[f"{kind}_min"] == np.min(values)
                assert row[f"{kind}_max"] == np.max(values)
            else:
                assert math.isnan(row[f"{kind}_mean"])
        for status in ("completed", "diverged", "failed", "preempted", "running"):
            assert row[status] == sum(m["attrs"]["status"] == status for m in members), status
    # The diverged run (gan, lr 1e20) is in the counts, with no quality value.
    diverged = got[(got["variant"] == "gan") & (got["lr_g"] == 1e20)].iloc[0]
    assert diverged["diverged"] == 1 and diverged["final_n"] == 0
    # The Markdown shows those cells as printed numbers with their spread and n.
    text = path.read_text()
    for _, row in got.iterrows():
        if row["final_n"] > 1:
            assert (f"{row['final_mean']:.3g} [{row['final_min']:.3g}, {row['final_max']:.3g}] "
                    f"n={row['final_n']}") in text
    assert "| 1e+20 | 1 | - | - | 0 | 1 | 0 | 0 | 0 |" in text
    # outcomes.csv holds the same numbers unformatted.
    csv = pd.read_csv(folder / "outcomes.csv")
    assert len(csv) == len(got)
    assert np.allclose(csv["final_mean"].to_numpy(float), got["final_mean"].to_numpy(float),
                       equal_nan=True)


def test_a_running_run_is_counted_and_said(built):
    _, path, data, runs = built
    running = [r for r in runs if r["attrs"]["status"] == "running"]
    assert len(running) == 1
    text = path.read_text()
    assert "1 running" in text and "1 run is still running" in text
    assert "1 diverged" in text and "1 failed" in text


def test_heat_map_draws_the_cell_means_on_one_scale(built):
    _, _, data, runs = built
    drawn = data["heat_maps"]
    means = {}
    for key, members in cells(runs).items():
        finals = [m["modes"][-1] for m in members if m["modes"].size]
        means[key] = np.mean(finals) if finals else np.nan
    finite = [v for v in means.values() if np.isfinite(v)]
    lo, hi = min(finite), max(finite)
    if lo == hi:  # one value everywhere: the scale is drawn around it
        lo, hi = lo - 0.5, hi + 0.5
    assert drawn["vmin"] == lo and drawn["vmax"] == hi
    for variant, panel in drawn["panels"].items():
        for i, lr in enumerate(panel["rows"]):
            for j, nc in enumerate(panel["cols"]):
                expect = means.get((variant, lr, nc), np.nan)
                np.testing.assert_allclose(panel["values"][i, j], expect, rtol=1e-12)


def numpy_curves(members, metric):
    """steps and the per-step mean over runs of a /metrics column (or modes_covered)."""
    series = []
    for m in members:
        if metric == "modes_covered":
            series.append(dict(zip(m["eval_step"].tolist(), m["modes"])))
        else:
            series.append(dict(zip(m["metrics"]["step"].tolist(), m["metrics"][metric])))
    steps = sorted(set().union(*series))
    mean = [np.mean([s[t] for s in series if t in s and np.isfinite(s[t])]) for t in steps]
    return np.array(steps), np.array(mean)


def test_learning_curves_draw_default_and_best_lr_means(built):
    _, _, data, runs = built
    for variant in ("gan", "wgan-gp"):
        members = [r for r in runs if r["attrs"]["variant"] == variant]
        by_lr = {}
        for m in members:
            if m["modes"].size:
                by_lr.setdefault(m["attrs"]["lr_g"], []).append(m["modes"][-1])
        # modes_covered: higher is better; a tie goes to the first cell (the smaller lr)
        best = max(sorted(by_lr), key=lambda lr: np.mean(by_lr[lr]))
        drawn = data["curves"][variant]
        labels = list(drawn["g_loss"])
        assert labels[0].startswith(f"best {best:g}")
        groups = {labels[0]: best}
        if best != 1e-4:  # toy-2d's lr: the default, drawn against the best
            assert labels[1].startswith("default 0.0001")
            groups[labels[1]] = 1e-4
        assert len(labels) == len(groups)
        for label, lr in groups.items():
            group = [m for m in members if m["attrs"]["lr_g"] == lr]
            for metric in ("modes_covered", "d_loss", "g_loss"):
                steps, mean = numpy_curves(group, metric)
                curve = drawn[metric][label]
                np.testing.assert_array_equal(curve["steps"], steps)
                np.testing.assert_allclose(curve["mean"], mean, rtol=1e-12)
                assert sorted(curve["seeds"]) == sorted(m["path"].stem for m in group)


def test_dominance_series_come_from_each_variants_metrics(built):
    _, _, data, runs = built
    gan, wgan = data["dominance"]["gan"], data["dominance"]["wgan-gp"]
    assert set(gan) == {"d_real", "d_fake"} and set(wgan) == {"critic_gap"}
    for drawn, variant, series, column in ((gan, "gan", "d_real", "d_real"),
                                           (wgan, "wgan-gp", "critic_gap", "wasserstein")):
        for label, curve in drawn[series].items():
            for run_id, values in curve["seeds"].items():
                (m,) = [r for r in runs if r["path"].stem == run_id]
                assert m["attrs"]["variant"] == variant
                # on the group's steps: the run's own rows, NaN where it has none (killed early)
                at = np.searchsorted(curve["steps"], m["metrics"]["step"])
                np.testing.assert_array_equal(curve["steps"][at], m["metrics"]["step"])
                np.testing.assert_array_equal(values[at], m["metrics"][column])
                assert np.isnan(np.delete(values, at)).all()
    plateaus = data["plateaus"]
    for _, row in plateaus.iterrows():
        for run_id, settle in zip(row["run_ids"].split(","), row["settles"]):
            (m,) = [r for r in runs if r["path"].stem == run_id]
            assert settle == hand_plateau(m["metrics"]["step"], m["metrics"]["g_loss"])


def hand_plateau(steps, g, window=5, tol=0.01):
    """The plateau rule written out with loops, independently of dominance.plateau_step."""
    r = [sum(g[i - window + 1:i + 1]) / window for i in range(window - 1, len(g))]
    if len(r) < 2 or not all(math.isfinite(x) for x in r):
        return None
    last_move = None
    for k in range(len(r) - 1):
        if not abs(r[k + 1] - r[k]) / abs(r[k]) < tol:
            last_move = k
    if last_move == len(r) - 2:
        return None
    first = 0 if last_move is None else last_move + 1
    return int(steps[first + window - 1])


def test_plateau_rule_on_hand_made_losses():
    steps = np.arange(1, 11) * 10
    # rolling means 3, 2.2, 1.6, 1.2, 1.0, 1.0 (r_i ends at point i + 4, step 50 + 10 i): the
    # last change above 1% is r_3 -> r_4, so the loss settles at r_4's step, 90.
    assert dominance.plateau_step(steps, [5, 4, 3, 2, 1, 1, 1, 1, 1, 1]) == 90
    assert dominance.plateau_step(steps, [2.0] * 10) == 50  # never moved: its first mean
    assert dominance.plateau_step(steps, list(range(1, 11))) is None  # still rising
    assert dominance.plateau_step(steps[:5], [1.0] * 5) is None  # one mean: no change yet
    assert dominance.plateau_step(steps, [1, 1, 1, 1, 1, 1, 1, 1, 1, np.nan]) is None


def test_sample_grids_show_first_middle_and_last_steps(sweeps, tmp_path):
    _, data = rp.write_report(sweeps["images"], tmp_path)
    assert data["samples"]
    for run_id, grids in data["samples"].items():
        (path,) = (sweeps["images"] / "runs").glob(f"{run_id}.h5")
        with h5py.File(path, "r") as f:
            steps, images = f["samples/step"][:], f["samples/images"][:]
        want = sorted({int(steps[0]), int(steps[len(steps) // 2]), int(steps[-1])})
        assert sorted(grids) == want
        for step, grid in grids.items():
            t = int(np.flatnonzero(steps == step)[-1])
            n, c, h, w = images[t].shape
            side = int(math.ceil(math.sqrt(n)))
            assert grid.shape == (side * (h + 1) + 1, side * (w + 1) + 1, c)
            # tile k at row k // side, column k % side, after a 1-pixel border
            for k in (0, 1, side, n - 1):
                i, j = divmod(k, side)
                tile = grid[1 + i * (h + 1):1 + i * (h + 1) + h, 1 + j * (w + 1):1 + j * (w + 1) + w]
                np.testing.assert_array_equal(tile, images[t][k].transpose(1, 2, 0))


def test_toy_fields_draw_the_last_field_and_points(built):
    _, _, data, runs = built
    assert data["toy"]
    for run_id, drawn in data["toy"].items():
        (m,) = [r for r in runs if r["path"].stem == run_id]
        with h5py.File(m["path"], "r") as f:
            np.testing.assert_array_equal(drawn["field"], f["toy/field"][-1])
            np.testing.assert_array_equal(drawn["fake"], f["toy/points"][-1])
            centres, sigma = f["toy/centres"][:], f["toy"].attrs["sigma"]
        # The real points are the mixture's: each within 5 sigma of a centre.
        d = np.linalg.norm(drawn["real"][:, None, :] - centres[None], axis=2).min(axis=1)
        assert drawn["real"].shape == (500, 2) and (d < 5 * sigma).all()


def test_a_key_with_more_than_8_values_is_a_scatter_plot(tmp_path):
    lrs = 10.0 ** np.linspace(-5, -2, 9)
    sweep = pd.DataFrame({"variant": ["gan"] * 9, "lr_g": lrs, "n_critic": [1, 2, 3] * 3,
                          "final_fd": np.arange(9.0)})
    assert too_many_values(sweep, "lr_g") and not too_many_values(sweep, "n_critic")
    drawn = figures.scatter(sweep, "lr_g", "final_fd", "n_critic", "variant",
                            tmp_path / "s.png", "t")
    np.testing.assert_array_equal(drawn["gan"]["x"], lrs)
    np.testing.assert_array_equal(drawn["gan"]["y"], np.arange(9.0))
    np.testing.assert_array_equal(drawn["gan"]["c"], [1, 2, 3] * 3)
    assert (tmp_path / "s.png").stat().st_size > 0


def test_command_line_writes_the_report_and_refuses_bad_input(sweeps, tmp_path):
    cli = [sys.executable, "-m", "ganrun_analysis", "report"]
    r = subprocess.run(cli + [str(sweeps["main"]), "--out", str(tmp_path / "r")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "r" / "report.md").exists() and (tmp_path / "r" / "runs.csv").exists()
    text = (tmp_path / "r" / "report.md").read_text()
    for fig in ("figures/heat_final.png", "figures/curves_gan.png", "figures/toy_fields.png"):
        assert f"]({fig})" in text and (tmp_path / "r" / fig).stat().st_size > 0
    for args, named in (([str(tmp_path / "nowhere")], "not a ganrun out folder"),
                        ([str(sweeps["main"]), "--metric", "fd_lenet"], "available: "),
                        ([str(sweeps["main"]), "--rows", "colour"], "'colour' is not a setting")):
        r = subprocess.run(cli + args + ["--out", str(tmp_path / "bad")], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 2 and named in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "bad" / "report.md").exists()


def test_rows_cols_and_by_choose_the_table(built, sweeps, tmp_path):
    _, data = rp.write_report([sweeps["main"]], tmp_path, rows="seed", cols="lr_g", by="variant")
    runs = h5_runs(sweeps["main"])
    for variant, table in data["tables"].items():
        for _, row in table.iterrows():
            members = [r for r in runs if r["attrs"]["variant"] == variant
                       and r["attrs"]["seed"] == row["seed"] and r["attrs"]["lr_g"] == row["lr_g"]]
            assert row["runs"] == len(members) == 1
            assert row["final_mean"] == members[0]["modes"][-1]


def test_a_random_search_report_draws_a_scatter_plot(ganrun_bin, tmp_path):
    """sample: with 9 draws of lr: more than 8 values, so the report draws each run instead of
    a table; the scatter's points are the runs' lr and final metric from the files."""
    sweep = tmp_path / "rs.yaml"
    sweep.write_text(f"""name: rs
dataset: toy-ring8
arch: toy
toy_width: 16
train: {{steps: 10, batch: 32, log_every: 5, eval_every: 10}}
grid: {{variant: [gan]}}
sample: {{count: 9, seed: 1, lr: {{log_uniform: [1.0e-5, 1.0e-2]}}}}
out: {tmp_path / 'out'}
""")
    r = run_ganrun(ganrun_bin, sweep)
    assert r.returncode == 0, r.stderr
    path, data = rp.write_report(tmp_path / "out", tmp_path / "report")
    drawn = data["scatter"]["gan"]
    runs = h5_runs(tmp_path / "out")
    assert len(runs) == 9 and len(drawn["x"]) == 9
    expect = sorted((m["attrs"]["lr_g"], m["modes"][-1]) for m in runs)
    assert sorted(zip(drawn["x"].tolist(), drawn["y"].tolist())) == expect
    assert data["heat_maps"] is None
    assert "more than 8 values (a random search)" in path.read_text()
