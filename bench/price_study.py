#!/usr/bin/env python3
"""Prices a whole study from a short slice of it that ganrun ran on the same device.

bench/gpu_session.sh's study stage runs sweeps/lr.yaml's plan (every variant, lr, n_critic
and seed, packed as `pack: auto` packs them) for a few steps only; this script reads the run
files it wrote and prices the full study: each run's steady step time is the slope of
/metrics/wall_s between its second and last log points (the first interval holds start-up
and CUDA-graph capture), a packed step trains pack_size runs at once, and the full run has
epochs x floor(floor(train_size / batch) / n_critic) steps. Evaluation is not in the price.

    price_study.py RESULTS_DIR [--epochs 30] [--train-size 60000]

Prints a Markdown table per (variant, n_critic) and the total in GPU-hours.
"""
import argparse
import collections
import pathlib
import sys

import h5py


def run_rows(results: pathlib.Path):
    for path in sorted((results / "runs").glob("*.h5")):
        with h5py.File(path, "r") as f:
            attrs = f.attrs
            step = f["metrics/step"][:]
            wall = f["metrics/wall_s"][:]
            yield {
                "run": path.stem,
                "variant": str(attrs["variant"]),
                "n_critic": int(attrs["n_critic"]),
                "batch": int(attrs["batch"]),
                "pack_size": int(attrs["pack_size"]),
                "status": str(attrs["status"]),
                "step": step,
                "wall": wall,
            }


def planned_groups(results: pathlib.Path) -> collections.Counter:
    """(variant, n_critic) -> planned runs, from sweep.h5's grid table (written before any run)."""
    path = results / "sweep.h5"
    if not path.exists():
        return collections.Counter()
    with h5py.File(path, "r") as f:
        variants = [v.decode() if isinstance(v, bytes) else str(v) for v in f["grid/variant"][:]]
        n_critic = [int(n) for n in f["grid/n_critic"][:]]
    return collections.Counter(zip(variants, n_critic))


def seconds_per_step(row) -> float:
    step, wall = row["step"], row["wall"]
    if len(step) < 3:
        raise ValueError(f"{row['run']}: {len(step)} log points; the slice needs 3 or more "
                         "(steps >= 3 x log_every)")
    return float(wall[-1] - wall[1]) / float(step[-1] - step[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=pathlib.Path)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--train-size", type=int, default=60000)
    args = parser.parse_args()

    groups = collections.defaultdict(list)
    failed = []
    for row in run_rows(args.results):
        if row["status"] != "completed":
            failed.append(f"{row['run']} ({row['status']})")
            continue
        groups[(row["variant"], row["n_critic"])].append(row)
    if not groups:
        print(f"price_study: no completed runs under {args.results}/runs", file=sys.stderr)
        return 1

    print("| variant | n_critic | runs | pack sizes | ms per packed step | run-steps (full) | GPU-h |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: |")
    total_s = 0.0
    for (variant, n_critic), rows in sorted(groups.items()):
        full_steps = args.epochs * ((args.train_size // rows[0]["batch"]) // n_critic)
        step_s = [seconds_per_step(r) for r in rows]
        # A packed step advances pack_size runs: each member carries 1/pack_size of its time.
        gpu_s = sum(full_steps * t / r["pack_size"] for t, r in zip(step_s, rows))
        per_step_ms = sorted(1e3 * t for t in step_s)
        sizes = sorted({r["pack_size"] for r in rows})
        total_s += gpu_s
        print(f"| {variant} | {n_critic} | {len(rows)} | {', '.join(map(str, sizes))} | "
              f"{per_step_ms[len(per_step_ms) // 2]:.2f} | {full_steps * len(rows):,} | "
              f"{gpu_s / 3600:.2f} |")
    priced = sum(map(len, groups.values()))
    print(f"\nTotal: {total_s / 3600:.2f} GPU-h for {priced} runs of "
          f"{args.epochs} epochs of {args.train_size:,} images (evaluation not included).")
    plan = planned_groups(args.results)
    if plan and priced < sum(plan.values()):
        short = [f"{v} n_critic {n}: {len(groups.get((v, n), []))} of {want}"
                 for (v, n), want in sorted(plan.items()) if len(groups.get((v, n), [])) < want]
        print(f"Partial: {priced} of {sum(plan.values())} planned runs priced "
              f"({'; '.join(short)}); the total covers only these.")
    if failed:
        print(f"Not priced (did not complete): {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
