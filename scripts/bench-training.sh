#!/usr/bin/env bash
# Times the training/attack workload in the Swift harness and in JAX (CPU) and prints both side by
# side as a Markdown table:
#   (a) one epoch of plain training, 784-200-100-50-10, Adam lr 1e-3, batch 128, 59 000 images;
#   (b) one epoch of PGD training (ε 0.3, step 0.1, 40 steps, ⅔ CE clean + ⅓ CE adversarial);
#   (c) PGD (margin loss, ε 0.1, step 0.025, 40 steps) on the first 1000 test images against (a).
#
#   scripts/bench-training.sh            full epochs (a few minutes on 2 cores)
#   scripts/bench-training.sh --quick    20 minibatches per epoch, times scaled to a full epoch
#   scripts/bench-training.sh --repeat 9 the plain epoch and the attack run 9 times each (default 5);
#                                         both sides report the median (one run varies by ±30 %)
#
# Extra arguments go to both `experiments bench-training --json` and scripts/bench_training_jax.py.
# JAX runs from the virtual environment .venv-bench/ (created and filled from PyPI when missing).
# Both get the same thread count: all cores (`nproc`), or BENCH_THREADS when set.
# Set BENCH_SKIP_SWIFT=1 to run only the JAX side, BENCH_NO_BUILD=1 to time the existing
# .build/release/experiments without rebuilding it (e.g. while the tree does not compile).
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS="${BENCH_THREADS:-$(nproc)}"
export OMP_NUM_THREADS="$THREADS"
export OPENBLAS_NUM_THREADS="$THREADS"
# (OPENBLAS_CORETYPE and the like, when set, are left as they are.)

VENV=.venv-bench
PY="$VENV/bin/python"
OUT="$(mktemp -d "${TMPDIR:-/tmp}/bench-training.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT

# --- Python side: virtual environment ---------------------------------------------------------
if [ ! -x "$PY" ]; then
  echo "creating $VENV" >&2
  python3 -m venv "$VENV"
fi
if ! "$PY" -c "import jax, jaxlib, numpy, h5py" 2>/dev/null; then
  echo "installing jax[cpu], numpy, h5py into $VENV (pip)" >&2
  "$PY" -m pip install --quiet --disable-pip-version-check "jax[cpu]" numpy h5py >&2
fi

# --- Swift side ---------------------------------------------------------------------------------
SWIFT_OK=0
SWIFT_NOTE=""
if [ "${BENCH_SKIP_SWIFT:-0}" = "1" ]; then
  SWIFT_NOTE="skipped (BENCH_SKIP_SWIFT=1)"
else
  BUILD_OK=1
  if [ "${BENCH_NO_BUILD:-0}" = "1" ]; then
    echo "BENCH_NO_BUILD=1: timing the existing .build/release/experiments as it is" >&2
    [ -x .build/release/experiments ] || { BUILD_OK=0; SWIFT_NOTE="no .build/release/experiments (BENCH_NO_BUILD=1); Swift column left empty"; }
  else
    scripts/install-system-deps.sh >&2
    echo "building the harness (swift build -c release)" >&2
    if ! swift build -c release >&2; then
      BUILD_OK=0
      SWIFT_NOTE="swift build -c release failed (see above; BENCH_NO_BUILD=1 times the existing binary); Swift column left empty"
    fi
  fi
  if [ "$BUILD_OK" = 0 ]; then
    :
  elif ! .build/release/experiments bench-training --help >/dev/null 2>&1; then
    SWIFT_NOTE="this build of the harness has no 'experiments bench-training' command yet; Swift column left empty"
  else
    SWIFT_ARGS=(bench-training --json)
    if .build/release/experiments bench-training --help 2>&1 | grep -q -- "--threads"; then
      SWIFT_ARGS+=(--threads "$THREADS")
    fi
    echo "running: .build/release/experiments ${SWIFT_ARGS[*]} $*  (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    if .build/release/experiments "${SWIFT_ARGS[@]}" "$@" >"$OUT/swift.out"; then
      if grep '^{' "$OUT/swift.out" | tail -n 1 >"$OUT/swift.json" && [ -s "$OUT/swift.json" ]; then
        SWIFT_OK=1
      else
        SWIFT_NOTE="experiments bench-training printed no JSON object"
      fi
    else
      SWIFT_NOTE="experiments bench-training failed (exit $?)"
    fi
  fi
fi
[ -n "$SWIFT_NOTE" ] && echo "Swift harness: $SWIFT_NOTE" >&2

# --- JAX side -----------------------------------------------------------------------------------
echo "running: $PY scripts/bench_training_jax.py --threads $THREADS $*  (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
"$PY" scripts/bench_training_jax.py --threads "$THREADS" "$@" >"$OUT/jax.out"
grep '^{' "$OUT/jax.out" | tail -n 1 >"$OUT/jax.json"

[ "$SWIFT_OK" = 1 ] && echo "Swift JSON: $(cat "$OUT/swift.json")" >&2
echo "JAX JSON: $(cat "$OUT/jax.json")" >&2

# --- table ----------------------------------------------------------------------------------------
[ "$SWIFT_OK" = 1 ] || : >"$OUT/swift.json"
"$PY" - "$OUT/swift.json" "$OUT/jax.json" "$SWIFT_NOTE" "$*" <<'EOF'
import json, os, sys

def load(path):
    text = open(path).read().strip()
    return json.loads(text) if text else None

swift, jax, note, extra = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = [
    ("plain epoch (s)", "plain_epoch_seconds", "{:.2f}"),
    ("PGD-training epoch (s)", "pgd_epoch_seconds", "{:.2f}"),
    ("PGD attack on 1000 points (s)", "pgd_attack_1000_seconds", "{:.2f}"),
    ("test accuracy after the plain epoch", "plain_test_accuracy", "{:.4f}"),
    ("PGD error of the attack (ε = 0.1)", "pgd_attack_error", "{:.3f}"),
    ("compile / JIT (s), not in the times above", "compile_seconds", "{:.2f}"),
]

def cell(d, key, fmt):
    if d is None or d.get(key) is None:
        return "—"
    return fmt.format(d[key])

print()
print(f"| | Swift harness | JAX | ratio (JAX/Swift) |")
print(f"|---|---:|---:|---:|")
for label, key, fmt in rows:
    s = None if swift is None else swift.get(key)
    j = jax.get(key)
    ratio = "—" if not s or j is None else f"{j / s:.2f}"
    print(f"| {label} | {cell(swift, key, fmt)} | {cell(jax, key, fmt)} | {ratio} |")
print()
fw = lambda d: "—" if d is None else f"{d.get('framework')}, {d.get('threads')} thread(s)"
print(f"Swift: {fw(swift)}{'; ' + note if note else ''}. JAX: {fw(jax)}.")
load = os.getloadavg()
print(f"Machine: {os.cpu_count()} cores, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at the end"
      + (f"; arguments: {extra}" if extra else "") + ".")
for label, key in (("plain epochs", "plain_epoch_runs"), ("attacks", "pgd_attack_1000_runs")):
    parts = [f"{name} " + ", ".join(f"{t:.2f}" for t in d[key]) for name, d in (("Swift", swift), ("JAX", jax))
             if d is not None and d.get(key)]
    if parts:
        print(f"Timed {label} (s; the table gives the median): " + "; ".join(parts) + ".")
if "--quick" in extra.split():
    print("--quick: epoch times are 20 minibatches scaled to 461; accuracy is after those 20 minibatches only.")
EOF
