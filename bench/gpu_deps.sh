#!/usr/bin/env bash
# bench/gpu_deps.sh — prepares, on this Debian 12 machine, what bench/gpu_session.sh carries to
# the GPU machine (whose image has no apt and no network): bench/carry/ (git-ignored; the device
# call names it in `carry`) with
#   debs/   Debian 12 packages of the libraries the image lacks or may lack, with SHA256SUMS;
#   data/   the MNIST test set (1.7 MB), the data the GPU checks and benchmarks train on.
# Idempotent: packages are downloaded once into $GANRUN_CACHE/device-debs (default
# ~/.cache/ganrun) and copied from there. Prints the size of everything a device call carries
# (tracked files + bench/carry) and fails above the 40 MiB this project allows itself.
#
#   bench/gpu_deps.sh [--data DIR]     DIR: the folder holding mnist/ (default ../shared/data,
#                                      or $GANRUN_SHARED_DATA)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARRY="$ROOT/bench/carry"
CACHE="${GANRUN_CACHE:-$HOME/.cache/ganrun}/device-debs"
DATA="${GANRUN_SHARED_DATA:-$ROOT/../shared/data}"
LIMIT_MIB=40
[[ "${1:-}" == "--data" ]] && DATA="$2"
say() { printf '[gpu_deps] %s\n' "$*" >&2; }

# Always unpacked there: Boost.Program_options 1.74 with its own 1.74 headers and CMake config
# files (the image's Boost headers are another version), and stb. Unpacked only when the probe
# finds them missing: yaml-cpp, GoogleTest, zlib and OpenSSL headers (each -dev package with its
# runtime library). Never Open MPI or HDF5: a second copy of either breaks the image's own.
PACKAGES=(
  libboost1.74-dev libboost-program-options1.74-dev libboost-program-options1.74.0
  libstb-dev libstb0
  libyaml-cpp-dev libyaml-cpp0.7
  libgtest-dev
  zlib1g-dev zlib1g
  libssl-dev libssl3
)

mkdir -p "$CACHE"
missing=()
for p in "${PACKAGES[@]}"; do
  compgen -G "$CACHE/${p}_*.deb" >/dev/null || missing+=("$p")
done
if ((${#missing[@]})); then
  say "downloading ${missing[*]}"
  # apt-get download writes into the current folder; as root it warns that the _apt user cannot
  # write there, harmlessly. A stale package list (404) is refreshed once.
  (cd "$CACHE" && apt-get download -q "${missing[@]}" 2>/dev/null) ||
    { apt-get update -qq && (cd "$CACHE" && apt-get download -q "${missing[@]}" 2>/dev/null); }
fi

rm -rf "$CARRY/debs"
mkdir -p "$CARRY/debs" "$CARRY/data/mnist"
for p in "${PACKAGES[@]}"; do
  debs=("$CACHE/${p}"_*.deb)
  # The newest downloaded version of each package, should the cache hold several.
  cp "$(printf '%s\n' "${debs[@]}" | sort -V | tail -n1)" "$CARRY/debs/"
done
(cd "$CARRY/debs" && sha256sum -- *.deb >SHA256SUMS)

for f in t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  [[ -f "$DATA/mnist/$f" ]] || { say "missing $DATA/mnist/$f (give --data DIR)"; exit 2; }
  cp "$DATA/mnist/$f" "$CARRY/data/mnist/$f"
done

tracked=$(cd "$ROOT" && git ls-files -z | xargs -0 cat 2>/dev/null | wc -c)
carried=$(du -sb "$CARRY" | cut -f1)
total_mib=$(( (tracked + carried + 1048575) / 1048576 ))
say "bench/carry: $(ls "$CARRY/debs"/*.deb | wc -l) packages + MNIST test set;" \
  "a device call carries ~${total_mib} MiB (tracked files $((tracked / 1024)) KiB," \
  "bench/carry $((carried / 1024)) KiB; limit ${LIMIT_MIB} MiB)"
if ((total_mib > LIMIT_MIB)); then
  say "over ${LIMIT_MIB} MiB: carry less"
  exit 1
fi
