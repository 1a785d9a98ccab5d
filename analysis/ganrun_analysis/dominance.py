"""Discriminator dominance: which of a run's training metrics say how far D is ahead of G, and
when the generator stopped moving.

Each variant family records different evidence (README, "Variants"):
- gan, dragan, cgan, acgan, infogan: d_real = mean D(x), d_fake = mean D(G(z)), probabilities
  after the sigmoid. D dominates when d_real -> 1 and d_fake -> 0.
- lsgan: d_real / d_fake are D's raw outputs (least-squares targets 1 and 0), not probabilities.
- wgan, wgan-gp: `wasserstein` = E[D(x)] - E[D(G(z))], the critic gap; a growing gap is a critic
  that separates real from fake ever better.
- ebgan: energy_real / energy_fake (reconstruction MSE) and margin_hits, the fraction of fake
  energies still below the margin (where D's hinge pushes them up); the report draws the
  energy gap energy_fake - energy_real and margin_hits.
- began: k_t (the weight of the fake term) and M, the convergence measure (lower = better).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# Per variant: (series name, how it is computed from the /metrics columns, what it means).
_GAN = [("d_real", ("d_real",), "mean D(x), probability"),
        ("d_fake", ("d_fake",), "mean D(G(z)), probability")]
_WGAN = [("critic_gap", ("wasserstein",), "E[D(x)] - E[D(G(z))]")]
SERIES = {
    "gan": _GAN, "dragan": _GAN, "cgan": _GAN, "acgan": _GAN, "infogan": _GAN,
    "lsgan": [("d_real", ("d_real",), "mean D(x), raw output (target 1; not a probability)"),
              ("d_fake", ("d_fake",), "mean D(G(z)), raw output (target 0; not a probability)")],
    "wgan": _WGAN, "wgan-gp": _WGAN,
    "ebgan": [("energy_gap", ("energy_fake", "energy_real"), "energy_fake - energy_real"),
              ("margin_hits", ("margin_hits",), "fraction of fake energies below the margin")],
    "began": [("k_t", ("k_t",), "k_t, the fake term's weight"),
              ("M", ("M",), "convergence measure M (lower is better)")],
}


def dominance_series(variant: str, metrics: dict) -> dict:
    """{series name: values} for one run from its /metrics columns ({name: array}); series
    whose columns the run lacks are left out (an older file, another variant)."""
    out = {}
    for name, columns, _ in SERIES.get(variant, []):
        if not all(c in metrics for c in columns):
            continue
        values = np.asarray(metrics[columns[0]], dtype=np.float64)
        if len(columns) == 2:
            values = values - np.asarray(metrics[columns[1]], dtype=np.float64)
        out[name] = values
    return out


def series_meaning(variant: str) -> dict:
    """{series name: what it is} for a variant (empty when it records no dominance evidence)."""
    return {name: meaning for name, _, meaning in SERIES.get(variant, [])}


def rolling_mean(values, window: int = 5) -> np.ndarray:
    """Mean over each full window of `window` consecutive points (length n - window + 1)."""
    v = np.asarray(values, dtype=np.float64)
    if v.size < window:
        return np.zeros(0)
    c = np.cumsum(np.concatenate([[0.0], v]))
    return (c[window:] - c[:-window]) / window


def plateau_step(steps, g_loss, window: int = 5, tolerance: float = 0.01):
    """The first log step after which the generator's loss stops moving: with r the rolling
    mean of g_loss over `window` log points (r_i ends at point i), the first step s_i such that
    every later relative change |r_j - r_(j-1)| / |r_(j-1)| (j > i) is below `tolerance`.

    None when it never settles (the last change is still >= tolerance), when the loss is not
    finite, or with fewer than window + 1 points.
    """
    steps = np.asarray(steps)
    r = rolling_mean(g_loss, window)
    if r.size < 2 or not np.all(np.isfinite(r)):
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.abs(np.diff(r)) / np.abs(r[:-1])   # change[k]: from r_k to r_(k+1)
    moving = np.flatnonzero(~(change < tolerance))     # NaN (r = 0) counts as moving
    if moving.size and moving[-1] == change.size - 1:
        return None
    first_still = 0 if moving.size == 0 else moving[-1] + 1  # r index after the last move
    return int(steps[first_still + window - 1])


def dominance_frame(metrics_long: pd.DataFrame, sweep: pd.DataFrame) -> pd.DataFrame:
    """Long-form dominance series of every run: out, run_id, variant, step, series, value.
    metrics_long: load_metrics(...) of those runs; sweep: their load_sweep rows."""
    parts = []
    variants = sweep.set_index(["out", "run_id"])["variant"]
    for (out, run_id), m in metrics_long.groupby(["out", "run_id"], sort=True):
        wide = m.pivot_table(index="step", columns="metric", values="value", aggfunc="last")
        variant = variants.get((out, run_id))
        for name, values in dominance_series(variant, {c: wide[c].to_numpy()
                                                       for c in wide.columns}).items():
            parts.append(pd.DataFrame({"out": out, "run_id": run_id, "variant": variant,
                                       "step": wide.index.to_numpy(), "series": name,
                                       "value": values}))
    if not parts:
        return pd.DataFrame(columns=["out", "run_id", "variant", "step", "series", "value"])
    return pd.concat(parts, ignore_index=True)
