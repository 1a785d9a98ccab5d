"""ganrun_analysis: read ganrun sweeps (HDF5 run files, README "The HDF5 layout") into pandas
frames and numpy arrays. Reads files only, so it works on a copy of `out`, on a sweep still
training, and without the ganrun binary.

    load_sweep(out_or_outs)        one row per run: settings, status, wall time, metric summaries
    load_metrics(out_or_outs, ...) training metrics, long form (out, run_id, step, metric, value)
    load_eval(out_or_outs, ...)    quality metrics, the same long form
    load_samples(run_file, step)   uint8 [N, C, H, W] fixed-noise images of an image run
    load_toy(run_file, step)       a 2-D toy run's points and critic field (ToyStep)
    load_assignments(out_or_outs)  which rank trained which run when (the live logs)
    to_csv(df, path)               any of these frames as CSV
"""
from .arrays import ToyStep, load_samples, load_toy, sample_steps, toy_steps
from .assignments import load_assignments
from .config import parse_config
from .runfile import open_run, run_files
from .series import load_eval, load_metrics
from .sweep import load_sweep, to_csv

__all__ = ["load_sweep", "load_metrics", "load_eval", "load_samples", "load_toy", "ToyStep",
           "sample_steps", "toy_steps", "load_assignments", "to_csv", "parse_config",
           "open_run", "run_files"]
__version__ = "0.1.0"
