#!/usr/bin/env bash
# bench/gpu_session.sh — the one prepared script for a GPU machine whose image lacks part of
# ganrun's dependencies (no apt, no network): probe the image, unpack the carried Debian
# packages into a prefix, configure and build the whole of ganrun, run the gpu-labelled tests
# and the checks of built-out components, then the GPU benchmarks. Rehearsed on CPU with
# `--device cpu` (Debian's Boost and stb hidden, so the carried copies are really used).
#
#   bench/gpu_deps.sh                       # here, once: fills bench/carry/ (debs + MNIST)
#   bench/gpu_session.sh [--device cuda|cpu] [--stages probe,unpack,...] [--out DIR]
#                        [--work DIR] [--budget SECONDS]
#
# Stages, in order (each under its own time limit, never past the whole budget; a failing or
# cut stage does not stop the later ones): probe, unpack, configure, build, test, study, bench.
# Writes at most 8 files to --out (default $OUT, else ./gpu-session-out), appended as it goes so
# a call cut short still returns what it measured: summary.md (the stage table and the
# figures), probe.txt, configure.log, build.log, test.log, study.log, bench.log and
# host_syncs.md. --work (default ${TMPDIR:-/tmp}/ganrun-gpu-session) holds the prefix and the
# build.
# The exact device call, what it carries and its time limit: bench/README.md.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARRY="$ROOT/bench/carry"
DEVICE=cuda
STAGES="probe,unpack,configure,build,test,study,bench"
OUT_DIR="${OUT:-$PWD/gpu-session-out}"
WORK="${TMPDIR:-/tmp}/ganrun-gpu-session"
BUDGET=""
ONLY_STAGE=""  # internal: run_stage re-invokes this script for one stage under timeout
while (($#)); do
  case "$1" in
    --device) DEVICE="$2"; shift 2 ;;
    --stages) STAGES="$2"; shift 2 ;;
    --out) OUT_DIR="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --budget) BUDGET="$2"; shift 2 ;;
    --_stage) ONLY_STAGE="$2"; shift 2 ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "gpu_session.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$DEVICE" == cuda || "$DEVICE" == cpu ]] || { echo "--device must be cuda or cpu" >&2; exit 2; }

# Time limits in seconds. On the GPU machine (16 cores; an H200 took 15, 1, 11, 109 and 89 s for
# the first five stages) the whole call ends within 520 s, so that with ~30 s to start and
# carry, a rerun of ~4 minutes still fits in the task's 15; the CPU rehearsal (2 cores, a cold
# build of ~15 minutes) checks the stages, not their speed, and gets ten times longer.
declare -A LIMIT=([probe]=30 [unpack]=15 [configure]=60 [build]=180 [test]=120 [study]=200 [bench]=170)
if [[ "$DEVICE" == cpu ]]; then
  for s in "${!LIMIT[@]}"; do LIMIT[$s]=$((LIMIT[$s] * 10)); done
  BUDGET="${BUDGET:-2900}"
fi
BUDGET="${BUDGET:-520}"  # --budget, when given, is taken as it is
START=$(date +%s)
PREFIX="$WORK/prefix"
BUILD="$WORK/build"
mkdir -p "$OUT_DIR" "$WORK"
[[ -z "$ONLY_STAGE" ]] && rm -f "$WORK/bench-tables.md"
SUMMARY="$OUT_DIR/summary.md"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 PYTHONUNBUFFERED=1
export GANRUN_GPU_REPORT_DIR="$OUT_DIR"  # tests/gpu/host_sync_test.cpp writes host_syncs.md
# The Python that holds torch: the image's python3; here, the venv's (scripts/setup).
PYTHON="${GANRUN_PYTHON:-$(command -v python3)}"
# CMake and Ninja may live only in that Python's environment (the GPU image's venv).
export PATH="$(dirname "$PYTHON"):$PATH"

now() { date +%s; }
note() { printf '%s\n' "$*" >>"$SUMMARY"; }
# stage_note TEXT: a short note for the running stage's summary row.
STAGE_NOTE="$WORK/stage-note"
stage_note() { printf '%s; ' "$*" >>"$STAGE_NOTE"; }

# run_stage NAME LOG: runs this script again for that one stage under timeout (its own limit,
# cut to what is left of the budget), output appended to LOG; one summary row.
run_stage() {
  local name=$1 log=$2
  [[ ",$STAGES," == *",$name,"* ]] || return 0
  local left=$((BUDGET - ($(now) - START)))
  local limit=${LIMIT[$name]}
  ((limit > left)) && limit=$left
  if ((limit <= 0)); then
    note "| $name | not run: budget spent | 0 | 0 | |"
    return 0
  fi
  : >"$STAGE_NOTE"
  local t0 rc
  t0=$(now)
  echo "== $name ($(date -u +%H:%M:%S), limit ${limit} s)" >>"$log"
  # STAGE_LIMIT tells the stage its own limit (the study stops its sweep before it).
  STAGE_LIMIT=$limit timeout --kill-after=5 "$limit" "$0" --device "$DEVICE" --out "$OUT_DIR" \
    --work "$WORK" --_stage "$name" >>"$log" 2>&1
  rc=$?
  local status=ok
  ((rc == 124 || rc == 137)) && status="cut at ${limit} s"
  ((rc != 0 && rc != 124 && rc != 137)) && status="failed (exit $rc)"
  note "| $name | $status | $(($(now) - t0)) | $limit | $(tr '\n' ' ' <"$STAGE_NOTE") |"
  echo "== $name: $status" >>"$log"
  echo "$name: $status ($(($(now) - t0)) s)" >&2
}

# ---- probe: what the image has ----------------------------------------------------------------
stage_probe() {
  set -x
  uname -a; cat /etc/os-release 2>/dev/null | head -n 2
  nproc; free -g | head -n 2
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | head -n 3
  "$PYTHON" -c 'import sys, torch; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, "devices", torch.cuda.device_count(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "-"); print("cmake_prefix_path", torch.utils.cmake_prefix_path)'
  "$PYTHON" -c 'import torch; print("nccl", torch.cuda.nccl.version())' 2>&1 | tail -n 1
  cmake --version | head -n 1; ninja --version; g++ --version | head -n 1; nvcc --version | tail -n 2
  mpirun --version 2>&1 | head -n 1; command -v mpicc h5cc
  "$PYTHON" -c 'import h5py, numpy, pytest; print("h5py", h5py.__version__, "numpy", numpy.__version__, "pytest", pytest.__version__)'
  set +x
  # Headers and libraries ganrun needs: found (where) or missing. "missing" for the last four
  # makes the unpack stage use the carried package.
  local h dir where
  local -a dirs=(/usr/include /usr/local/include /usr/include/x86_64-linux-gnu)
  # mpi.h and hdf5.h sit in their own folders; their compiler wrappers name them.
  dirs+=($(mpicc --showme:incdirs 2>/dev/null) /usr/include/hdf5/serial)
  for h in mpi.h hdf5.h boost/version.hpp boost/program_options.hpp stb/stb_image_write.h \
           yaml-cpp/yaml.h gtest/gtest.h zlib.h openssl/evp.h curl/curl.h archive.h matio.h; do
    where=""
    for dir in "${dirs[@]}"; do
      [[ -f "$dir/$h" ]] && { where="$dir/$h"; break; }
    done
    echo "header $h: ${where:-missing}"
  done
  grep -h "define BOOST_LIB_VERSION" /usr/include/boost/version.hpp /usr/local/include/boost/version.hpp 2>/dev/null
  local l
  for l in libboost_program_options libyaml-cpp libgtest libz libcrypto libhdf5 libmpi libcurl libarchive libmatio libstb; do
    echo "library $l: $(ldconfig -p 2>/dev/null | grep -m1 " $l[._a-z]*\.so" | sed 's/.*=> //' || true)"
  done
  stage_note "$(grep -c '^header .*: missing' "$OUT_DIR/probe.txt" 2>/dev/null || true) headers missing"
}

# ---- unpack: the carried packages into $PREFIX (never into /) ----------------------------------
stage_unpack() {
  set -e
  [[ -d "$CARRY/debs" ]] || { echo "no $CARRY/debs: run bench/gpu_deps.sh before the call"; exit 1; }
  (cd "$CARRY/debs" && sha256sum --quiet -c SHA256SUMS)
  rm -rf "$PREFIX" && mkdir -p "$PREFIX"
  local -a want=(libboost1.74-dev libboost-program-options1.74-dev libboost-program-options1.74.0
    libstb-dev libstb0)
  # The probe decides the rest: a header it did not find means that package travels in.
  missing() { grep -q "^header $1: missing" "$OUT_DIR/probe.txt"; }
  missing yaml-cpp/yaml.h && want+=(libyaml-cpp-dev libyaml-cpp0.7)
  missing gtest/gtest.h && want+=(libgtest-dev)
  missing zlib.h && want+=(zlib1g-dev zlib1g)
  missing openssl/evp.h && want+=(libssl-dev libssl3)
  local p
  for p in "${want[@]}"; do
    local deb
    deb=$(ls "$CARRY/debs/${p}"_*.deb | head -n 1)
    dpkg -x "$deb" "$PREFIX"
    echo "unpacked $(basename "$deb")"
  done
  stage_note "${#want[@]} packages: ${want[*]}"
}

# ---- configure ----------------------------------------------------------------------------------
stage_configure() {
  set -e
  local torch_prefix arch_dir="$PREFIX/usr/lib/x86_64-linux-gnu"
  torch_prefix=$("$PYTHON" -c 'import torch; print(torch.utils.cmake_prefix_path)')
  local -a args=(
    -G Ninja -S "$ROOT" -B "$BUILD" -Wno-dev
    "-DCMAKE_PREFIX_PATH=$torch_prefix;$PREFIX/usr"
    "-DBoost_DIR=$arch_dir/cmake/Boost-1.74.0"
    -DGANRUN_PYTHON="$PYTHON"
    -DGANRUN_SHARED_DATA="$CARRY/data"
    -DGANRUN_WITH_MATIO=OFF  # libmatio links Debian's HDF5: never beside the image's
  )
  export TORCH_CUDA_ARCH_LIST=9.0
  if [[ "$DEVICE" == cpu ]]; then
    # The rehearsal: Debian's own Boost config files and stb headers are hidden, so only the
    # carried copies can be found; fetch is built out as on the image (no libcurl there).
    args+=("-DCMAKE_IGNORE_PATH=/usr/lib/x86_64-linux-gnu/cmake/Boost-1.74.0;/usr/lib/x86_64-linux-gnu/cmake/boost_program_options-1.74.0;/usr/lib/x86_64-linux-gnu/cmake/boost_headers-1.74.0;/usr/include/stb"
           -DGANRUN_WITH_FETCH=OFF)
  fi
  cmake "${args[@]}"
  # Where each dependency came from; the carried ones must come from the prefix.
  local dep
  for dep in boost stb; do
    grep -q "ganrun: dependency $dep.*$PREFIX" "$OUT_DIR/configure.log" ||
      { echo "configure: $dep did not come from $PREFIX"; exit 1; }
  done
  stage_note "boost and stb from the prefix; $(grep -o 'component [a-z]*[^:]*: O[NF]*' "$OUT_DIR/configure.log" | sed 's/ (.*)//' | paste -sd, -)"
}

# ---- build: everything (ganrun, its tests, the benchmarks) ------------------------------------
stage_build() {
  set -e
  # What the test and bench stages run first, so a build cut at its limit still leaves them;
  # then everything else (the whole of ganrun must build on the image).
  cmake --build "$BUILD" -j "$(nproc)" --target ganrun ganrun_gpu_tests ganrun_nccl_test \
    ganrun_bench_variant ganrun_kill_shim ganrun_unit_tests
  stage_note "the GPU stages' targets after $(($(date +%s) - STAGE_START)) s"
  cmake --build "$BUILD" -j "$(nproc)"
  stage_note "everything after $(($(date +%s) - STAGE_START)) s"
}

# ---- test: the gpu-labelled tests, then what a build without fetch/matio must do ---------------
stage_test() {
  cd "$BUILD" || exit 1
  local rc=0
  ctest -L gpu --output-on-failure --timeout 300 || rc=$?
  stage_note "ctest -L gpu: $(grep -ho '[0-9]*% tests passed.*' "$OUT_DIR/test.log" | tail -n 1)"
  # A test that crashed runs once more under cuda-gdb (the image has no gdb) for a backtrace:
  # the call's only chance to see where, since the machine is gone afterwards.
  local crashed name cmd
  crashed=$(grep -o 'Test *#[0-9]*: [A-Za-z0-9_]* \.*\*\*\*Exception' "$OUT_DIR/test.log" |
    sed 's/.*: \([A-Za-z0-9_]*\) .*/\1/' | sort -u)
  for name in $crashed; do
    cmd=$(ctest -N -V -R "^${name}\$" | sed -n 's/.*Test command: //p' | head -n 1)
    [[ -z "$cmd" ]] && continue
    echo "== backtrace of $name: $cmd"
    eval "set -- $cmd"  # ctest prints the words quoted as a shell would read them
    timeout 90 cuda-gdb -q -batch -ex run -ex bt -ex "info sharedlibrary" --args "$@" 2>&1 |
      grep -v '^\[New Thread\|^\[Thread' | tail -n 80
    stage_note "$name crashed: backtrace in test.log"
  done
  local skipped
  skipped=$(grep -c '\*\*\*Skipped' "$OUT_DIR/test.log" || true)
  stage_note "$skipped skipped"
  # Built-out components refuse with exit 2 and the way to build them in.
  "$BUILD/runner/ganrun" --version
  local built_fetch
  built_fetch=$("$BUILD/runner/ganrun" --version | grep -c '^component fetch: on' || true)
  if [[ "$built_fetch" == 0 ]]; then
    local r=0 msg
    msg=$("$BUILD/runner/ganrun" data fetch mnist --dir "$WORK/fetch-check" 2>&1) || r=$?
    echo "$msg"
    if [[ $r == 2 && "$msg" == *"GANRUN_WITH_FETCH=ON"* && ! -e "$WORK/fetch-check" ]]; then
      stage_note "data fetch built out: exit 2 with the fix"
    else
      stage_note "data fetch built out: WRONG (exit $r)"; rc=1
    fi
  fi
  printf 'x,y\n0,0\n' >"$WORK/points.mat"
  local r=0 msg
  msg=$("$BUILD/runner/ganrun" train --dataset toy-file --data-dir "$WORK/points.mat" --arch toy \
        --steps 1 --out "$WORK/mat-check" 2>&1) || r=$?
  echo "$msg"
  if [[ $r == 2 && "$msg" == *"GANRUN_WITH_MATIO=ON"* && ! -e "$WORK/mat-check" ]]; then
    stage_note ".mat built out: exit 2 with the fix"
  else
    stage_note ".mat built out: WRONG (exit $r)"; rc=1
  fi
  return $rc
}

# ---- study: sweeps/lr.yaml's whole plan for a few steps, priced in GPU-hours ------------------
# The study's own file with its data set, step count and output folder swapped (every variant,
# lr, n_critic and seed, packed as `pack: auto` packs them on this device); bench/price_study.py
# turns each run's steady step time into the full study's GPU-hours.
stage_study() {
  local steps=40 log_every=10
  [[ "$DEVICE" == cpu ]] && { steps=3; log_every=1; }  # the rehearsal: the stage runs, no more
  local slice="$WORK/lr-slice.yaml"
  sed -e "s|^name:.*|name: lr-slice|" \
    -e "s|^dataset:.*|dataset: {name: mnist, dir: $CARRY/data/mnist, split: test}|" \
    -e "s|^train:.*|train: {steps: $steps, log_every: $log_every, sample_every: $steps}|" \
    -e "s|^out:.*|out: $WORK/lr-slice|" "$ROOT/sweeps/lr.yaml" >"$slice"
  rm -rf "$WORK/lr-slice"
  local t0 rc=0
  t0=$(date +%s)
  # The sweep stops 25 s before the stage's limit (its runs end as interrupted) so that the
  # runs it completed are still priced; its log comes back whole in study.log.
  timeout --signal=TERM --kill-after=10 "$((${STAGE_LIMIT:-150} - 25))" \
    "$BUILD/runner/ganrun" --sweep "$slice" --device "$DEVICE" >"$OUT_DIR/study.log" 2>&1 || rc=$?
  grep -E "auto pack|packing:" "$OUT_DIR/study.log" | tail -n 20
  stage_note "slice of sweeps/lr.yaml: $steps steps per run, exit $rc, $(($(date +%s) - t0)) s"
  {
    echo
    echo "sweeps/lr.yaml priced on device $DEVICE from a $steps-step slice of its whole plan" \
      "(MNIST test set; \`pack: auto\` as the study runs it; wall $(($(date +%s) - t0)) s):"
    echo
    "$PYTHON" "$ROOT/bench/price_study.py" "$WORK/lr-slice"
  } | tee -a "$WORK/bench-tables.md"
  return "$rc"
}

# ---- bench: run-images/s of ganrun vs Python eager and whole-step graph; sweep throughput -------
stage_bench() {
  local py="$ROOT/bench/reference_steps.py" bin="$BUILD/bench/ganrun_bench_variant"
  local seconds=1.5 arch impl line
  echo "| arch | loop | steps/s | run-images/s | vs Python eager |" >"$WORK/bench-table"
  echo "| --- | --- | ---: | ---: | ---: |" >>"$WORK/bench-table"
  field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<"$2"; }
  for arch in mlp dcgan28; do
    local -a args=(--variant gan --arch "$arch" --batch 64 --threads "$(nproc)" --seconds "$seconds"
      --repeats 5 --device "$DEVICE")
    local eager="" graph=""
    local cpp_line py_line graph_line=""
    cpp_line=$("$bin" "${args[@]}" 2>&1 | tail -n 1); echo "$cpp_line"
    # Packed: K grid points as one stacked model (--pack K; run-images count all K runs), and
    # each with its steps captured as CUDA graphs (--graphs 1; CUDA only).
    local pack8_line pack32_line g_line="" g8_line="" g32_line=""
    pack8_line=$("$bin" "${args[@]}" --pack 8 2>&1 | tail -n 1); echo "$pack8_line"
    pack32_line=$("$bin" "${args[@]}" --pack 32 2>&1 | tail -n 1); echo "$pack32_line"
    if [[ "$DEVICE" == cuda ]]; then
      g_line=$("$bin" "${args[@]}" --graphs 1 2>&1 | tail -n 1); echo "$g_line"
      g8_line=$("$bin" "${args[@]}" --pack 8 --graphs 1 2>&1 | tail -n 1); echo "$g8_line"
      g32_line=$("$bin" "${args[@]}" --pack 32 --graphs 1 2>&1 | tail -n 1); echo "$g32_line"
    fi
    py_line=$("$PYTHON" "$py" "${args[@]}" 2>&1 | tail -n 1); echo "$py_line"
    [[ "$DEVICE" == cuda ]] && { graph_line=$("$PYTHON" "$py" "${args[@]}" --graph 2>&1 | tail -n 1); echo "$graph_line"; }
    # Python's best packing: stack_module_state + vmap, eager and as one CUDA graph (K = 32 on
    # the GPU; 8 in a CPU rehearsal, which only checks that the script runs).
    local vmap_k=8 vmap_line vmapg_line=""
    [[ "$DEVICE" == cuda ]] && vmap_k=32
    local -a vargs=(--arch "$arch" --pack "$vmap_k" --batch 64 --threads "$(nproc)"
      --seconds "$seconds" --repeats 5 --device "$DEVICE")
    vmap_line=$("$PYTHON" "$ROOT/bench/reference_vmap.py" "${vargs[@]}" 2>&1 | tail -n 1)
    echo "$vmap_line"
    if [[ "$DEVICE" == cuda ]]; then
      vmapg_line=$("$PYTHON" "$ROOT/bench/reference_vmap.py" "${vargs[@]}" --graph 2>&1 | tail -n 1)
      echo "$vmapg_line"
    fi
    eager=$(field images_per_s "$py_line")
    for impl in "ganrun eager:$cpp_line" "ganrun graphs:$g_line" "ganrun packed K=8:$pack8_line" \
      "ganrun packed K=8 graphs:$g8_line" "ganrun packed K=32:$pack32_line" \
      "ganrun packed K=32 graphs:$g32_line" "Python eager:$py_line" \
      "Python whole-step graph:$graph_line" "Python vmap K=$vmap_k:$vmap_line" \
      "Python vmap K=$vmap_k graph:$vmapg_line"; do
      line=${impl#*:}
      [[ -z "$line" ]] && continue
      local ips sps
      ips=$(field images_per_s "$line"); sps=$(field steps_per_s "$line")
      local ratio="-"
      [[ -n "$ips" && -n "$eager" ]] && ratio=$(awk -v a="$ips" -v b="$eager" 'BEGIN { printf "%.2fx", a / b }')
      echo "| $arch | ${impl%%:*} | ${sps:-error} | ${ips:-error} | $ratio |" >>"$WORK/bench-table"
    done
  done
  # Sweep throughput: 8 runs of gan on mlp (MNIST test set, 100 steps, batch 64) on 1, 2 and 4
  # ranks sharing the device.
  local sweep="$WORK/throughput.yaml" ranks t0 t1
  echo "| ranks | runs | seconds | runs/min |" >"$WORK/sweep-table"
  echo "| ---: | ---: | ---: | ---: |" >>"$WORK/sweep-table"
  for ranks in 1 2 4; do
    cat >"$sweep" <<YAML
name: throughput
dataset: {name: mnist, dir: $CARRY/data/mnist, split: test}
variant: gan
arch: mlp
train: {steps: 100, batch: 64, log_every: 50, sample_every: 100}
grid:
  seed: [0, 1, 2, 3, 4, 5, 6, 7]
out: $WORK/throughput-$ranks
YAML
    rm -rf "$WORK/throughput-$ranks"
    t0=$(date +%s.%N)
    mpirun -n "$ranks" --bind-to none "$BUILD/runner/ganrun" --sweep "$sweep" --device "$DEVICE" \
      --ranks-per-gpu "$ranks" >"$WORK/throughput-$ranks.log" 2>&1
    local rc=$?
    t1=$(date +%s.%N)
    tail -n 3 "$WORK/throughput-$ranks.log"
    awk -v r="$ranks" -v a="$t0" -v b="$t1" -v rc="$rc" 'BEGIN {
      if (rc != 0) { printf "| %d | 8 | failed (exit %d) | - |\n", r, rc; exit }
      printf "| %d | 8 | %.1f | %.1f |\n", r, b - a, 8 * 60 / (b - a) }' >>"$WORK/sweep-table"
  done
  {
    echo
    echo "gan, batch 64, float32, device $DEVICE (run-images/s = runs x batch / step time):"
    echo
    cat "$WORK/bench-table"
    echo
    echo "Sweep throughput (gan/mlp, MNIST test set, 100 steps per run, ranks sharing the device):"
    echo
    cat "$WORK/sweep-table"
  } | tee -a "$WORK/bench-tables.md"
  stage_note "tables below"
}

if [[ -n "$ONLY_STAGE" ]]; then
  STAGE_START=$(now)
  "stage_$ONLY_STAGE"
  exit $?
fi

{
  echo "# ganrun GPU session, $(date -u '+%Y-%m-%d %H:%M UTC'), --device $DEVICE"
  echo
  echo "host $(hostname), $(nproc) cores; budget ${BUDGET} s; stages: $STAGES"
  echo
  echo "| stage | status | seconds | limit | notes |"
  echo "| --- | --- | ---: | ---: | --- |"
} >"$SUMMARY"

run_stage probe "$OUT_DIR/probe.txt"
run_stage unpack "$OUT_DIR/probe.txt"
run_stage configure "$OUT_DIR/configure.log"
run_stage build "$OUT_DIR/build.log"
run_stage test "$OUT_DIR/test.log"
run_stage study "$OUT_DIR/bench.log"
run_stage bench "$OUT_DIR/bench.log"
note ""
note "total $(($(now) - START)) s"
[[ -s "$WORK/bench-tables.md" ]] && cat "$WORK/bench-tables.md" >>"$SUMMARY"
cat "$SUMMARY"
