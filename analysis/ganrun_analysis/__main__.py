"""python -m ganrun_analysis report OUT... [--out DIR] [--metric NAME] [--rows KEY --cols KEY
--by KEY] [--samples RUN_ID ...] [--html]

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
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
