#!/usr/bin/env bash
# The Debian package, built and used as a user would: `cpack -G DEB` in the build folder, then
#   - always: the package's metadata (name, version, Depends naming SimGrid and matplotlib) and its
#     files unpacked into a scratch root (dpkg-deb -x), whose /usr/bin/infersim, run from an empty
#     folder with no checkout around it, finds its data in <root>/usr/share/infersim and projects;
#   - with --install (as root, on a throwaway machine such as CI): `apt-get install ./infersim*.deb`
#     (dependencies resolved by apt), `infersim --version` and `infersim project` from /usr/bin in a
#     clean folder, then the package removed.
# Usage: scripts/check-package.sh [BUILD_DIR] [--install]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build INSTALL=0
for a in "$@"; do
  case "$a" in
    --install) INSTALL=1 ;;
    *) BUILD=$a ;;
  esac
done
BUILD=$(cd "$BUILD" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$BUILD" && cpack -G DEB -B "$WORK/pkg" >/dev/null)
DEB=$(ls "$WORK"/pkg/infersim_*.deb)
dpkg-deb -f "$DEB" Package | grep -qx infersim
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
for dep in libsimgrid python3-matplotlib; do
  case "$DEPENDS" in *"$dep"*) ;; *) echo "FAIL: Depends lacks $dep: $DEPENDS"; exit 1 ;; esac
done
dpkg-deb -x "$DEB" "$WORK/root"
test -x "$WORK/root/usr/bin/infersim"
test -f "$WORK/root/usr/share/infersim/hardware/h100-sxm.json"
mkdir "$WORK/empty"
cd "$WORK/empty"
"$WORK/root/usr/bin/infersim" --version | grep -q "installed next to the binary" \
  || { echo "FAIL: the unpacked binary does not read its own share folder"; "$WORK/root/usr/bin/infersim" --version; exit 1; }
"$WORK/root/usr/bin/infersim" project --hw h100-sxm --model llama-3.1-70b --json > project.json
python3 -c 'import json; r = json.load(open("project.json"))[0]; assert r["fits"] and r["decode_tok_s_per_stream"] > 0, r'
echo "package: $(basename "$DEB") ($(du -h "$DEB" | cut -f1)), Depends: $DEPENDS"
if [ "$INSTALL" = 1 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "FAIL: --install needs root"; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$DEB" >/dev/null
  trap 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq infersim >/dev/null; rm -rf "$WORK"' EXIT
  mkdir "$WORK/clean" && cd "$WORK/clean"
  /usr/bin/infersim --version | grep -q "/usr/share/infersim"
  /usr/bin/infersim project --hw b200 --model llama-3.1-8b --weights fp8 > project.txt
  grep -q "b200" project.txt
  echo "installed from the package and ran from a clean folder: OK"
fi
echo PASS
