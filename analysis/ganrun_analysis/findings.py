"""The learning-rate study's findings (docs/findings.md): verdicts by rules fixed here before any
run, computed from one CSV with a row per run, rendered as Markdown deterministically (the same
CSV gives the same bytes), so every number the text cites is a number of the CSV.

The CSV (findings_csv builds it from out folders; columns FINDINGS_COLUMNS):
  run_id, dataset, variant, lr, default_lr, n_critic, seed, status, steps,
  fd_start (the quality metric at step 0: the untrained generator), fd_final, classes_final

The rules (fixed; a study may not tune them after seeing its runs):
- a run **learned nothing**: classes_final <= 2 and |fd_final - fd_start| <= 10% of fd_start;
- a run **learned**: classes_final >= 9 and fd_final <= 50% of fd_start;
- a run that diverged or failed learned nothing; anything else is **partial**;
- a cell (dataset, variant, lr, n_critic) takes the verdict of the majority of its seeds
  (more than half), else **mixed**; a cell whose runs lack fd_start is **unknown**.
The questions, each answered from cells:
- Q0 positive control: gan at its default lr learned (else the budget is too small to judge);
- Q1 the default-lr failure of wgan-gp and ebgan reproduces when their default-lr cells learned
  nothing (every n_critic swept);
- Q2 10x lr rescues wgan-gp when its cells at 10x the default lr learned;
- Q3 ebgan resists tuning when every ebgan cell learned nothing;
- Q4 what n_critic changes: per variant and lr, the mean fd_final at each n_critic.
- Q5 which collection setting causes the failure (the causes study): switching a setting alone
  turns a baseline that learned nothing into a cell that learned (yes), partly or mixed
  (partly), or not (no); a baseline that did not fail leaves nothing to explain.
Built from run files, the CSV also carries each run's dominance evidence (DOMINANCE_COLUMNS),
which the Markdown lists per cell beside links to the figures findings_figures.py draws, and the
ganrun commit that made each run (PROVENANCE_COLUMNS, counted in one line of the Markdown).
The budget line compares the longest run's critic batches with the collection's 30 epochs.
"""
from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd

from .dominance import dominance_series, plateau_step

FINDINGS_COLUMNS = ["run_id", "dataset", "variant", "lr", "default_lr", "n_critic", "seed",
                    "status", "steps", "fd_start", "fd_final", "classes_final"]
# Written when the CSV is built from run files (findings_csv with their /metrics): up to two
# dominance series of the variant (dominance.py), each as the mean of its first and of its
# last DOM_WINDOW log points, and the step after which G's loss settles (NaN: never).
DOMINANCE_COLUMNS = ["dom1", "dom1_start", "dom1_final", "dom2", "dom2_start", "dom2_final",
                     "g_settles"]
DOM_WINDOW = 5

# The causes study (sweeps/causes.yaml): its rows carry study = "causes" and switch = the
# settings of CAUSE_KEYS where the run differs from its (dataset, variant) group's most common
# value ("baseline" when none: the collection itself); the lr study's rows study = "lr".
CAUSES_COLUMNS = ["study", "switch"]
# Which ganrun made each run (its file's git_commit attribute): a setting added to ganrun later
# is absent from older runs, which trained with that setting's default.
PROVENANCE_COLUMNS = ["git_commit"]
# Every setting of the collection a causes map may switch (docs/presets.md); a key a run's file
# lacks (a run older than the setting) is read as missing and never counts as a switch.
CAUSE_KEYS = ["critic_norm", "critic_output", "pixel_range", "n_critic", "hinge", "pullaway",
              "energy_target", "generator_noise", "bn_init", "epoch_tail", "ls_scale",
              "penalty_output", "info_source"]

# The collection's budget the quick study is measured against: 30 epochs of floor(60000 / 64)
# critic batches of MNIST's training set.
ORIGINAL_CRITIC_BATCHES = 30 * (60000 // 64)

NOTHING_CLASSES = 2        # classes_final <= this ...
NOTHING_FD_CHANGE = 0.10   # ... and fd within 10% of the step-0 generator's
LEARNED_CLASSES = 9        # classes_final >= this ...
LEARNED_FD_RATIO = 0.50    # ... and fd_final <= 50% of fd_start


# The 2-D mixtures (sweeps/toy-2d.yaml; rows of study "toy", built with fd_final = the
# high_quality fraction and classes_final = modes covered). Fixed before those runs:
TOY_COVERS_QUALITY = 0.5   # covers: every mode covered and >= 50% of samples high-quality
TOY_COLLAPSED_MODES = 1    # collapsed: at most this many modes covered (or diverged / failed)


def toy_modes(dataset: str) -> int:
    """The mixture's mode count, from its name (toy-ring8: 8, toy-grid25: 25)."""
    digits = "".join(ch for ch in str(dataset) if ch.isdigit())
    return int(digits) if digits else 0


def toy_verdict(row) -> str:
    """'covers', 'collapsed', 'partial' or 'unknown' for one toy row (see TOY_*)."""
    if row["status"] in ("diverged", "failed"):
        return "collapsed"
    modes, quality = row["classes_final"], row["fd_final"]
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (modes, quality)):
        return "unknown"
    if modes >= toy_modes(row["dataset"]) and quality >= TOY_COVERS_QUALITY:
        return "covers"
    if modes <= TOY_COLLAPSED_MODES:
        return "collapsed"
    return "partial"


def _toy_lines(toy: pd.DataFrame) -> list[str]:
    lines = []
    for (dataset, variant), cell in toy.groupby(["dataset", "variant"], sort=True):
        verdicts = [toy_verdict(r) for _, r in cell.iterrows()]
        counts = pd.Series(verdicts).value_counts()
        majority = next((v for v, c in counts.items() if c * 2 > len(cell)), "mixed")
        stats = {}
        for col in ("classes_final", "fd_final"):
            v = cell[col].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            stats[f"{col}_mean"] = v.mean() if v.size else math.nan
            stats[f"{col}_min"] = v.min() if v.size else math.nan
            stats[f"{col}_max"] = v.max() if v.size else math.nan
        tally = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("covers", "partial", "collapsed"))
        lines.append(f"- {variant} on {dataset}: **{majority}** ({len(cell)} seeds: {tally}; "
                     f"modes covered {_spread(stats, 'classes_final')} of "
                     f"{toy_modes(dataset)}, high-quality fraction {_spread(stats, 'fd_final')}"
                     f", {int(cell['steps'].max())} steps)")
    return lines


def run_verdict(row) -> str:
    """'learned nothing', 'learned', 'partial' or 'unknown' for one CSV row (see module doc)."""
    if row["status"] in ("diverged", "failed"):
        return "learned nothing"
    start, final, classes = row["fd_start"], row["fd_final"], row["classes_final"]
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (start, final, classes)):
        return "unknown"
    if classes <= NOTHING_CLASSES and abs(final - start) <= NOTHING_FD_CHANGE * start:
        return "learned nothing"
    if classes >= LEARNED_CLASSES and final <= LEARNED_FD_RATIO * start:
        return "learned"
    return "partial"


def cell_verdicts(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (dataset, variant, lr, n_critic): seeds, each verdict's count, the majority
    verdict, and fd_start / fd_final / classes_final as mean, min, max over the seeds."""
    runs = runs.copy()
    runs["verdict"] = [run_verdict(r) for _, r in runs.iterrows()]
    rows = []
    for key, cell in runs.groupby(["dataset", "variant", "lr", "n_critic"], sort=True):
        counts = cell["verdict"].value_counts()
        n = len(cell)
        majority = next((v for v, c in counts.items() if c * 2 > n), "mixed")
        rec = dict(zip(["dataset", "variant", "lr", "n_critic"], key))
        rec.update({"seeds": n, "verdict": majority,
                    "default_lr": float(cell["default_lr"].iloc[0])})
        for v in ("learned nothing", "learned", "partial", "unknown"):
            rec[v] = int(counts.get(v, 0))
        for col in ("fd_start", "fd_final", "classes_final"):
            values = cell[col].to_numpy(dtype=float)
            values = values[np.isfinite(values)]
            rec[f"{col}_mean"] = float(values.mean()) if values.size else math.nan
            rec[f"{col}_min"] = float(values.min()) if values.size else math.nan
            rec[f"{col}_max"] = float(values.max()) if values.size else math.nan
        rows.append(rec)
    return pd.DataFrame(rows)


def _num(v) -> str:
    return "-" if not math.isfinite(v) else f"{v:.4g}"


def _spread(cell, col) -> str:
    mean, lo, hi = cell[f"{col}_mean"], cell[f"{col}_min"], cell[f"{col}_max"]
    if not math.isfinite(mean):
        return "-"
    return _num(mean) if lo == hi else f"{_num(mean)} [{_num(lo)}, {_num(hi)}]"


def _at(cells, variant, lr_factor=1.0):
    """The cells of `variant` at lr_factor x its default lr."""
    part = cells[cells["variant"] == variant]
    return part[np.isclose(part["lr"], lr_factor * part["default_lr"], rtol=1e-6, atol=0)]


def _cell_line(c) -> str:
    return (f"{c['variant']} lr {_num(c['lr'])} n_critic {int(c['n_critic'])} on {c['dataset']}: "
            f"**{c['verdict']}** ({c['seeds']} seeds: {c['learned nothing']} learned nothing, "
            f"{c['learned']} learned, {c['partial']} partial; fd {_spread(c, 'fd_start')} at "
            f"step 0 -> {_spread(c, 'fd_final')}, classes covered {_spread(c, 'classes_final')})")


def _answer(cells_at, wanted: str) -> str:
    """'yes' when every cell has the wanted verdict, 'no' when none has, else 'partly';
    'not measured' without cells; 'unknown' when a cell's verdict is unknown."""
    if cells_at.empty:
        return "not measured"
    verdicts = list(cells_at["verdict"])
    if "unknown" in verdicts:
        return "unknown"
    hits = sum(v == wanted for v in verdicts)
    return "yes" if hits == len(verdicts) else "no" if hits == 0 else "partly"


def _dominance_lines(runs: pd.DataFrame) -> list[str]:
    """Per cell, each dominance series' first and last values (mean [min, max] over seeds) and
    how many seeds' generator loss settled, from the CSV's DOMINANCE_COLUMNS."""
    lines = []
    for (dataset, variant, lr, n_critic), cell in runs.groupby(
            ["dataset", "variant", "lr", "n_critic"], sort=True):
        parts = []
        for k in ("dom1", "dom2"):
            names = cell[k].dropna().unique()
            if len(names) != 1:
                continue
            stats = {}
            for when in ("start", "final"):
                v = cell[f"{k}_{when}"].to_numpy(dtype=float)
                v = v[np.isfinite(v)]
                stats[when] = {f"{when}_mean": v.mean() if v.size else math.nan,
                               f"{when}_min": v.min() if v.size else math.nan,
                               f"{when}_max": v.max() if v.size else math.nan}
            parts.append(f"{names[0]} {_spread(stats['start'], 'start')} -> "
                         f"{_spread(stats['final'], 'final')}")
        settled = cell["g_settles"].to_numpy(dtype=float)
        settled = settled[np.isfinite(settled)]
        settle = (f"G's loss settled in {settled.size} of {len(cell)} seeds"
                  + (f" (first at step {int(settled.min())})" if settled.size else ""))
        lines.append(f"- {variant} lr {_num(lr)} n_critic {int(n_critic)} on {dataset}: "
                     + ("; ".join(parts) + "; " if parts else "no dominance series; ")
                     + settle)
    return lines


def _causes_cells(causes: pd.DataFrame) -> list[dict]:
    """Per (dataset, variant, lr) of the causes study: its baseline cell and each switch's cell
    with its answer (yes / partly / no; '-' when the baseline did not fail; None: baseline)."""
    judged = []
    for (dataset, variant, lr), group in causes.groupby(["dataset", "variant", "lr"], sort=True):
        cells = {switch: next(cell_verdicts(part.assign(n_critic=0)).iterrows())[1]
                 for switch, part in group.groupby("switch", sort=True)}
        base = cells.pop("baseline", None)
        failed = base is not None and base["verdict"] == "learned nothing"
        where = {"dataset": dataset, "variant": variant, "lr": lr, "failed": failed,
                 "has_baseline": base is not None}
        if base is not None:
            judged.append({**where, "switch": "baseline", "cell": base, "answer": None})
        for switch, c in cells.items():
            answer = ("-" if not failed else "yes" if c["verdict"] == "learned" else
                      "no" if c["verdict"] == "learned nothing" else "partly")
            judged.append({**where, "switch": switch, "cell": c, "answer": answer})
    return judged


def _causes_lines(causes: pd.DataFrame) -> list[str]:
    lines = []
    for j in _causes_cells(causes):
        name = f"{j['variant']} lr {_num(j['lr'])} on {j['dataset']}"
        if not j["has_baseline"] and not any(l.startswith(f"- {name}") for l in lines):
            lines.append(f"- {name}: no baseline cell (the collection's own settings), so no "
                         "switch can be judged")
        if j["answer"] is None:
            lines.append(f"- {name}, baseline (the collection): {j['cell']['verdict']} "
                         f"({_cause_numbers(j['cell'])})" +
                         ("" if j["failed"] else "; not *learned nothing*, so the rule judges "
                          "no switch a cause"))
        elif j["has_baseline"]:
            lines.append(f"- {name}, {j['switch']}: {j['cell']['verdict']} "
                         f"({_cause_numbers(j['cell'])}); causes: {j['answer']}")
    return lines


def _causes_answer(causes: pd.DataFrame) -> str:
    """'not measured', or per variant the switches answered yes (else partly), else 'none of
    the switched settings', or that its baseline did not fail."""
    if causes.empty:
        return "not measured"
    judged = _causes_cells(causes)
    parts = []
    for variant in sorted({j["variant"] for j in judged} | set(causes["variant"])):
        mine = [j for j in judged if j["variant"] == variant]
        if not any(j["failed"] for j in mine):
            bases = [j["cell"]["verdict"] for j in mine if j["answer"] is None]
            parts.append(f"{variant}: no baseline cell (the collection's own settings)" if not bases
                         else f"{variant}: its baseline was *{bases[0]}*, not *learned nothing*, "
                         "so the rule judges no switch a cause")
            continue
        yes = [j["switch"] for j in mine if j["answer"] == "yes"]
        partly = [j["switch"] for j in mine if j["answer"] == "partly"]
        parts.append(f"{variant}: " + ("; ".join(yes) if yes else
                                       "partly " + "; ".join(partly) if partly else
                                       "none of the switched settings"))
    return "; ".join(parts)


def _causes_interpretation(causes: pd.DataFrame) -> list[str]:
    """Per variant of the causes study whose baseline did not learn: the switches whose cell
    learned, and those where only some seeds learned."""
    lines = []
    judged = _causes_cells(causes) if not causes.empty else []
    for variant in sorted({j["variant"] for j in judged}):
        mine = [j for j in judged if j["variant"] == variant]
        base = next((j["cell"] for j in mine if j["answer"] is None), None)
        if base is None or base["verdict"] == "learned":
            continue
        learned = [j["switch"] for j in mine if j["answer"] is not None
                   and j["cell"]["verdict"] == "learned"]
        some = [j["switch"] for j in mine if j["answer"] is not None
                and j["cell"]["verdict"] != "learned" and j["cell"]["learned"] > 0]
        lines.append(f"- {variant}: the baseline was *{base['verdict']}* (classes covered "
                     f"{_spread(base, 'classes_final')}); switched alone, "
                     + (", ".join(learned) if learned else "no setting") + " made it learn"
                     + (f"; {', '.join(some)} made some of its seeds learn" if some else "")
                     + ".")
    return lines


def _cause_numbers(c) -> str:
    return (f"{c['seeds']} seeds; fd {_spread(c, 'fd_start')} at step 0 -> "
            f"{_spread(c, 'fd_final')}, classes covered {_spread(c, 'classes_final')}")


def switches(sweep: pd.DataFrame) -> list[str]:
    """Per run of a causes sweep: 'baseline', or 'key=value, ...' for the CAUSE_KEYS where it
    differs from the most common value of its (dataset, variant) group (ties: the smallest)."""
    out = []
    for _, run in sweep.iterrows():
        group = sweep[(sweep["dataset"] == run["dataset"])
                      & (sweep["variant"] == run["variant"])]
        changed = []
        for key in CAUSE_KEYS:
            if key not in sweep.columns:
                continue
            counts = group[key].dropna().astype(str).value_counts()
            if pd.isna(run[key]) or counts.empty:
                continue  # the run (or every run of its group) predates this setting
            mode = sorted(v for v, n in counts.items() if n == counts.max())[0]
            if str(run[key]) != mode:
                changed.append(f"{key}={run[key]}")
        out.append(", ".join(changed) or "baseline")
    return out


def _budget_line(runs: pd.DataFrame) -> str:
    batches = (runs["steps"].to_numpy(dtype=float) * runs["n_critic"].to_numpy(dtype=float))
    most = float(batches.max()) if batches.size else 0.0
    return (f"Budget: the longest run trained {most:.0f} critic batches (steps x n_critic), "
            f"{most / ORIGINAL_CRITIC_BATCHES:.1%} of the collection's 30 epochs x "
            f"{60000 // 64} batches ({ORIGINAL_CRITIC_BATCHES}); a failure here may be the "
            "budget's, which is what the positive control checks.")


def run_commits(sweep: pd.DataFrame) -> list[str]:
    """Each run's git_commit (load_sweep reads it with the run's other attributes)."""
    return [str(c) for c in sweep["git_commit"]]


def _provenance_line(runs: pd.DataFrame) -> str:
    counts = runs.groupby("git_commit", sort=True).size()
    made = ", ".join(f"`{commit}` ({n} runs)" for commit, n in counts.items())
    return (f"Made by ganrun at commit {made}: a setting ganrun gained after that commit is "
            "absent from these runs' files and took its default (docs/presets.md says when each "
            "of the collection's quirks became a setting).")


def findings_markdown(runs: pd.DataFrame, budget_note: str = "") -> str:
    """docs/findings.md from the per-run CSV's rows (see the module doc)."""
    dominance = all(c in runs.columns for c in DOMINANCE_COLUMNS)
    studies = all(c in runs.columns for c in CAUSES_COLUMNS)
    provenance = all(c in runs.columns for c in PROVENANCE_COLUMNS)
    columns = (FINDINGS_COLUMNS + (DOMINANCE_COLUMNS if dominance else [])
               + (CAUSES_COLUMNS if studies else [])
               + (PROVENANCE_COLUMNS if provenance else []))
    runs = runs[columns].sort_values(["dataset", "variant", "lr", "n_critic", "seed"],
                                     kind="stable").reset_index(drop=True)
    causes = runs[runs["study"] == "causes"] if studies else runs.iloc[0:0]
    toy = runs[runs["study"] == "toy"] if studies else runs.iloc[0:0]
    if studies:
        runs = runs[~runs["study"].isin(["causes", "toy"])].reset_index(drop=True)
    cells = cell_verdicts(runs)
    out = io.StringIO()
    w = out.write
    w("# Findings: the learning-rate study\n\n")
    w("Generated by `python -m ganrun_analysis findings` from `findings.csv` (one row per run); "
      "every number below is in that file. Verdicts follow rules fixed before the runs "
      "(analysis/ganrun_analysis/findings.py): a run *learned nothing* when it covers <= "
      f"{NOTHING_CLASSES} classes and its fd is within {NOTHING_FD_CHANGE:.0%} of the step-0 "
      f"generator's (a diverged or failed run too); it *learned* when it covers >= "
      f"{LEARNED_CLASSES} classes and its fd is <= {LEARNED_FD_RATIO:.0%} of step 0's; a cell "
      "(variant, lr, n_critic) takes its seeds' majority verdict, else *mixed*.\n\n")
    w(_budget_line(runs) + "\n\n")
    if provenance:
        w(_provenance_line(pd.concat([runs, causes, toy])) + "\n\n")
    if budget_note:
        w(budget_note.strip() + "\n\n")
    w(f"{len(runs)} runs in {len(cells)} cells, {runs['seed'].nunique()} seed(s) per cell at "
      f"most, {int(runs['steps'].max()) if len(runs) else 0} steps at most.\n\n")

    w("## Answers\n\n")
    control = _at(cells, "gan")
    answer0 = _answer(control, "learned")
    w(f"- **Positive control** (gan at its default lr learned): {answer0}.")
    if answer0 != "yes":
        w(" The budget is too small to judge the other variants: their failures below may be "
          "the budget's, not the variant's.")
    w("\n")
    wgan_default, ebgan_default = _at(cells, "wgan-gp"), _at(cells, "ebgan")
    both = pd.concat([wgan_default, ebgan_default])
    w(f"- **Does the default-lr failure of WGAN-GP and EBGAN reproduce?** "
      f"{_answer(both, 'learned nothing')} (wgan-gp: {_answer(wgan_default, 'learned nothing')}, "
      f"ebgan: {_answer(ebgan_default, 'learned nothing')}).\n")
    w(f"- **Does 10x lr rescue WGAN-GP?** {_answer(_at(cells, 'wgan-gp', 10.0), 'learned')}.\n")
    ebgan = cells[cells["variant"] == "ebgan"]
    w(f"- **Does EBGAN resist tuning (no lr learns)?** {_answer(ebgan, 'learned nothing')}.\n")
    w(f"- **Which collection setting causes the failure?** {_causes_answer(causes)}.\n")
    w("\n## Cells\n\n")
    for _, c in cells.iterrows():
        w(f"- {_cell_line(c)}\n")
    w("\n## What n_critic changes\n\n")
    lines = 0
    for (dataset, variant, lr), part in cells.groupby(["dataset", "variant", "lr"], sort=True):
        if part["n_critic"].nunique() < 2:
            continue
        parts = ", ".join(f"n_critic {int(c['n_critic'])}: fd {_spread(c, 'fd_final')}, "
                          f"{c['verdict']}" for _, c in part.iterrows())
        w(f"- {variant} lr {_num(lr)} on {dataset}: {parts}\n")
        lines += 1
    if not lines:
        w("- not measured: no variant and lr was run at two n_critic values.\n")
    w("\n## Which collection setting causes the failure\n\n")
    if causes.empty:
        w("Not measured: no run of `sweeps/causes.yaml` (the collection's settings switched one "
          "at a time) is in this CSV.\n")
    else:
        w("From `sweeps/causes.yaml`: each cell switches one setting away from the collection's "
          "value (the baseline is the collection itself); *causes* answers whether that switch "
          "alone turns the baseline's *learned nothing* into *learned* (yes), *partial* or "
          "*mixed* (partly) or not (no). A quirk that became a setting after a run's commit "
          "(the provenance line above; docs/presets.md) was at its paper form in that run, "
          "baseline included.\n\n")
        for line in _causes_lines(causes):
            w(line + "\n")
    w("\n## Discriminator dominance\n\n")
    if dominance:
        w(f"Each series as the mean of its first and of its last {DOM_WINDOW} log points "
          "(mean [min, max] over seeds): d_real / d_fake = mean D(x) / D(G(z)) (probabilities), "
          "critic_gap = E[D(x)] - E[D(G(z))], energy_gap = fake minus real reconstruction "
          "energy, margin_hits = the fraction of fake energies under the margin. G's loss "
          "*settles* at the first log step after which its rolling mean over 5 points changes "
          "by less than 1%.\n\n")
        for line in _dominance_lines(runs):
            w(line + "\n")
        w("\n## Figures\n")
        for (dataset, variant), _ in runs.groupby(["dataset", "variant"], sort=True):
            name = figure_name(dataset, variant)
            w(f"\n![{variant} on {dataset}: quality metric and classes covered vs step]"
              f"(findings/curves_{name}.png)\n")
            w(f"![{variant} on {dataset}: dominance series vs step]"
              f"(findings/dominance_{name}.png)\n")
    else:
        w("Not in this CSV (it has no dominance columns: build it from run files).\n")
    w("\n## The 2-D mixtures\n\n")
    if toy.empty:
        w("Not measured: no run of `sweeps/toy-2d.yaml` is in this CSV.\n")
    else:
        w("From `sweeps/toy-2d.yaml` (preset toy-2d). Rules fixed before those runs: a run "
          f"*covers* the mixture when it covers every mode and at least "
          f"{TOY_COVERS_QUALITY:.0%} of its samples are high-quality (within 3 sigma of a "
          f"mode), it *collapsed* when it covers at most {TOY_COLLAPSED_MODES} mode (or "
          "diverged), else *partial*; a cell takes its seeds' majority, else *mixed*. Final "
          "values, mean [min, max] over seeds.\n\n")
        for line in _toy_lines(toy):
            w(line + "\n")
        for dataset in sorted(toy["dataset"].unique()):
            w(f"\n![critic decision fields on {dataset}, one panel per variant (seed 0, last "
              f"step): real points black, G's orange](findings/fields_{dataset}.png)\n")
    w("\n## Regenerate\n\n")
    w("Here (2 CPU cores, about 70 + 50 + 40 minutes for the runs):\n\n```\n"
      "mpirun -n 2 ganrun --sweep sweeps/lr-quick.yaml\n"
      "mpirun -n 2 ganrun --sweep sweeps/causes.yaml\n"
      "mpirun -n 2 ganrun --sweep sweeps/toy-2d.yaml\n"
      "python -m ganrun_analysis findings results/lr-quick --causes results/causes "
      "--toy results/toy-2d --csv docs/findings.csv --figures docs/findings "
      "--out docs/findings.md\n"
      "python -m ganrun_analysis findings --from-csv docs/findings.csv --out docs/findings.md\n"
      "```\n\nThe full study (186 runs of 30 epochs; expected GPU-hours in sweeps/lr.yaml's "
      "header, from bench/RESULTS.md) on a Slurm cluster, then the same findings command on "
      "`results/lr`:\n\n```\nsbatch slurm/sweep.sbatch sweeps/lr.yaml\n```\n")
    w("\n## Interpretation\n\n*This section is interpretation, not measurement.* ")
    w("A failure that reproduces with the positive control learning points at the variant's "
      "settings, not the budget; one that does not reproduce, or a control that did not learn, "
      "says the budget (a few percent of the original 30 epochs) is too small to tell.\n")
    lines = _causes_interpretation(causes)
    if lines:
        w("\nIn the causes study, where a baseline did not learn but moved too far from step 0 "
          "to count as *learned nothing* (so the rule judges no cause):\n\n")
        for line in lines:
            w(line + "\n")
    return out.getvalue()


def figure_name(dataset, variant) -> str:
    return f"{dataset}_{variant}".replace("/", "_")


def _ends(values: np.ndarray) -> tuple[float, float]:
    """Mean of the first and of the last DOM_WINDOW finite values."""
    v = values[np.isfinite(values)]
    if not v.size:
        return math.nan, math.nan
    return float(v[:DOM_WINDOW].mean()), float(v[-DOM_WINDOW:].mean())


def _dominance_columns(run, metrics_long: pd.DataFrame) -> dict:
    m = metrics_long[(metrics_long["out"] == run["out"])
                     & (metrics_long["run_id"] == run["run_id"])]
    wide = m.pivot_table(index="step", columns="metric", values="value", aggfunc="last")
    series = dominance_series(run["variant"], {c: wide[c].to_numpy() for c in wide.columns})
    rec = {c: math.nan for c in DOMINANCE_COLUMNS}
    for k, (name, values) in zip(("dom1", "dom2"), series.items()):
        rec[k] = name
        rec[f"{k}_start"], rec[f"{k}_final"] = _ends(values)
    if "g_loss" in wide.columns:
        g = wide["g_loss"].dropna()
        settles = plateau_step(g.index.to_numpy(), g.to_numpy())
        rec["g_settles"] = math.nan if settles is None else float(settles)
    return rec


def findings_csv(sweep: pd.DataFrame, eval_long: pd.DataFrame, metric: str,
                 classes: str = "classes_covered",
                 metrics_long: pd.DataFrame | None = None) -> pd.DataFrame:
    """The per-run CSV from a load_sweep frame and load_eval(...) rows: fd_start is the metric's
    row at step 0 (NaN without one: train with eval_at_start: yes), fd_final and classes_final
    its last row. With metrics_long (load_metrics of the same runs) the DOMINANCE_COLUMNS too."""
    rows = []
    for _, run in sweep.iterrows():
        ev = eval_long[(eval_long["out"] == run["out"]) & (eval_long["run_id"] == run["run_id"])]
        fd = ev[ev["metric"] == metric].sort_values("step")
        cls = ev[ev["metric"] == classes].sort_values("step")
        start = fd[fd["step"] == 0]["value"]
        rows.append({
            "run_id": run["run_id"], "dataset": run["dataset"], "variant": run["variant"],
            "lr": float(run["lr_g"]), "default_lr": float(run.get("default_lr_g", math.nan)),
            "n_critic": int(run["n_critic"]), "seed": int(run["seed"]), "status": run["status"],
            "steps": int(run["last_step"]) if math.isfinite(run["last_step"]) else 0,
            "fd_start": float(start.iloc[0]) if len(start) else math.nan,
            "fd_final": float(fd["value"].iloc[-1]) if len(fd) else math.nan,
            "classes_final": float(cls["value"].iloc[-1]) if len(cls) else math.nan})
        if metrics_long is not None:
            rows[-1].update(_dominance_columns(run, metrics_long))
    columns = FINDINGS_COLUMNS + (DOMINANCE_COLUMNS if metrics_long is not None else [])
    return pd.DataFrame(rows, columns=columns)
