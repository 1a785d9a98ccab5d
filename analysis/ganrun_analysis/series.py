"""load_metrics / load_eval: a sweep's rows over time as long-form DataFrames.

Long form (one row per run, step and metric: out, run_id, step, metric, value) because that is
what groupby, pivot_table and plotting libraries take directly, and because runs of different
variants record different metrics (wgan-gp's penalty, began's k_t) that a wide table would pad
with NaN. `with_settings=True` joins each row to its run's settings and status (the columns of
load_sweep before the metric summaries), so curves can be grouped by lr, variant, seed, ...
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .runfile import EVAL_BOOKKEEPING, METRIC_BOOKKEEPING, open_run, read_columns, run_files
from .sweep import as_outs, load_sweep

LONG_COLUMNS = ["out", "run_id", "step", "metric", "value"]


def _wanted_runs(runs):
    """runs: None (all), one id, a list of ids, or a frame with a run_id column."""
    if runs is None:
        return None
    if isinstance(runs, pd.DataFrame):
        return set(runs["run_id"])
    if isinstance(runs, str):
        return {runs}
    return set(runs)


def _long(out_or_outs, group, bookkeeping, runs, metrics, with_settings) -> pd.DataFrame:
    wanted = _wanted_runs(runs)
    names = None if metrics is None else ([metrics] if isinstance(metrics, str) else list(metrics))
    parts = []
    outs = as_outs(out_or_outs)
    for out in outs:
        for path in run_files(out):
            if wanted is not None and path.stem not in wanted:  # file name = run id
                continue
            with open_run(path) as f:
                steps, cols = read_columns(f, group, bookkeeping)
            for name in (cols if names is None else [n for n in names if n in cols]):
                parts.append(pd.DataFrame({"out": str(out), "run_id": path.stem, "step": steps,
                                           "metric": name, "value": cols[name]}))
    df = (pd.concat(parts, ignore_index=True) if parts
          else pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                             zip(LONG_COLUMNS, [object, object, np.int64, object, np.float64])}))
    if with_settings:
        sweep = load_sweep(outs)
        keep = [c for c in sweep.columns
                if not c.startswith(("final_", "best_", "better_")) and c != "path"]
        df = df.merge(sweep[keep], on=["out", "run_id"], how="left")
    return df.sort_values(["out", "run_id", "metric", "step"], kind="stable").reset_index(drop=True)


def load_metrics(out_or_outs, runs=None, metrics=None, with_settings=False) -> pd.DataFrame:
    """Training metrics (/metrics: d_loss, g_loss, ... one row per log_every steps, the mean over
    those steps) in long form: out, run_id, step, metric, value.

    runs: run ids (or a load_sweep frame, e.g. filtered) to read; metrics: names to keep
    (missing ones are skipped); with_settings: join the run's settings and status columns.
    A run without metric rows (failed before its first log point) contributes no rows.
    """
    return _long(out_or_outs, "metrics", METRIC_BOOKKEEPING, runs, metrics, with_settings)


def load_eval(out_or_outs, runs=None, metrics=None, with_settings=False) -> pd.DataFrame:
    """Quality metrics (/eval: modes_covered, fd_<net>, ... one row per evaluation point) in the
    same long form as load_metrics. The evaluation's bookkeeping columns (samples, wall_s,
    eval_s) and 2-D datasets (class_histogram) are not metrics and are left out.
    """
    return _long(out_or_outs, "eval", EVAL_BOOKKEEPING, runs, metrics, with_settings)
