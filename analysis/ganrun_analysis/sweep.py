"""load_sweep: one row per run file of one or more out folders, as a pandas DataFrame.

A row holds what a researcher filters and groups by (every resolved setting from /config,
typed), what happened (status, stop_step, attempts, wall time) and what came out (the final
value of each training metric; the final and best value of each /eval quality metric). Values
come straight from the files, so a frame read mid-sweep is as current as the last snapshot of
every run file.

Columns, in order:
  out, run_id, status, error, stop_step, attempts, resumed_from_step, pack_size, pack_members,
  total_steps, last_step, started, ended, run_wall_s, wall_s, eval_seconds, git_commit (the
  ganrun that made the run, "" when its file has none),
  <every /config key>, default_lr_g, default_lr_d,
  final_<m> for every /metrics column m (d_loss, g_loss, ...),
  final_<q>, best_<q>, best_step_<q>, better_<q> for every /eval metric q,
  path

- last_step: the step of the last /metrics row (NaN when none was written).
- run_wall_s: training seconds this run's wall_s rows record (summed over attempts).
  wall_s: the same, except for a packed member (pack_size > 1), which trained as one model with
  its pack-mates: there it is the pack's, the largest run_wall_s among the members found in the
  same out folder (a member that diverged early stopped recording sooner).
- started / ended: the run attrs as UTC timestamps (whole seconds; ended NaT while running).
- default_lr_g / default_lr_d: the run attrs of that name, the learning rates the variant gets
  from its preset (or ganrun's defaults) when none is set; NaN in files written before them.
- better_<q>: the /eval/<q> dataset's `better` attribute ('lower' or 'higher'); where a file
  has none, the `directions` argument's entry, else missing (None/NaN), and then best_<q> and
  best_step_<q> are NaN: the loader does not guess a direction.
"""
from __future__ import annotations

import os
import pathlib
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .config import flatten_settings
from .runfile import (EVAL_BOOKKEEPING, METRIC_BOOKKEEPING, eval_directions, open_run,
                      read_attrs, read_columns, read_config, read_wall, run_files,
                      training_seconds)

STATUS_COLUMNS = ["out", "run_id", "status", "error", "stop_step", "attempts",
                  "resumed_from_step", "pack_size", "pack_members", "total_steps", "last_step",
                  "started", "ended", "run_wall_s", "wall_s", "eval_seconds", "git_commit"]


def as_outs(out_or_outs) -> list[pathlib.Path]:
    """One out folder (str or Path) or an iterable of them -> a list of Paths."""
    if isinstance(out_or_outs, (str, os.PathLike)):
        return [pathlib.Path(out_or_outs)]
    if isinstance(out_or_outs, Iterable):
        return [pathlib.Path(o) for o in out_or_outs]
    raise TypeError(f"expected an out folder or a list of them, got {type(out_or_outs).__name__}")


def _best(values: np.ndarray, steps: np.ndarray, better):
    """(best value, its step) by direction; NaN, NaN when unknown or no finite value."""
    finite = np.flatnonzero(np.isfinite(values))
    if better not in ("lower", "higher") or finite.size == 0:
        return float("nan"), float("nan")
    pick = finite[np.argmin(values[finite]) if better == "lower" else np.argmax(values[finite])]
    return float(values[pick]), int(steps[pick])


def summarize_run(path, out=None, directions=None) -> dict:
    """One load_sweep row (without the pack's wall_s, which needs the other members)."""
    path = pathlib.Path(path)
    directions = directions or {}
    with open_run(path) as f:
        attrs = read_attrs(f)
        settings = flatten_settings(read_config(f))
        m_steps, metrics = read_columns(f, "metrics", METRIC_BOOKKEEPING)
        e_steps, evals = read_columns(f, "eval", EVAL_BOOKKEEPING)
        better = eval_directions(f)
        walls = [read_wall(f, "metrics"), read_wall(f, "eval")]
    steps = np.concatenate([w[0] for w in walls])
    seconds = np.concatenate([w[1] for w in walls])
    row = {
        "out": str(out) if out is not None else str(path.parent.parent),
        "run_id": attrs.get("run_id", path.stem),
        "status": attrs.get("status"),
        "error": attrs.get("error", ""),
        "stop_step": attrs.get("stop_step", -1),
        "attempts": attrs.get("attempts", 1),
        "resumed_from_step": attrs.get("resumed_from_step", 0),
        "pack_size": attrs.get("pack_size", 1),
        "pack_members": attrs.get("pack_members", attrs.get("run_id", path.stem)),
        "total_steps": attrs.get("total_steps"),
        "git_commit": str(attrs.get("git_commit", "")),
        "last_step": int(m_steps[-1]) if m_steps.size else float("nan"),
        "started": attrs.get("started") or None,
        "ended": attrs.get("ended") or None,
        "run_wall_s": training_seconds(steps, seconds),
        "eval_seconds": attrs.get("eval_seconds", float("nan")),
    }
    row["wall_s"] = row["run_wall_s"]
    for key, value in settings.items():
        row.setdefault(key, value)  # a /config key never replaces a status column
    # The lrs the variant's preset (or ganrun's defaults) gives it: the report's "default lr".
    for key in ("default_lr_g", "default_lr_d"):
        row.setdefault(key, attrs.get(key, float("nan")))
    for name, values in metrics.items():
        row[f"final_{name}" if name not in evals else f"final_metrics_{name}"] = (
            float(values[-1]) if values.size else float("nan"))
    for name, values in evals.items():
        direction = better.get(name) or directions.get(name)
        row[f"final_{name}"] = float(values[-1]) if values.size else float("nan")
        row[f"best_{name}"], row[f"best_step_{name}"] = _best(values, e_steps, direction)
        row[f"better_{name}"] = direction
    row["path"] = str(path)
    return row


def _pack_walls(df: pd.DataFrame) -> pd.Series:
    """wall_s with each packed member's replaced by its pack's (see module doc)."""
    packed = df["pack_size"].fillna(1).astype(int) > 1
    if not packed.any():
        return df["wall_s"]
    pack_wall = df[packed].groupby(["out", "pack_members"])["run_wall_s"].transform("max")
    walls = df["wall_s"].copy()
    walls[packed] = pack_wall
    return walls


def load_sweep(out_or_outs, directions: dict | None = None) -> pd.DataFrame:
    """One row per run file in <out>/runs/*.h5 of each out folder (see the module doc for the
    columns), sorted by out and run_id, index 0..n-1.

    directions: {eval metric: 'lower' | 'higher'} used only for /eval datasets that carry no
    `better` attribute. A run file that cannot be opened (not HDF5, unreadable) is skipped with
    a warning, so one broken file does not hide a sweep.
    """
    rows = []
    for out in as_outs(out_or_outs):
        for path in run_files(out):
            try:
                rows.append(summarize_run(path, out, directions))
            except OSError as e:
                warnings.warn(f"{path}: skipped, cannot read it as a run file ({e})")
    if not rows:
        return pd.DataFrame(columns=STATUS_COLUMNS + ["path"])
    df = pd.DataFrame(rows)
    # Settings first, then the per-metric summaries grouped by metric kind, path last.
    summary = [c for c in df.columns if c.startswith(("final_", "best_", "better_"))]
    settings = [c for c in df.columns if c not in STATUS_COLUMNS + summary + ["path"]]
    df = df[STATUS_COLUMNS + settings + summary + ["path"]]
    for col in ("started", "ended"):
        df[col] = pd.to_datetime(df[col], utc=True, errors="coerce", format="%Y-%m-%dT%H:%M:%SZ")
    df["wall_s"] = _pack_walls(df)
    return df.sort_values(["out", "run_id"], kind="stable").reset_index(drop=True)


def to_csv(df: pd.DataFrame, path) -> pathlib.Path:
    """Writes a frame of this package as CSV (no index column); returns the path.

    Every cell is already a scalar (interval maps are text), so `pd.read_csv` reads it back.
    """
    path = pathlib.Path(path)
    df.to_csv(path, index=False)
    return path
