#!/usr/bin/env bash
# bench/run_data_bench.sh — the data-loading benchmark: load time of each format present, and
# one of 4 ranks (global batch 64) reading an HDF5 pack on demand vs holding the whole set
# (each mode its own process, so peak RSS is per mode). Prints a table; copy it to RESULTS.md.
#   bench/run_data_bench.sh [BUILD_DIR]      (default: build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
bin="$build/bench/ganrun_bench_data"
[[ -x "$bin" ]] || { echo "no $bin: build first (ninja -C $build ganrun_bench_data)" >&2; exit 2; }
shared="${GANRUN_SHARED_DATA:-$root/../shared/data}"
fashion="${GANRUN_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "ganrun data-loading benchmark, $(date -u +%Y-%m-%d), $(nproc) cores," \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
"$bin" all --fashion "$fashion" --mnist "$shared/mnist" \
  --cifar "$shared/cifar10/cifar-10-batches-bin" --pack "$tmp/fashion-mnist-train.h5" \
  --min-seconds "${GANRUN_BENCH_SECONDS:-2}"
