"""The findings' figures (docs/findings/*.png): per (dataset, variant), the quality metric and
classes covered vs step, and the dominance series vs step, one line group per (lr, n_critic)
cell (seeds thin, their mean bold); per 2-D mixture, the critics' decision fields. Small on
purpose: they are committed with the findings."""
from __future__ import annotations

import pathlib

import pandas as pd

from . import figures
from .arrays import load_toy
from .dominance import dominance_frame
from .findings import figure_name


def _cell_label(lr, default_lr, n_critic) -> str:
    return f"lr {lr:g}{' (default)' if lr == default_lr else ''} n_critic {int(n_critic)}"


def findings_figures(sweep: pd.DataFrame, eval_long: pd.DataFrame, metrics_long: pd.DataFrame,
                     metric: str, classes: str, folder) -> dict:
    """Draws curves_<dataset>_<variant>.png and dominance_<dataset>_<variant>.png into folder;
    returns {(dataset, variant): {'curves': drawn, 'dominance': drawn}} (figures.py's data)."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    dom_long = dominance_frame(metrics_long, sweep)
    drawn = {}
    for (dataset, variant), runs in sweep.groupby(["dataset", "variant"], sort=True):
        curve_groups, dom_groups = {}, {}
        for (lr, n_critic), cell in runs.groupby(["lr_g", "n_critic"], sort=True):
            label = _cell_label(lr, cell["default_lr_g"].iloc[0], n_critic)
            ids = set(zip(cell["out"], cell["run_id"]))
            keep = lambda df: df[[k in ids for k in zip(df["out"], df["run_id"])]]
            curve_groups[label] = keep(eval_long[eval_long["metric"].isin([metric, classes])])
            dom_groups[label] = keep(dom_long).rename(columns={"series": "metric"})
        name = figure_name(dataset, variant)
        entry = {"curves": figures.learning_curves(curve_groups, [metric, classes],
                                                   folder / f"curves_{name}.png",
                                                   f"{variant} on {dataset}")}
        names = list(dict.fromkeys(dom_long[dom_long["variant"] == variant]["series"]))
        entry["dominance"] = figures.learning_curves(dom_groups, names or ["(none recorded)"],
                                                     folder / f"dominance_{name}.png",
                                                     f"{variant} on {dataset}: dominance")
        drawn[(dataset, variant)] = entry
    return drawn


def toy_field_figures(toy_sweep: pd.DataFrame, folder) -> dict:
    """Draws fields_<dataset>.png into folder for each 2-D mixture of a toy sweep: one panel per
    variant, its smallest seed's run at the last evaluation (figures.toy_fields). Returns
    {dataset: drawn}."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    drawn = {}
    for dataset, runs in toy_sweep.groupby("dataset", sort=True):
        first = runs.sort_values(["variant", "seed"]).groupby("variant", sort=True).head(1)
        panels = {f"{run['variant']} seed {run['seed']}": load_toy(run["path"])
                  for _, run in first.iterrows()}
        drawn[dataset] = figures.toy_fields(panels, folder / f"fields_{dataset}.png",
                                            f"critic fields on {dataset}")
    return drawn
