"""Open ganrun run files and read their parts (attrs, /config, /metrics, /eval) with h5py.

Why this is safe while a sweep is still training: ganrun never writes a run file in place. Each
commit writes `runs/.<id>.h5.tmp` and renames it over `runs/<id>.h5`, so a plain read-only
open always sees one whole snapshot (no SWMR, no h5clear). A `running` file is either in
flight or interrupted (its writer was killed); both read the same way, with every row up to
its last commit.

Files are opened with HDF5's default (shared) read lock, which never blocks the writer: it
never holds a run file open, it writes the temporary file. Where the lock fails (network file
systems without locks, or the file already open in this process without locking) the open is
retried without it.

A run that failed before its first log point has an empty /metrics (zero rows) and maybe no
/eval or /samples: every reader here returns empty arrays for those instead of raising.
"""
from __future__ import annotations

import os
import pathlib
import time

import h5py
import numpy as np

from .config import parse_config

# Columns of /metrics and /eval that say where and when a row was taken, not a metric.
METRIC_BOOKKEEPING = ("step", "wall_s")
EVAL_BOOKKEEPING = ("step", "samples", "wall_s", "eval_s")


def run_files(out) -> list[pathlib.Path]:
    """The run files of one out folder: <out>/runs/*.h5, sorted by name.

    The snapshot temporaries (`.<id>.h5.tmp`) do not match; a missing runs/ folder (a sweep
    that has not started a run yet) gives an empty list.
    """
    runs = pathlib.Path(out) / "runs"
    if not runs.is_dir():
        return []
    return sorted(p for p in runs.glob("*.h5") if not p.name.startswith("."))


def open_run(path, retries: int = 5, delay_s: float = 0.1) -> h5py.File:
    """Opens a run file read-only (no locking), retrying briefly.

    A rename over the file is atomic, but on network file systems an open racing with one can
    fail transiently (stale handle); a few retries cover that, a real error still raises.
    """
    for attempt in range(retries):
        try:
            return h5py.File(path, "r")
        except OSError:
            try:  # a file system without locks, or the file already open here without them
                return h5py.File(path, "r", locking=False)
            except (OSError, TypeError):  # TypeError: an HDF5 without the locking switch
                if attempt == retries - 1 or not os.path.exists(path):
                    raise
        time.sleep(delay_s)
    raise AssertionError("unreachable")


def plain(value):
    """An h5py attribute value as plain Python (str, int, float, list)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.shape == ():
            return plain(value[()])
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def read_attrs(obj) -> dict:
    """All attributes of an h5py file, group or dataset as {name: plain value}."""
    return {name: plain(obj.attrs[name]) for name in obj.attrs}


def read_config(f: h5py.File) -> dict:
    """The run's resolved settings from /config (see config.parse_config); {} without one."""
    if "config" not in f:
        return {}
    text = f["config"][()]
    if isinstance(text, np.ndarray):  # a 1-element array rather than a scalar
        text = text.reshape(-1)[0]
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return parse_config(text)


def read_columns(f: h5py.File, group: str, bookkeeping=()) -> tuple[np.ndarray, dict]:
    """(steps, {name: values}) of a row group (/metrics or /eval): its 1-D datasets with as many
    rows as `step`, minus the bookkeeping columns. Missing group or no rows: empty arrays.

    2-D datasets (/eval/class_histogram) are not one value per row and are left out.
    """
    if group not in f or "step" not in f[group]:
        return np.zeros(0, dtype=np.int64), {}
    g = f[group]
    steps = np.asarray(g["step"][()]).astype(np.int64, copy=False)
    cols = {}
    for name, ds in g.items():
        if name in bookkeeping or not isinstance(ds, h5py.Dataset) or ds.ndim != 1:
            continue
        if ds.shape[0] != steps.shape[0]:  # not a row column (never written so by ganrun)
            continue
        cols[name] = np.asarray(ds[()], dtype=np.float64)
    return steps, cols


def read_wall(f: h5py.File, group: str) -> tuple[np.ndarray, np.ndarray]:
    """(steps, wall_s) of /metrics or /eval; empty when absent. NaN walls (rows added later by
    `ganrun eval`) are kept; callers drop them."""
    if group not in f or "wall_s" not in f[group] or "step" not in f[group]:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return (np.asarray(f[group]["step"][()], dtype=np.int64),
            np.asarray(f[group]["wall_s"][()], dtype=np.float64))


def training_seconds(steps: np.ndarray, walls: np.ndarray) -> float:
    """Seconds of training recorded in a run's wall_s rows, summed over attempts.

    wall_s counts from the start of the attempt that wrote the row; a resumed run starts again
    near 0, so every drop in wall_s (in step order) closes one attempt's span. Returns NaN when
    no row has a wall time.
    """
    keep = np.isfinite(walls)
    steps, walls = steps[keep], walls[keep]
    if walls.size == 0:
        return float("nan")
    order = np.lexsort((walls, steps))
    walls = walls[order]
    drops = np.flatnonzero(np.diff(walls) < 0)  # the last row of every attempt but the last
    return float(walls[drops].sum() + walls[-1])


def eval_directions(f: h5py.File) -> dict:
    """{metric: 'lower' | 'higher' | other text | None} from each /eval metric's `better` attr.

    None where the dataset has no such attribute: the direction is then unknown and no best
    value is computed (load_sweep's `directions` argument can supply it).
    """
    out = {}
    if "eval" not in f:
        return out
    for name, ds in f["eval"].items():
        if name in EVAL_BOOKKEEPING or not isinstance(ds, h5py.Dataset) or ds.ndim != 1:
            continue
        better = ds.attrs.get("better")
        out[name] = None if better is None else str(plain(better)).strip().lower()
    return out
