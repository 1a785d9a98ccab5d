#!/usr/bin/env bash
# bench/run_pack_bench.sh — packed vs sequential runs on the CPU: an 8-point lr grid (seeds
# 0..7, lr 1e-4 up by sqrt(2)) of gan on `toy` and `mlp` at batch 64, trained as 8 runs one
# by one (ganrun_bench_variant, one run's steps/s) and as one pack of 8 (--pack 8), back to back
# with the same thread count. Prints runs/hour of each (a run = 1,000 steps, so the figure is
# comparable across nets) and the ratio packed / sequential, which must not be below 1.0.
#   bench/run_pack_bench.sh [BUILD_DIR]
# Environment: GANRUN_BENCH_THREADS (default "1 2"), GANRUN_BENCH_SECONDS (timed seconds per
# process, default 3).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
bin="$build/bench/ganrun_bench_variant"
if [[ ! -x "$bin" ]]; then
  echo "building ganrun_bench_variant in $build" >&2
  ninja -C "$build" -j1 ganrun_bench_variant >&2
fi
seconds="${GANRUN_BENCH_SECONDS:-3}"
field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<"$2"; }
echo "| arch | threads | sequential runs/h | packed (K=8) runs/h | packed / sequential |"
echo "| --- | ---: | ---: | ---: | ---: |"
for threads in ${GANRUN_BENCH_THREADS:-1 2}; do
  for arch in toy mlp; do
    args=(--variant gan --arch "$arch" --batch 64 --threads "$threads" --seconds "$seconds")
    alone=$("$bin" "${args[@]}" | tail -n 1)
    packed=$("$bin" "${args[@]}" --pack 8 | tail -n 1)
    awk -v arch="$arch" -v t="$threads" -v a="$(field steps_per_s "$alone")" \
      -v p="$(field steps_per_s "$packed")" 'BEGIN {
        seq = a * 3600 / 1000; pk = 8 * p * 3600 / 1000
        printf "| %s | %d | %.0f | %.0f | %.2fx |\n", arch, t, seq, pk, pk / seq }'
  done
done
