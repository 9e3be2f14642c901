#!/usr/bin/env bash
# The certifier bench of the certifier issue, in one run:
#   (a) mnist_2_20 (784-20-10), test image 1, ε = 0.02, target 0: the fast `sdp` solver at several
#       iteration budgets against CSDP (`sdp-csdp`, the interior-point optimum) and cvxpy + SCS;
#       then the runner-up targets of the first A_POINTS test images (default 10; CSDP ~100-200 s
#       each), with the largest gap and the smallest speed-up;
#   (b) PGD-NN (784-200-100-50-10), ε = 0.1: seconds per point for all 9 targets, `sdp` and `lp`,
#       over the first POINTS test images (default 5).
#
#   scripts/bench-certify.sh                  everything (CSDP ~90 s, SCS up to SCS_TIMEOUT s)
#   SCS_TIMEOUT=300 POINTS=3 scripts/bench-certify.sh
#
# cvxpy + SCS runs from the virtual environment .venv-sdp/ (created and filled from PyPI when
# missing). SCS's number is a primal value to its tolerance, not a sound bound.
set -euo pipefail
cd "$(dirname "$0")/.."
SCS_TIMEOUT="${SCS_TIMEOUT:-1800}"
POINTS="${POINTS:-5}"
A_POINTS="${A_POINTS:-10}"

VENV=.venv-sdp
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet numpy scipy h5py cvxpy
fi

swift build -c release --product experiments >/dev/null
BIN=.build/release/experiments

echo "## (a) mnist_2_20, test image 1, eps 0.02, target 0"
"$BIN" bench-certify --network mnist_2_20 --index 1 --target 0 --eps 0.02 --budgets 100,200,400
start=$(date +%s)
if scs=$(timeout "$SCS_TIMEOUT" "$VENV/bin/python" scripts/bench_sdp_scs.py networks/eran/mnist_2_20.h5 1 0 0.02); then
  echo "cvxpy + SCS (primal value, eps 1e-5): $scs"
else
  echo "cvxpy + SCS: no answer within $SCS_TIMEOUT s ($(( $(date +%s) - start )) s spent)"
fi

echo
echo "## (a) mnist_2_20, eps 0.02, runner-up targets of test images 0..$((A_POINTS - 1))"
"$BIN" bench-certify --network mnist_2_20 --eps 0.02 --budgets 100,1000 --indices "$(seq -s, 0 $((A_POINTS - 1)))"

echo
echo "## (b) PGD-NN, eps 0.1, test images 0..$((POINTS - 1)), all 9 targets per point"
for method in lp sdp; do
  "$BIN" certify --network PGD-NN --method "$method" --eps 0.1 --indices "0-$((POINTS - 1))" --format table 2>/dev/null |
    awk -v m="$method" '/^ *[0-9]/ { n++; s += $6; if ($4 == "yes") c++ } END { printf "%-4s %d points: %.1f s per point, %d certified\n", m, n, s / n, c }'
done
