"""load_samples / load_toy: the stored arrays of one run at one step, as numpy.

Image runs store the same fixed noise's generated images at every sample point
(/samples/images uint8 [T, N, C, H, W], /samples/step [T]); 2-D toy runs store instead, at
every evaluation point, G's points for a fixed noise batch and the critic's output on a grid
(/toy/points [T, N, 2], /toy/field [T, 100, 100], /toy/step [T]). Only the requested step is
read from disk (an h5py slice), so a long run's file is not loaded whole.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .runfile import open_run, plain


def _index_of(steps: np.ndarray, step, path, group) -> int:
    """Row of `step` in a step column; step None = the last row. Errors list the stored steps."""
    if steps.size == 0:
        raise KeyError(f"{path}: /{group} holds no rows yet")
    if step is None:
        return steps.size - 1
    hits = np.flatnonzero(steps == int(step))
    if hits.size == 0:
        raise KeyError(f"{path}: no /{group} row at step {step}; stored steps: "
                       f"{', '.join(str(s) for s in steps.tolist())}")
    return int(hits[-1])


def sample_steps(run_file) -> np.ndarray:
    """The steps at which /samples/images holds a grid (empty for toy runs)."""
    with open_run(run_file) as f:
        return np.asarray(f["samples/step"][()]) if "samples/step" in f else np.zeros(0, np.int64)


def load_samples(run_file, step=None) -> np.ndarray:
    """The stored fixed-noise images of `step` (None: the last stored) as uint8 [N, C, H, W].

    N is 64, or 100 for cgan/acgan/infogan (image 10 i + j = noise row i with class j).
    """
    with open_run(run_file) as f:
        if "toy" in f:  # toy runs keep an empty /samples/images and store /toy instead
            raise KeyError(f"{run_file}: a 2-D toy run stores no images; use load_toy")
        if "samples/images" not in f:
            raise KeyError(f"{run_file}: no /samples/images")
        i = _index_of(np.asarray(f["samples/step"][()]), step, run_file, "samples")
        return np.asarray(f["samples/images"][i], dtype=np.uint8)


@dataclass
class ToyStep:
    """A toy run's evaluation point. field[iy, ix] is the critic's raw output (logit or critic
    value; NaN for variants without one) at (xs[ix], ys[iy])."""
    step: int
    points: np.ndarray    # float32 [N, 2]: G of the fixed noise batch
    field: np.ndarray     # float32 [R, R]
    xs: np.ndarray        # float64 [R]: x_min + ix * (x_max - x_min) / (R - 1)
    ys: np.ndarray        # float64 [R]
    extent: tuple         # (x_min, x_max, y_min, y_max), as matplotlib's imshow takes it
    centres: np.ndarray   # float64 [K, 2]: the data set's mode centres ([0, 2] if none stored)
    sigma: float          # the modes' standard deviation (NaN if not stored)


def toy_steps(run_file) -> np.ndarray:
    """The steps at which /toy holds points and a field (empty for image runs)."""
    with open_run(run_file) as f:
        return np.asarray(f["toy/step"][()]) if "toy/step" in f else np.zeros(0, np.int64)


def load_toy(run_file, step=None) -> ToyStep:
    """A 2-D toy run's generated points and decision field at `step` (None: the last)."""
    with open_run(run_file) as f:
        if "toy/points" not in f:
            raise KeyError(f"{run_file}: no /toy group (an image run: use load_samples)")
        toy = f["toy"]
        i = _index_of(np.asarray(toy["step"][()]), step, run_file, "toy")
        field = np.asarray(toy["field"][i])
        extent = tuple(float(v) for v in toy["field_extent"][()])
        centres = (np.asarray(toy["centres"][()], dtype=np.float64) if "centres" in toy
                   else np.zeros((0, 2)))
        sigma = float(plain(toy.attrs["sigma"])) if "sigma" in toy.attrs else float("nan")
        return ToyStep(
            step=int(toy["step"][i]),
            points=np.asarray(toy["points"][i]),
            field=field,
            xs=np.linspace(extent[0], extent[1], field.shape[1]),
            ys=np.linspace(extent[2], extent[3], field.shape[0]),
            extent=extent,
            centres=centres.reshape(-1, 2),
            sigma=sigma,
        )
