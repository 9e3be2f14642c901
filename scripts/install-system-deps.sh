#!/usr/bin/env bash
# Installs the Debian packages the harness builds against, when they are missing.
# Called by .ci/run and by README's commands; safe to run again (it does nothing when all is there).
#
#   scripts/install-system-deps.sh          install what is missing (uses sudo when not root)
#   scripts/install-system-deps.sh --check  only report; exit 1 when something is missing
set -euo pipefail

# One line per package: what needs it.
PACKAGES=(
  pkg-config        # SwiftPM finds every C library below through pkg-config
  libopenblas-dev   # BLAS (gemm, gemv) and LAPACK
  liblapacke-dev    # LAPACKE, the C interface to LAPACK (symmetric eigen-solvers)
  libhdf5-dev       # network files (network-format.md)
  zlib1g-dev        # gzip-compressed MNIST IDX files
  coinor-libclp-dev # CLP simplex solver (LP-cert)
  libsdp-dev        # CSDP interior-point SDP solver (the reference backend of SDP-cert)
  librsvg2-bin      # rsvg-convert: PNG copies of the SVG figures
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages: all present (${PACKAGES[*]})"
else
  if [ "${1:-}" = "--check" ]; then
    echo "system packages missing: ${missing[*]}" >&2
    exit 1
  fi
  echo "system packages: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "system packages: installed ${missing[*]}"
fi

command -v swift >/dev/null || {
  echo "swift is not on PATH: install the Swift 6 toolchain (swift.org) and add its usr/bin to PATH" >&2
  exit 1
}
