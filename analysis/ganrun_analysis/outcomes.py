"""Outcome tables: per group (variant) and cell (lr x n_critic, or any two keys), the final and
best value of a quality metric over the cell's runs (mean, min, max, n) and its status counts.

Computed from a load_sweep frame only, so every number in the report's tables is one a user can
recompute from `load_sweep(OUT)` with pandas or numpy.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

STATUSES = ("completed", "diverged", "failed", "preempted", "running")

# Preferred quality metrics when none is named: a reference net's Fréchet distance, then the
# toy sets' mode count, then the class coverage.
PREFERRED = ("fd_", "modes_covered", "classes_covered")


class ReportError(ValueError):
    """Bad report input (a metric or key the sweep does not have): one message naming it."""


def quality_metrics(sweep: pd.DataFrame) -> list[str]:
    """The /eval metrics the sweep's runs carry (from its final_<q> / better_<q> columns)."""
    return [c[len("better_"):] for c in sweep.columns if c.startswith("better_")]


def pick_metric(sweep: pd.DataFrame, name: str | None = None) -> tuple[str | None, str | None]:
    """(metric, direction) for the report: `name` when given (ReportError if the sweep has no
    such /eval metric), else the first preferred one present; (None, None) when no run has been
    evaluated."""
    available = quality_metrics(sweep)
    if name is not None:
        if name not in available:
            raise ReportError(f"--metric {name}: no run of the sweep has /eval/{name}; "
                              f"available: {', '.join(available) or 'none (no evaluation rows)'}")
        return name, _direction(sweep, name)
    for prefix in PREFERRED:
        for m in available:
            if m == prefix or (prefix.endswith("_") and m.startswith(prefix)):
                if not m.endswith("_std"):
                    return m, _direction(sweep, m)
    return None, None


def _direction(sweep: pd.DataFrame, metric: str) -> str | None:
    values = sweep[f"better_{metric}"].dropna().unique()
    return str(values[0]) if len(values) else None


def check_keys(sweep: pd.DataFrame, *keys: str) -> None:
    """ReportError naming the first key that is not a column of the sweep."""
    for key in keys:
        if key not in sweep.columns:
            settings = [c for c in sweep.columns if not c.startswith(("final_", "best_", "better_"))]
            raise ReportError(f"'{key}' is not a setting of these runs; choose one of: "
                              f"{', '.join(settings)}")


def spread(values) -> dict:
    """mean, min, max and n of the finite values (NaN and n = 0 when none)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"mean": math.nan, "min": math.nan, "max": math.nan, "n": 0}
    return {"mean": float(v.mean()), "min": float(v.min()), "max": float(v.max()), "n": int(v.size)}


def outcome_table(sweep: pd.DataFrame, metric: str | None, rows: str = "lr_g",
                  cols: str = "n_critic", by: str = "variant") -> pd.DataFrame:
    """One row per (by, rows, cols) cell that has runs, sorted by them:
    by, rows, cols, runs, final_mean/min/max/n, best_mean/min/max/n, and one count column per
    status (STATUSES; any other status under `other`).

    final = the run's last evaluation of `metric`, best = its best by the metric's direction;
    mean/min/max over the cell's runs with a finite value, n how many those are (a diverged run
    has no evaluation and adds to the status counts only).
    """
    check_keys(sweep, by, rows, cols)
    records = []
    for key, cell in sweep.groupby([by, rows, cols], sort=True, dropna=False):
        rec = dict(zip([by, rows, cols], key))
        rec["runs"] = len(cell)
        for kind in ("final", "best"):
            column = f"{kind}_{metric}"
            stats = spread(cell[column]) if metric and column in cell else spread([])
            rec.update({f"{kind}_{k}": v for k, v in stats.items()})
        counts = cell["status"].value_counts()
        for status in STATUSES:
            rec[status] = int(counts.get(status, 0))
        rec["other"] = int(len(cell) - sum(rec[s] for s in STATUSES))
        records.append(rec)
    return pd.DataFrame.from_records(records)


def too_many_values(sweep: pd.DataFrame, key: str, limit: int = 8) -> bool:
    """True when `key` takes more than `limit` distinct values (a random search): the report
    then draws a scatter plot instead of a table."""
    return sweep[key].nunique(dropna=True) > limit


def best_row_value(table: pd.DataFrame, direction: str | None, rows: str):
    """The `rows` value of the cell with the best mean final metric (None when no cell has one
    or the direction is unknown); ties go to the first in table order."""
    scored = table[table["final_n"] > 0]
    if scored.empty or direction not in ("lower", "higher"):
        return None, None
    pick = scored["final_mean"].idxmin() if direction == "lower" else scored["final_mean"].idxmax()
    return scored.loc[pick, rows], scored.loc[pick]


def status_counts(sweep: pd.DataFrame) -> dict:
    """{status: runs} over every status present, the five known ones first."""
    counts = sweep["status"].value_counts()
    out = {s: int(counts.get(s, 0)) for s in STATUSES}
    for s, n in counts.items():
        if s not in out:
            out[str(s)] = int(n)
    return out


def format_spread(mean, lo, hi, n, digits: int = 3) -> str:
    """'12.3 [10.1, 14.2] n=3'; '-' when n is 0; without the range when n is 1."""
    if not n:
        return "-"
    if n == 1:
        return f"{mean:.{digits}g} n=1"
    return f"{mean:.{digits}g} [{lo:.{digits}g}, {hi:.{digits}g}] n={n}"
