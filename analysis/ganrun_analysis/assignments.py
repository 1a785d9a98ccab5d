"""load_assignments: which rank trained which run when, from the live logs
<out>/assignments/rank-<r>.tsv (one per group root).

Each log line is `invocation rank group run_id start end outcome` (Unix seconds, end `-` while
running). A rank appends a line when it takes a run and another when the run ends, so the logs
are current while a sweep runs; and they may be read in the middle of an append, or after a
kill mid-line: a last line without its newline is incomplete and is ignored, as is any line
that does not parse (ganrun itself reads them the same way, runner/assignment_log.cpp). The
end line of an assignment replaces its start line. sweep.h5's /assignments holds the same
table as of the start or end of an invocation; the logs are the live copy.
"""
from __future__ import annotations

import pathlib

import numpy as np
import pandas as pd

from .sweep import as_outs

COLUMNS = ["out", "invocation", "rank", "group", "run_id", "start", "end", "outcome"]


def _parse(line: str):
    """One complete log line -> a tuple, or None for the header / a malformed line."""
    if not line or line.startswith("#"):
        return None
    fields = line.split("\t")
    if len(fields) != 7 or not fields[3] or not fields[6]:
        return None
    try:
        end = float("nan") if fields[5] == "-" else float(fields[5])
        return (int(fields[0]), int(fields[1]), int(fields[2]), fields[3], float(fields[4]),
                end, fields[6])
    except ValueError:
        return None


def read_log(path) -> list:
    """The complete, well-formed lines of one rank's log, parsed."""
    data = pathlib.Path(path).read_bytes().decode("utf-8", "replace")
    lines = data.split("\n")
    complete = lines[:-1]  # the text after the last newline is "" or a line still being written
    return [p for p in map(_parse, complete) if p is not None]


def load_assignments(out_or_outs) -> pd.DataFrame:
    """One row per run handed out (start and end lines merged), sorted by out, invocation,
    start and rank: out, invocation, rank, group, run_id, start, end (NaN while running or
    never ended), outcome ('running' until the end line is written). Empty without logs."""
    rows = {}
    for out in as_outs(out_or_outs):
        folder = pathlib.Path(out) / "assignments"
        for log in sorted(folder.glob("rank-*.tsv")) if folder.is_dir() else []:
            for inv, rank, group, run_id, start, end, outcome in read_log(log):
                key = (str(out), inv, rank, run_id, start)
                if key not in rows or not np.isnan(end):
                    rows[key] = (str(out), inv, rank, group, run_id, start, end, outcome)
    df = pd.DataFrame(list(rows.values()), columns=COLUMNS)
    return df.sort_values(["out", "invocation", "start", "rank"], kind="stable").reset_index(
        drop=True)
