#!/usr/bin/env bash
# bench/device_nccl_check.sh — the NCCL backend's check on a GPU machine whose image lacks part
# of ganrun's dependency set (the H100 image seen here has LibTorch, Open MPI and NCCL but no
# Boost.Program_options, stb, matio, libarchive or fmt). Builds only launch/ (collectives, NCCL
# backend) and tests/mpi/nccl_test.cpp, in a copy of the tree, against the torch and NCCL found
# there, and runs the test on 1 and 2 ranks (2 ranks skip, exit 77, with fewer than 2 GPUs).
# Usage: bench/device_nccl_check.sh [WORK_DIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-${TMPDIR:-/tmp}/ganrun-device-check}
rm -rf "$work" && mkdir -p "$work/tests/mpi"
cp -r "$src/cmake" "$src/launch" "$work/"
cp "$src/tests/mpi/nccl_test.cpp" "$work/tests/mpi/"
# Torch, MPI and NCCL from the full dependency list; fmt from the headers torch bundles.
{
  sed -n '1,/^ganrun_require(MPI_C_FOUND/p' "$src/cmake/Dependencies.cmake"
  sed -n '/^# --- NCCL/,$p' "$src/cmake/Dependencies.cmake"
  printf 'add_library(ganrun_fmt_headers INTERFACE)\n'
  printf 'target_compile_definitions(ganrun_fmt_headers INTERFACE FMT_HEADER_ONLY=1)\n'
  printf 'add_library(fmt::fmt-header-only ALIAS ganrun_fmt_headers)\n'
} > "$work/cmake/DeviceDependencies.cmake"
cat > "$work/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(ganrun_device_check LANGUAGES C CXX)
set(CMAKE_BUILD_TYPE Release)
include(cmake/DeviceDependencies.cmake)
include(cmake/Options.cmake)
add_subdirectory(launch)
add_executable(ganrun_nccl_test tests/mpi/nccl_test.cpp)
target_link_libraries(ganrun_nccl_test PRIVATE ganrun_launch MPI::MPI_C)
CMAKE
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
cmake -G Ninja -S "$work" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix"
ninja -C "$work/build" -j"$(nproc)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
for ranks in 1 2; do
  rc=0
  mpirun -n "$ranks" "$work/build/ganrun_nccl_test" || rc=$?
  echo "ganrun_nccl_test on $ranks rank(s): exit $rc (77 = skipped: fewer GPUs than ranks)"
done
