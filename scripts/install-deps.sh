#!/usr/bin/env bash
# Installs every Debian package infersim needs to build, test and draw its figures.
# Idempotent: installs only what is missing. Needs root (or sudo) and apt.
# Usage: scripts/install-deps.sh [--fuzz]
set -euo pipefail
packages=(
  cmake g++ ninja-build pkg-config git       # toolchain (listed even if the image has them)
  libsimgrid-dev                             # discrete-event engine (SimGrid 3.32)
  libhdf5-dev hdf5-tools                     # traces (HDF5 1.10) and h5dump for inspection
  libboost-graph-dev                         # registry dependency graph
  libcli11-dev nlohmann-json3-dev            # command line, JSON descriptors
  libyaml-cpp-dev                            # registry front matter
  doctest-dev libbenchmark-dev               # tests and benchmarks
  python3 python3-matplotlib python3-numpy   # figures (Debian's python3, not a pyenv one)
  graphviz                                   # registry graph SVG/PNG (optional at run time)
  python3-feedparser                         # tests: the registry site's Atom feeds read by a real parser
  dpkg-dev                                   # the .deb package: dpkg-shlibdeps finds its library dependencies
)
# `--fuzz`: also clang and its libFuzzer runtime, for scripts/fuzz.sh only (the default build is g++).
if [ "${1:-}" = "--fuzz" ]; then
  packages+=(clang libclang-rt-14-dev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
