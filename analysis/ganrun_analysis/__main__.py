"""python -m ganrun_analysis report OUT... [--out DIR] [--metric NAME] [--rows KEY --cols KEY
--by KEY] [--samples RUN_ID ...] [--html]
python -m ganrun_analysis findings (OUT... [--causes OUT...] [--toy OUT...] [--csv FILE]
                                   [--figures DIR] | --from-csv FILE) [--out findings.md]

Exit status: 0 with the report written; 2 on bad input (a folder that is not a sweep's out, a
metric or key the runs do not have), with one line naming it and the fix.
"""
from __future__ import annotations

import argparse
import sys

from .outcomes import ReportError
from .report import write_report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ganrun_analysis",
                                     description="Reports on ganrun sweeps (HDF5 run files).")
    commands = parser.add_subparsers(dest="command", required=True)
    rep = commands.add_parser("report", help="tables, heat maps, curves, samples of sweeps")
    rep.add_argument("outs", nargs="+", metavar="OUT", help="a sweep's out folder (several: "
                     "one report over all their runs)")
    rep.add_argument("--out", default="report", help="folder for report.md / report.html, "
                     "figures/, runs.csv and outcomes.csv (default: ./report)")
    rep.add_argument("--metric", help="the /eval metric to rank by (default: fd_<net>, else "
                     "modes_covered, else classes_covered)")
    rep.add_argument("--rows", default="lr_g", help="table rows: a setting (default lr_g)")
    rep.add_argument("--cols", default="n_critic", help="table columns (default n_critic)")
    rep.add_argument("--by", default="variant", help="one table per value of (default variant)")
    rep.add_argument("--samples", nargs="+", metavar="RUN_ID",
                     help="the runs whose sample grids / toy fields to show (default: per "
                     "variant its best run and one at its default lr)")
    rep.add_argument("--html", action="store_true", help="one self-contained report.html "
                     "instead of report.md")
    fin = commands.add_parser("findings", help="docs/findings.md's verdicts from runs or a CSV")
    fin.add_argument("outs", nargs="*", metavar="OUT", help="out folders to build the CSV from")
    fin.add_argument("--from-csv", help="regenerate from this per-run CSV instead of OUTs")
    fin.add_argument("--csv", help="write the per-run CSV built from OUTs here")
    fin.add_argument("--metric", default="fd_lenet", help="the fd metric (default fd_lenet)")
    fin.add_argument("--budget-note", default="", help="a paragraph on the budget, verbatim")
    fin.add_argument("--causes", nargs="+", default=[], metavar="OUT",
                     help="with OUTs: the out folder(s) of sweeps/causes.yaml (one setting of "
                     "the collection switched per cell)")
    fin.add_argument("--toy", nargs="+", default=[], metavar="OUT",
                     help="with OUTs: the out folder(s) of sweeps/toy-2d.yaml (the 2-D "
                     "mixtures; with --figures also their decision fields)")
    fin.add_argument("--figures", help="with OUTs: draw the figures the Markdown links "
                     "(curves_*.png, dominance_*.png) into this folder (docs/findings)")
    fin.add_argument("--out", help="write the Markdown here (default: stdout)")
    args = parser.parse_args(argv)
    if args.command == "findings":
        return findings_command(args)
    try:
        path, data = write_report(args.outs, args.out, html=args.html, metric=args.metric,
                                  rows=args.rows, cols=args.cols, by=args.by,
                                  sample_runs=args.samples)
    except ReportError as e:
        print(f"ganrun_analysis report: {e}", file=sys.stderr)
        return 2
    sweep = data["sweep"]
    print(f"{len(sweep)} runs -> {path}")
    return 0


def findings_command(args) -> int:
    import pandas as pd

    from .findings import findings_csv, findings_markdown, run_commits, switches
    from .series import load_eval, load_metrics
    from .sweep import load_sweep
    if bool(args.from_csv) == bool(args.outs):
        print("ganrun_analysis findings: give OUT folders or --from-csv FILE (one of them)",
              file=sys.stderr)
        return 2
    if (args.causes or args.toy) and args.from_csv:
        print("ganrun_analysis findings: --causes and --toy read run files: give OUT folders, "
              "not --from-csv (the CSV already holds those rows)", file=sys.stderr)
        return 2
    if args.figures and args.from_csv:
        print("ganrun_analysis findings: --figures draws from run files: give OUT folders, "
              "not --from-csv", file=sys.stderr)
        return 2
    if args.from_csv:
        try:
            runs = pd.read_csv(args.from_csv)
        except (OSError, ValueError) as e:
            print(f"ganrun_analysis findings: {args.from_csv}: cannot read it as CSV ({e})",
                  file=sys.stderr)
            return 2
    else:
        try:
            sweep, eval_long = load_sweep(args.outs), load_eval(args.outs)
            metrics_long = load_metrics(args.outs)
            runs = findings_csv(sweep, eval_long, args.metric, metrics_long=metrics_long)
            runs["study"], runs["switch"] = "lr", ""
            runs["git_commit"] = run_commits(sweep)
            if args.causes:
                causes = load_sweep(args.causes)
                extra = findings_csv(causes, load_eval(args.causes), args.metric,
                                     metrics_long=load_metrics(args.causes))
                extra["study"], extra["switch"] = "causes", switches(causes)
                extra["git_commit"] = run_commits(causes)
                runs = pd.concat([runs, extra], ignore_index=True)
            if args.toy:
                toy = load_sweep(args.toy)
                extra = findings_csv(toy, load_eval(args.toy), "high_quality",
                                     classes="modes_covered")
                extra["study"], extra["switch"] = "toy", ""
                extra["git_commit"] = run_commits(toy)
                runs = pd.concat([runs, extra], ignore_index=True)
        except ReportError as e:
            print(f"ganrun_analysis findings: {e}", file=sys.stderr)
            return 2
        if args.csv:
            runs.to_csv(args.csv, index=False)
        if args.figures:
            from .findings_figures import findings_figures
            findings_figures(sweep, eval_long, metrics_long, args.metric, "classes_covered",
                             args.figures)
            if args.toy:
                from .findings_figures import toy_field_figures
                toy_field_figures(toy, args.figures)
    text = findings_markdown(runs, args.budget_note)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
