"""The report's figures. Each function saves one small PNG and returns the data it drew (plain
numpy arrays and lists), so a test can compare every drawn value with its own computation.

matplotlib runs on the Agg backend (no display needed); figures are closed after saving.
"""
from __future__ import annotations

import math
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

DPI = 72


def _save(fig, path) -> pathlib.Path:
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path


def _label(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float, np.number)) else str(value)


def heat_maps(table: pd.DataFrame, value: str, rows: str, cols: str, by: str, path,
              title: str) -> dict:
    """One panel per `by` group: table[value] over rows x cols, all panels on one colour scale.
    Returns {'vmin', 'vmax', 'panels': {group: {'rows', 'cols', 'values' [R, C] (NaN: no
    value)}}}."""
    groups = list(dict.fromkeys(table[by]))
    finite = table[value][np.isfinite(table[value].astype(float))]
    vmin = float(finite.min()) if len(finite) else 0.0
    vmax = float(finite.max()) if len(finite) else 1.0
    if vmax == vmin:  # one value everywhere: a scale around it, so every panel shows one colour
        vmin, vmax = vmin - 0.5, vmax + 0.5
    fig, axes = plt.subplots(1, max(len(groups), 1), figsize=(3.2 * max(len(groups), 1), 2.8),
                             squeeze=False, layout="constrained")
    panels = {}
    image = None
    for ax, group in zip(axes[0], groups):
        part = table[table[by] == group]
        row_values = sorted(part[rows].unique())
        col_values = sorted(part[cols].unique())
        grid = np.full((len(row_values), len(col_values)), np.nan)
        for _, r in part.iterrows():
            grid[row_values.index(r[rows]), col_values.index(r[cols])] = r[value]
        image = ax.imshow(grid, vmin=vmin, vmax=vmax, cmap="viridis", aspect="auto",
                          origin="lower")
        ax.set_xticks(range(len(col_values)), [_label(c) for c in col_values])
        ax.set_yticks(range(len(row_values)), [_label(r) for r in row_values])
        ax.set_xlabel(cols)
        ax.set_ylabel(rows)
        ax.set_title(str(group), fontsize=9)
        for i in range(grid.shape[0]):
            for j in range(grid.shape[1]):
                ax.text(j, i, f"{grid[i, j]:.3g}" if np.isfinite(grid[i, j]) else "no value",
                        ha="center", va="center", fontsize=7,
                        color="w" if np.isfinite(grid[i, j]) else "k")
        panels[group] = {"rows": row_values, "cols": col_values, "values": grid}
    if image is not None:
        fig.colorbar(image, ax=list(axes[0]), shrink=0.8)
    for ax in axes[0][len(groups):]:
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    _save(fig, path)
    return {"vmin": vmin, "vmax": vmax, "panels": panels}


def scatter(sweep: pd.DataFrame, x: str, y: str, colour: str, by: str, path, title: str) -> dict:
    """A random search's runs: y over x (log x when x is positive over more than a decade),
    colour = `colour`, one panel per `by` group. Returns {group: {'x', 'y', 'c'}}."""
    groups = list(dict.fromkeys(sweep[by]))
    fig, axes = plt.subplots(1, max(len(groups), 1), figsize=(3.2 * max(len(groups), 1), 2.8),
                             squeeze=False, layout="constrained")
    drawn = {}
    for ax, group in zip(axes[0], groups):
        part = sweep[sweep[by] == group]
        xs = part[x].to_numpy(dtype=float)
        ys = part[y].to_numpy(dtype=float)
        cs = part[colour].to_numpy(dtype=float)
        ax.scatter(xs, ys, c=cs, s=10, cmap="viridis")
        if len(xs) and np.nanmin(xs) > 0 and np.nanmax(xs) / np.nanmin(xs) > 10:
            ax.set_xscale("log")
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(f"{group} (colour: {colour})", fontsize=9)
        drawn[group] = {"x": xs, "y": ys, "c": cs}
    fig.suptitle(title, fontsize=9)
    _save(fig, path)
    return drawn


def seed_curves(long: pd.DataFrame) -> dict:
    """{'steps', 'seeds': {run_id: values on those steps, NaN where missing}, 'mean'} of one
    metric of a group of runs (long form: run_id, step, value). The mean at a step is over the
    runs with a finite value there."""
    wide = long.pivot_table(index="step", columns="run_id", values="value", aggfunc="last")
    values = wide.to_numpy(dtype=float)
    with np.errstate(all="ignore"):
        finite = np.isfinite(values)
        counts = finite.sum(axis=1)
        mean = np.where(counts > 0, np.where(finite, values, 0).sum(axis=1) / np.maximum(counts, 1),
                        np.nan)
    return {"steps": wide.index.to_numpy(), "seeds": {c: wide[c].to_numpy(dtype=float)
                                                      for c in wide.columns}, "mean": mean}


def learning_curves(groups: dict, metrics: list, path, title: str) -> dict:
    """Panels = metrics; per group (label -> long frame of its runs: run_id, step, metric,
    value) each run as a thin line and the runs' mean bold. Returns {metric: {label:
    seed_curves(...)}} for what was drawn."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.4 * len(metrics), 2.6), squeeze=False, layout="constrained")
    drawn = {}
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, metric in zip(axes[0], metrics):
        drawn[metric] = {}
        for i, (label, long) in enumerate(groups.items()):
            part = long[long["metric"] == metric]
            if part.empty:
                continue
            curves = seed_curves(part)
            colour = colours[i % len(colours)]
            for values in curves["seeds"].values():
                ax.plot(curves["steps"], values, color=colour, linewidth=0.6, alpha=0.5)
            ax.plot(curves["steps"], curves["mean"], color=colour, linewidth=2, label=label)
            drawn[metric][label] = curves
        ax.set_xlabel("step")
        ax.set_title(metric, fontsize=9)
        if drawn[metric]:
            ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    _save(fig, path)
    return drawn


def image_grid(images: np.ndarray) -> np.ndarray:
    """uint8 [N, C, H, W] tiled row-major into a square-ish grid with a 1-pixel black border:
    [rows*(H+1)+1, cols*(W+1)+1, C] (C = 1 or 3). The tile order is the file's sample order
    (for conditional runs image 10 i + j is noise row i with class j)."""
    n, c, h, w = images.shape
    cols = int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / cols))
    grid = np.zeros((rows * (h + 1) + 1, cols * (w + 1) + 1, c), dtype=np.uint8)
    for k in range(n):
        i, j = divmod(k, cols)
        grid[1 + i * (h + 1):1 + i * (h + 1) + h, 1 + j * (w + 1):1 + j * (w + 1) + w] = (
            images[k].transpose(1, 2, 0))
    return grid


def sample_grids(runs: dict, path, title: str) -> dict:
    """Rows = runs ({label: {step: uint8 [N, C, H, W]}}), columns = their steps. Returns
    {label: {step: the tiled grid drawn}}."""
    labels = list(runs)
    width = max((len(s) for s in runs.values()), default=1)
    fig, axes = plt.subplots(max(len(labels), 1), max(width, 1),
                             figsize=(2.2 * max(width, 1), 2.4 * max(len(labels), 1)),
                             squeeze=False, layout="constrained")
    drawn = {}
    for r, label in enumerate(labels):
        drawn[label] = {}
        for c in range(width):
            ax = axes[r][c]
            ax.axis("off")
            steps = list(runs[label])
            if c >= len(steps):
                continue
            grid = image_grid(runs[label][steps[c]])
            ax.imshow(grid[..., 0] if grid.shape[2] == 1 else grid, cmap="gray", vmin=0,
                      vmax=255, interpolation="nearest")
            ax.set_title(f"{label}\nstep {steps[c]}", fontsize=7)
            drawn[label][steps[c]] = grid
    fig.suptitle(title, fontsize=9)
    _save(fig, path)
    return drawn


def real_toy_points(centres: np.ndarray, sigma: float, n: int = 500, seed: int = 0) -> np.ndarray:
    """n points of the toy mixture (equal weights, isotropic sigma), drawn with a fixed seed,
    to show where the real data lie next to the generated points."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(centres), size=n)
    return centres[pick] + sigma * rng.standard_normal((n, 2))


def toy_fields(toys: dict, path, title: str) -> dict:
    """One panel per toy run ({label: ToyStep}): the critic's field as a heat map, real points
    (drawn from the mixture) and the generated points on top. Returns {label: {'field',
    'extent', 'real', 'fake'}}."""
    labels = list(toys)
    fig, axes = plt.subplots(1, max(len(labels), 1), figsize=(3.0 * max(len(labels), 1), 3.0),
                             squeeze=False, layout="constrained")
    drawn = {}
    for ax, label in zip(axes[0], labels):
        toy = toys[label]
        real = (real_toy_points(toy.centres, toy.sigma) if toy.centres.size
                and np.isfinite(toy.sigma) else np.zeros((0, 2)))
        ax.imshow(toy.field, origin="lower", extent=toy.extent, cmap="RdBu_r", aspect="auto")
        ax.scatter(real[:, 0], real[:, 1], s=2, c="k", label="real")
        ax.scatter(toy.points[:, 0], toy.points[:, 1], s=2, c="orange", label="G(z)")
        ax.set_title(f"{label}\nstep {toy.step}", fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
        drawn[label] = {"field": toy.field, "extent": toy.extent, "real": real,
                        "fake": toy.points}
    if labels:
        axes[0][0].legend(fontsize=6, loc="lower left")
    fig.suptitle(title, fontsize=9)
    _save(fig, path)
    return drawn
