"""`python -m ganrun_analysis report OUT...`: a sweep's outcomes as Markdown with PNG figures
(report.md, figures/*.png, runs.csv, outcomes.csv in the report folder), or one self-contained
HTML page (report.html) with --html.

Every number comes from the loaders (load_sweep, load_metrics, load_eval, load_samples,
load_toy); outcomes.csv holds the tables' values unformatted. build_report returns, beside the
report, every table and everything each figure drew, so tests check them against numpy.
"""
from __future__ import annotations

import math
import pathlib

import numpy as np
import pandas as pd

from . import figures
from .arrays import load_samples, load_toy, sample_steps, toy_steps
from .blocks import Figure, Heading, Para, Report, Table, cell, to_html, to_markdown
from .dominance import dominance_frame, plateau_step, series_meaning
from .outcomes import (STATUSES, ReportError, best_row_value, check_keys, format_spread,
                       outcome_table, pick_metric, status_counts, too_many_values)
from .series import load_eval, load_metrics
from .sweep import as_outs, load_sweep, to_csv


def _label(key: str, sweep: pd.DataFrame) -> str:
    """'lr' for lr_g when every run has lr_g == lr_d (the sweep set `lr`), else the key."""
    if key == "lr_g" and "lr_d" in sweep and (sweep["lr_g"] == sweep["lr_d"]).all():
        return "lr"
    return key


def _fmt(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float, np.number)) else str(value)


def _outcome_rows(table: pd.DataFrame, rows: str, cols: str) -> list:
    out = []
    for _, r in table.iterrows():
        out.append([cell(r[rows], _fmt(r[rows])), cell(r[cols], _fmt(r[cols])),
                    cell(r["final_mean"], format_spread(r["final_mean"], r["final_min"],
                                                        r["final_max"], r["final_n"])),
                    cell(r["best_mean"], format_spread(r["best_mean"], r["best_min"],
                                                       r["best_max"], r["best_n"]))]
                   + [cell(int(r[s])) for s in STATUSES])
    return out


def _default_lr(runs: pd.DataFrame):
    """The variant's default lr_g (its preset's value, recorded per run; the most common one
    when runs of several presets are mixed), None if unknown."""
    if "default_lr_g" not in runs:
        return None
    counts = runs["default_lr_g"].dropna().value_counts(sort=True)
    return float(counts.index[0]) if len(counts) else None


def _curve_groups(runs: pd.DataFrame, rows: str, cols: str, best) -> dict:
    """{label: runs} for the learning curves: the best cell and the default lr at the same
    `cols` value (or at any when the default lr has no run there)."""
    groups = {}
    if best is not None:
        label = f"best {_fmt(best[rows])} ({cols} {_fmt(best[cols])})"
        groups[label] = runs[(runs[rows] == best[rows]) & (runs[cols] == best[cols])]
    default = _default_lr(runs) if rows == "lr_g" else None
    if default is not None:
        at = runs[np.isclose(runs["lr_g"].astype(float), default, rtol=1e-9, atol=0)]
        same_cols = at[at[cols] == best[cols]] if best is not None else at
        at = same_cols if not same_cols.empty else at
        if not at.empty and (best is None or not np.isclose(float(best[rows]), default,
                                                            rtol=1e-9, atol=0)):
            groups[f"default {_fmt(default)}" + (f" ({cols} {_fmt(at[cols].iloc[0])})"
                                                  if at[cols].nunique() == 1 else "")] = at
    return groups


def _chosen_runs(sweep, runs, metric, direction, curve_groups, wanted):
    """The runs whose samples or fields the report shows: `wanted` ids if given, else per
    variant the run with the best final metric of its best cell, and one run at its default lr."""
    if wanted:
        return sweep[sweep["run_id"].isin(wanted)]
    picks = []
    for label, group in curve_groups.items():
        group = group.sort_values("run_id")
        column = f"final_{metric}" if metric else None
        if label.startswith("best") and column in group and group[column].notna().any():
            values = group[column].astype(float)
            pick = values.idxmin() if direction == "lower" else values.idxmax()
            picks.append(group.loc[[pick]])
        elif not group.empty:
            picks.append(group.iloc[[0]])
    if not picks:
        picks.append(runs.sort_values("run_id").iloc[[0]])
    return pd.concat(picks).drop_duplicates("run_id")


def build_report(outs, folder, metric=None, rows="lr_g", cols="n_critic", by="variant",
                 sample_runs=None) -> tuple[Report, dict]:
    """Writes figures/*.png, runs.csv and outcomes.csv into `folder`; returns the report and
    {'sweep', 'metric', 'direction', 'tables' {group: frame}, 'heat_maps', 'scatter',
    'curves' {group: drawn}, 'dominance' {group: drawn}, 'plateaus' frame, 'samples', 'toy'}."""
    folder = pathlib.Path(folder)
    outs = as_outs(outs)
    for out in outs:
        if not (pathlib.Path(out) / "runs").is_dir() and not (pathlib.Path(out) / "sweep.h5").exists():
            raise ReportError(f"{out}: not a ganrun out folder (no runs/ and no sweep.h5); "
                              "pass the `out` folder of a sweep")
    sweep = load_sweep(outs)
    if sweep.empty:
        raise ReportError(f"{', '.join(map(str, outs))}: no run files yet (runs/*.h5); "
                          "start the sweep first, or wait for its first run to begin")
    check_keys(sweep, rows, cols, by)
    metric, direction = pick_metric(sweep, metric)
    # Input checked: from here on files are written.
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    to_csv(sweep, folder / "runs.csv")
    report = Report(f"ganrun report: {', '.join(pathlib.Path(o).name for o in outs)}")
    data = {"sweep": sweep, "metric": metric, "direction": direction, "tables": {},
            "heat_maps": None, "scatter": None, "curves": {}, "dominance": {}, "samples": None,
            "toy": None}

    counts = status_counts(sweep)
    report.add(Para(f"{len(sweep)} runs from {', '.join(f'`{o}`' for o in outs)}: " +
                    ", ".join(f"{n} {s}" for s, n in counts.items() if n or s in STATUSES) + "."))
    if counts.get("running"):
        n = counts["running"]
        report.add(Para(f"**{n} run{' is' if n == 1 else 's are'} still running** (or "
                        "interrupted "
                        "and not yet resumed): their numbers are those of their last commit "
                        "and will change."))
    if metric:
        report.add(Para(f"Quality metric: `{metric}` ({direction or 'no direction'} is better; "
                        "`--metric` picks another). *final* = its last evaluation, *best* = the "
                        "best evaluation of the run. Cells: mean [min, max] n = runs (seeds) "
                        "with a value; a run that diverged or failed before evaluating counts "
                        "in the status columns only."))
    else:
        report.add(Para("No run has evaluation rows (`eval_every` was 0 or no evaluation point "
                        "was reached): the tables show status counts only."))

    rows_label, cols_label = _label(rows, sweep), _label(cols, sweep)
    scatter_mode = too_many_values(sweep, rows) or too_many_values(sweep, cols)
    table = outcome_table(sweep, metric, rows, cols, by)
    to_csv(table, folder / "outcomes.csv")
    report.add(Heading(2, "Outcomes"))
    header = [rows_label, cols_label, f"final {metric or ''}".strip(),
              f"best {metric or ''}".strip()] + list(STATUSES)
    for group, part in table.groupby(by, sort=True):
        part = part.reset_index(drop=True)
        data["tables"][group] = part
        report.add(Heading(3, f"{by} {group}"))
        if scatter_mode:
            report.add(Para(f"{int(part['runs'].sum())} runs; " + ", ".join(
                f"{int(part[s].sum())} {s}" for s in STATUSES) + f". {rows} or {cols} takes "
                "more than 8 values (a random search): see the scatter plot below."))
        else:
            report.add(Table(header, _outcome_rows(part, rows, cols)))

    if metric and scatter_mode:
        path = "figures/scatter.png"
        data["scatter"] = figures.scatter(sweep, rows, f"final_{metric}", cols, by,
                                          folder / path, f"final {metric} per run")
        report.add(Figure(path, f"final {metric} of every run over {rows_label}, colour "
                                f"{cols_label}, one panel per {by}"))
    elif metric:
        report.add(Heading(2, "Heat maps"))
        path = "figures/heat_final.png"
        data["heat_maps"] = figures.heat_maps(table, "final_mean", rows, cols, by, folder / path,
                                              f"final {metric}, mean over seeds")
        report.add(Figure(path, f"final {metric} (mean over seeds) over {rows_label} x "
                                f"{cols_label}, one panel per {by}, one colour scale"))

    _curves_and_dominance(report, data, sweep, outs, folder, metric, direction, rows, cols, by,
                          sample_runs)
    return report, data


def _curves_and_dominance(report, data, sweep, outs, folder, metric, direction, rows, cols, by,
                          sample_runs):
    metrics_long = load_metrics(outs)
    eval_long = load_eval(outs, metrics=metric) if metric else None
    dom_long = dominance_frame(metrics_long, sweep)
    groups_of = {}
    for group, runs in sweep.groupby(by, sort=True):
        _, best = best_row_value(data["tables"][group], direction, rows)
        groups_of[group] = _curve_groups(runs, rows, cols, best)

    report.add(Heading(2, "Learning curves"))
    report.add(Para("Per variant its default lr (the preset's value, recorded in each run file "
                    "as `default_lr_g`) against its best lr (the cell with the best mean final "
                    "metric); thin lines are seeds, the bold line their mean."))
    for group, groups in groups_of.items():
        if not groups:
            report.add(Para(f"{by} {group}: no run to draw."))
            continue
        ranked = any(label.startswith("best") for label in groups)
        parts = {}
        for label, runs in groups.items():
            ids = set(runs["run_id"])
            long = metrics_long[metrics_long["run_id"].isin(ids)]
            if eval_long is not None:
                long = pd.concat([eval_long[eval_long["run_id"].isin(ids)], long])
            parts[label] = long
        shown = ([metric] if metric else []) + ["d_loss", "g_loss"]
        path = f"figures/curves_{_slug(group)}.png"
        data["curves"][group] = figures.learning_curves(parts, shown, folder / path,
                                                        f"{by} {group}")
        note = ("" if len(groups) > 1 else
                " (its default lr is its best, or was not swept)" if ranked else
                " (its default lr only: no quality metric ranks the lrs)")
        report.add(Figure(path, f"{by} {group}: {', '.join(shown)} vs step{note}"))

    report.add(Heading(2, "Discriminator dominance"))
    report.add(Para("What each variant records about D's lead: D(x) and D(G(z)) for the GAN "
                    "family (probabilities; lsgan's are raw outputs with targets 1 and 0, not "
                    "probabilities), the critic gap E[D(x)] - E[D(G(z))] for the WGANs, the "
                    "energy gap and the fraction of fake energies under the margin for EBGAN, "
                    "k_t and the convergence measure M for BEGAN. *G settles at*: the first step "
                    "after which the generator's loss (rolling mean over 5 log points) changes "
                    "by less than 1% from one log point to the next; `never` when it still moves "
                    "at the end."))
    plateau_rows = []
    for group, groups in groups_of.items():
        variant = group if by == "variant" else None
        for label, runs in groups.items():
            ids = sorted(set(runs["run_id"]))
            settle = []
            for run_id in ids:
                g = metrics_long[(metrics_long["run_id"] == run_id)
                                 & (metrics_long["metric"] == "g_loss")]
                settle.append(plateau_step(g["step"].to_numpy(), g["value"].to_numpy()))
            finals = {}
            dom = dom_long[dom_long["run_id"].isin(ids)]
            for series, part in dom.groupby("series", sort=False):
                last = part.sort_values("step").groupby("run_id")["value"].last()
                finals[series] = last.to_numpy()
            plateau_rows.append({by: group, "runs": label, "run_ids": ",".join(ids),
                                 "settles": settle, "finals": finals})
        dom = dom_long[dom_long["run_id"].isin(set().union(*[set(r["run_id"])
                                                             for r in groups.values()]))]
        if dom.empty:
            report.add(Para(f"{by} {group}: records no dominance series"
                            + (" (its metrics: see README, Variants)." if variant else ".")))
            continue
        parts = {label: dom[dom["run_id"].isin(set(runs["run_id"]))].rename(
            columns={"series": "metric"}) for label, runs in groups.items()}
        names = list(dict.fromkeys(dom["series"]))
        path = f"figures/dominance_{_slug(group)}.png"
        data["dominance"][group] = figures.learning_curves(parts, names, folder / path,
                                                           f"{by} {group}")
        meaning = series_meaning(variant) if variant else {}
        report.add(Figure(path, f"{by} {group}: " + "; ".join(
            f"{n} = {meaning.get(n, n)}" for n in names)))
    data["plateaus"] = pd.DataFrame(plateau_rows)
    if plateau_rows:
        report.add(Table([by, "runs", "G settles at (per seed)", "dominance at the end"],
                         [[cell(str(r[by])), cell(r["runs"]),
                           cell(_first_settle(r["settles"]), ", ".join(
                               "never" if s is None else str(s) for s in r["settles"]) or "-"),
                           cell("; ".join(f"{k} " + format_spread(*_spread4(v))
                                          for k, v in r["finals"].items()) or "-")]
                          for r in plateau_rows]))

    chosen = pd.concat([_chosen_runs(sweep, runs, metric, direction, groups_of[group],
                                     sample_runs) for group, runs in sweep.groupby(by)]
                       ).drop_duplicates("run_id")
    _samples(report, data, chosen, folder)


def _first_settle(settles) -> float:
    finite = [s for s in settles if s is not None]
    return float(min(finite)) if finite else math.nan


def _spread4(values):
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan, math.nan, math.nan, 0
    return float(v.mean()), float(v.min()), float(v.max()), int(v.size)


def _samples(report, data, chosen, folder):
    image_runs, toy_runs = {}, {}
    for _, run in chosen.sort_values("run_id").iterrows():
        steps = sample_steps(run["path"])
        if steps.size:
            pick = sorted({int(steps[0]), int(steps[len(steps) // 2]), int(steps[-1])})
            image_runs[run["run_id"]] = {s: load_samples(run["path"], s) for s in pick}
        elif toy_steps(run["path"]).size:
            toy_runs[run["run_id"]] = load_toy(run["path"])
    if image_runs:
        report.add(Heading(2, "Samples"))
        path = "figures/samples.png"
        data["samples"] = figures.sample_grids(image_runs, folder / path,
                                               "fixed-noise samples")
        report.add(Figure(path, "the fixed-noise grid at the first, middle and last sample "
                                "steps of " + ", ".join(f"`{r}`" for r in image_runs)))
    if toy_runs:
        report.add(Heading(2, "Toy decision fields"))
        path = "figures/toy_fields.png"
        data["toy"] = figures.toy_fields(toy_runs, folder / path, "critic fields")
        report.add(Figure(path, "the critic's output over the plane (red high, blue low) at "
                                "the last evaluation, 500 real points (black, drawn from the "
                                "mixture) and G's points (orange) of " +
                                ", ".join(f"`{r}`" for r in toy_runs)))


def _slug(value) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(value))


def write_report(outs, folder, html: bool = False, **options) -> tuple[pathlib.Path, dict]:
    """Builds the report into `folder`: report.md (or report.html with html=True); returns the
    file and build_report's data, with the Report itself under 'report'."""
    folder = pathlib.Path(folder)
    report, data = build_report(outs, folder, **options)
    data["report"] = report
    if html:
        path = folder / "report.html"
        path.write_text(to_html(report, folder), encoding="utf-8")
    else:
        path = folder / "report.md"
        path.write_text(to_markdown(report), encoding="utf-8")
    return path, data


__all__ = ["build_report", "write_report", "ReportError"]
