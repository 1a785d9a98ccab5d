#!/usr/bin/env bash
# bench/run_variant_bench.sh — steps/s of every variant x architecture through ganrun's step
# loop (ganrun_bench_variant) and through a plain PyTorch eager loop doing the same step
# (reference_steps.py, same torch wheel), at batch 64 on CPU, each pair run back to back with
# the same thread count. Prints one table per thread count with the ratio ganrun / python and
# the issue's target (toy >= 1.1x, mlp and dcgan28/ae28 >= 1.0x); copy it to RESULTS.md.
#   bench/run_variant_bench.sh [BUILD_DIR] [COMBO...]     (default: build, every combination)
# A COMBO is variant/arch (e.g. gan/mlp). Environment: GANRUN_BENCH_THREADS (default "1 2"),
# GANRUN_BENCH_SECONDS (timed seconds per process, default 3), GANRUN_BENCH_DEVICE (cpu or
# cuda, default cpu: both loops on that device), GANRUN_PYTHON (default: the build's
# GANRUN_PYTHON from its CMake cache).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
shift || true
bin="$build/bench/ganrun_bench_variant"
if [[ ! -x "$bin" ]]; then
  echo "building ganrun_bench_variant in $build" >&2
  ninja -C "$build" -j1 ganrun_bench_variant >&2
fi
python="${GANRUN_PYTHON:-$(sed -n 's/^GANRUN_PYTHON:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)}"
python="${python:-python3}"
threads_list="${GANRUN_BENCH_THREADS:-1 2}"
seconds="${GANRUN_BENCH_SECONDS:-3}"
device="${GANRUN_BENCH_DEVICE:-cpu}"

# Every variant on its architectures: ebgan/began only on ae28; conditional variants (cgan,
# acgan, infogan) have no toy form. n_critic 1 everywhere (the same in both loops); wgan with
# RMSprop (its paper's optimiser), every other variant Adam (0.5, 0.999).
combos=("$@")
if [[ ${#combos[@]} -eq 0 ]]; then
  for v in gan lsgan wgan wgan-gp dragan; do
    for a in toy mlp dcgan28; do combos+=("$v/$a"); done
  done
  for v in cgan acgan infogan; do
    for a in mlp dcgan28; do combos+=("$v/$a"); done
  done
  combos+=(ebgan/ae28 began/ae28)
fi

# The value of key=... in a result line.
field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<"$2"; }

echo "ganrun variant benchmark, $(date -u +%Y-%m-%d), $(nproc) cores," \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load:" \
  "$(cut -d' ' -f1-3 /proc/loadavg), torch $("$python" -c 'import torch; print(torch.__version__)')"
echo "batch 64, n_critic 1, float32, device $device, ${seconds} s timed per process (median of 5 chunks)"
for threads in $threads_list; do
  echo
  echo "threads = $threads"
  printf '| %-8s | %-7s | %12s | %12s | %7s | %-13s |\n' variant arch "ganrun st/s" \
    "python st/s" ratio target
  printf '| %-8s | %-7s | %12s | %12s | %7s | %-13s |\n' --- --- ---: ---: ---: ---
  for combo in "${combos[@]}"; do
    variant="${combo%/*}" arch="${combo#*/}"
    args=(--variant "$variant" --arch "$arch" --batch 64 --n-critic 1 --threads "$threads"
      --seconds "$seconds" --repeats 5 --device "$device")
    [[ $variant == wgan ]] && args+=(--optimizer rmsprop)
    target=1.0
    [[ $arch == toy ]] && target=1.1
    cpp_line="$("$bin" "${args[@]}" 2>&1 | tail -n1)" || true
    py_line="$("$python" "$root/bench/reference_steps.py" "${args[@]}" 2>&1 | tail -n1)" || true
    cpp="$(field steps_per_s "$cpp_line")" py="$(field steps_per_s "$py_line")"
    if [[ -z $cpp || -z $py ]]; then
      printf '| %-8s | %-7s | %12s | %12s | %7s | %-13s |\n' "$variant" "$arch" "${cpp:-error}" \
        "${py:-error}" - "${target}x"
      [[ -z $cpp ]] && echo "  ganrun: $cpp_line" >&2
      [[ -z $py ]] && echo "  python: $py_line" >&2
      continue
    fi
    ratio="$(awk -v a="$cpp" -v b="$py" 'BEGIN { printf "%.2f", a / b }')"
    met="$(awk -v r="$ratio" -v t="$target" 'BEGIN { print (r + 0 >= t + 0) ? "met" : "MISSED" }')"
    printf '| %-8s | %-7s | %12.1f | %12.1f | %6sx | %5sx %-6s |\n' "$variant" "$arch" "$cpp" \
      "$py" "$ratio" "$target" "$met"
  done
done
