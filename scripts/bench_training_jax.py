#!/usr/bin/env python3
"""The work of `experiments bench-training`, in JAX on the CPU, timed (scripts/bench-training.sh
runs both and prints them side by side).

    .venv-bench/bin/python scripts/bench_training_jax.py [--quick] [--threads N] [--seed S]
        [--save-network plain.h5]

(a) one epoch of plain training of a 784-200-100-50-10 ReLU MLP (PyTorch-default init
    U(−1/√fan_in, 1/√fan_in) for weights and biases), softmax cross-entropy, Adam (lr 1e-3,
    β 0.9/0.999, eps 1e-8, bias-corrected), batch 128, over the 59 000 training images, shuffled
    (the last minibatch has the 120 left over, as in the harness);
(b) one epoch of PGD training of the same architecture from a fresh init: per minibatch l_inf PGD
    with cross-entropy loss (ε 0.3, step 0.1, 40 steps, uniform random start; the iterate with the
    lowest margin is kept, as the harness does), then loss = ⅔·CE(clean) + ⅓·CE(adversarial);
(c) PGD (margin loss, ε 0.1, step 0.025, 40 steps, 1 restart, random start) on the first 1 000
    test images against the network of (a).

Every step function is compiled ahead of time (jax.jit(...).lower(...).compile()); that time is
`compile_seconds` and is not in the other times. One untimed warm-up call of each compiled function
follows (`warmup_seconds`). The epoch times cover the minibatch loop (gather the batch in numpy,
transfer, step) up to block_until_ready; the attack time covers transfer and the attack.

--quick trains on the first 20 × 128 training images only (20 minibatches, as the harness's
--quick does) and scales the epoch times by 461/20; the attack is still on 1 000 points.
Prints one JSON object on stdout (progress goes to stderr).
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="20 minibatches per epoch, times scaled to a full epoch")
    p.add_argument("--threads", type=int, default=0,
                   help="CPU cores XLA may use (0 = all the process may run on); set by CPU affinity")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batches", type=int, default=20, help="minibatches per epoch with --quick")
    p.add_argument("--repeat", type=int, default=5,
                   help="times the plain epoch and the attack are run (same start); the median is reported")
    p.add_argument("--save-network", default=None, help="write the plain network of (a) here (relu-mlp HDF5)")
    p.add_argument("--mnist", default=None, help="MNIST directory (default $SDPCERT_MNIST, else Data/mnist)")
    return p.parse_args(argv)


ARGS = parse_args()

# Thread count: XLA's CPU thread pool is sized by the CPUs this process may run on, so restrict the
# affinity before jax is imported.
if ARGS.threads > 0 and hasattr(os, "sched_setaffinity"):
    cpus = sorted(os.sched_getaffinity(0))
    if ARGS.threads < len(cpus):
        os.sched_setaffinity(0, cpus[:ARGS.threads])
THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

import numpy as np  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

sys.path.insert(0, HERE)
from pgd_reference import load_mnist  # noqa: E402  (IDX reader and the harness's splits)

SIZES = [784, 200, 100, 50, 10]
BATCH = 128
LR, BETA1, BETA2, ADAM_EPS = 1e-3, 0.9, 0.999, 1e-8
TRAIN_EPS, TRAIN_STEP, TRAIN_STEPS, ADV_WEIGHT = 0.3, 0.1, 40, 1.0 / 3
ATTACK_EPS, ATTACK_STEP, ATTACK_STEPS, ATTACK_POINTS = 0.1, 0.025, 40, 1000
LO, HI = 0.0, 1.0


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Model, loss, Adam, PGD


def init_params(seed):
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        W = rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, size=(fan_out,)).astype(np.float32)
        params.append((jnp.asarray(W), jnp.asarray(b)))
    return params


def forward(params, x):
    h = x
    for W, b in params[:-1]:
        h = jax.nn.relu(h @ W.T + b)
    W, b = params[-1]
    return h @ W.T + b


def cross_entropy(scores, y):
    """Per-point softmax cross-entropy."""
    return jax.nn.logsumexp(scores, axis=1) - jnp.take_along_axis(scores, y[:, None], axis=1)[:, 0]


def margins(scores, y):
    """f_y − max_{c≠y} f_c per point."""
    onehot = jax.nn.one_hot(y, scores.shape[1], dtype=bool)
    true = jnp.take_along_axis(scores, y[:, None], axis=1)[:, 0]
    return true - jnp.max(jnp.where(onehot, -jnp.inf, scores), axis=1)


def mean_ce(params, x, y):
    return jnp.mean(cross_entropy(forward(params, x), y))


def adam_init(params):
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    return (params, zeros, zeros, jnp.zeros((), jnp.int32))


def adam_update(state, grads):
    params, m, v, t = state
    t = t + 1
    m = jax.tree_util.tree_map(lambda m, g: BETA1 * m + (1 - BETA1) * g, m, grads)
    v = jax.tree_util.tree_map(lambda v, g: BETA2 * v + (1 - BETA2) * g * g, v, grads)
    tf = t.astype(jnp.float32)
    c1 = 1 - BETA1 ** tf
    c2 = 1 - BETA2 ** tf
    params = jax.tree_util.tree_map(
        lambda p, m, v: p - LR * (m / c1) / (jnp.sqrt(v / c2) + ADAM_EPS), params, m, v)
    return (params, m, v, t)


def pgd(params, x0, y, key, eps, step, steps, loss):
    """l_inf PGD from a uniform start in the ball ∩ [LO, HI]; returns the lowest-margin iterate
    (the clean point, every iterate and the last one are candidates) and its margin."""
    lower = jnp.maximum(x0 - eps, LO)
    upper = jnp.minimum(x0 + eps, HI)
    x = lower + jax.random.uniform(key, x0.shape, x0.dtype) * (upper - lower)
    best, best_m = x0, margins(forward(params, x0), y)

    def objective(x):
        s = forward(params, x)
        ascended = cross_entropy(s, y) if loss == "ce" else -margins(s, y)
        return jnp.sum(ascended), s

    def body(_, carry):
        x, best, best_m = carry
        g, s = jax.grad(objective, has_aux=True)(x)
        m = margins(s, y)
        better = m < best_m
        best = jnp.where(better[:, None], x, best)
        best_m = jnp.where(better, m, best_m)
        x = jnp.clip(x + step * jnp.sign(g), lower, upper)
        return x, best, best_m

    x, best, best_m = jax.lax.fori_loop(0, steps, body, (x, best, best_m))
    m = margins(forward(params, x), y)
    better = m < best_m
    return jnp.where(better[:, None], x, best), jnp.where(better, m, best_m)


def plain_step(state, x, y):
    loss, grads = jax.value_and_grad(mean_ce)(state[0], x, y)
    return adam_update(state, grads), loss


def pgd_train_step(state, x, y, key):
    params = state[0]
    x_adv, _ = pgd(jax.lax.stop_gradient(params), x, y, key, TRAIN_EPS, TRAIN_STEP, TRAIN_STEPS, "ce")
    x_adv = jax.lax.stop_gradient(x_adv)

    def loss(p):
        return (1 - ADV_WEIGHT) * mean_ce(p, x, y) + ADV_WEIGHT * mean_ce(p, x_adv, y)

    value, grads = jax.value_and_grad(loss)(params)
    return adam_update(state, grads), value


def attack(params, x, y, key):
    best, m = pgd(params, x, y, key, ATTACK_EPS, ATTACK_STEP, ATTACK_STEPS, "margin")
    predicted = jnp.argmax(forward(params, best), axis=1)
    return jnp.sum(predicted != y), m


def accuracy(params, x, y):
    return jnp.sum(jnp.argmax(forward(params, x), axis=1) == y)


def save_network(params, path):
    import h5py
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "relu-mlp"
        f.attrs["format_version"] = 1
        f.attrs["input_shape"] = np.array([28, 28])
        f.attrs["input_lower"] = LO
        f.attrs["input_upper"] = HI
        f.attrs["name"] = "jax-bench-plain"
        f.attrs["description"] = "one epoch of plain training by scripts/bench_training_jax.py"
        for k, (W, b) in enumerate(params):
            f[f"layers/{k}/weight"] = np.asarray(W)
            f[f"layers/{k}/bias"] = np.asarray(b)


# ---------------------------------------------------------------------------------------------


def main():
    a = ARGS
    train_x, train_y = load_mnist("train", a.mnist)
    test_x, test_y = load_mnist("test", a.mnist)
    train_x, test_x = train_x.astype(np.float32), test_x.astype(np.float32)
    train_y, test_y = train_y.astype(np.int32), test_y.astype(np.int32)
    full_batches = (len(train_y) + BATCH - 1) // BATCH  # 461
    if a.quick:
        train_x, train_y = train_x[:a.batches * BATCH], train_y[:a.batches * BATCH]
    n = len(train_y)
    batches = (n + BATCH - 1) // BATCH
    scale = full_batches / batches
    tail = n - (batches - 1) * BATCH  # size of the last minibatch

    key = jax.random.key(a.seed)
    log(f"jax {jax.__version__} on {jax.devices()[0].platform}, {THREADS} CPU(s); "
        f"{n} training images, {batches} minibatches{' (quick, times × %.2f)' % scale if a.quick else ''}")

    # --- ahead-of-time compilation ---------------------------------------------------------
    state0 = adam_init(init_params(a.seed))
    xb, yb = jnp.asarray(train_x[:BATCH]), jnp.asarray(train_y[:BATCH])
    xt, yt = jnp.asarray(train_x[:tail]), jnp.asarray(train_y[:tail])
    xa, ya = jnp.asarray(test_x[:ATTACK_POINTS]), jnp.asarray(test_y[:ATTACK_POINTS])
    xtest, ytest = jnp.asarray(test_x), jnp.asarray(test_y)
    t0 = time.perf_counter()
    plain_c = {BATCH: jax.jit(plain_step).lower(state0, xb, yb).compile()}
    pgd_c = {BATCH: jax.jit(pgd_train_step).lower(state0, xb, yb, key).compile()}
    if tail != BATCH:
        plain_c[tail] = jax.jit(plain_step).lower(state0, xt, yt).compile()
        pgd_c[tail] = jax.jit(pgd_train_step).lower(state0, xt, yt, key).compile()
    attack_c = jax.jit(attack).lower(state0[0], xa, ya, key).compile()
    accuracy_c = jax.jit(accuracy).lower(state0[0], xtest, ytest).compile()
    compile_seconds = time.perf_counter() - t0
    log(f"compiled in {compile_seconds:.2f} s")

    # --- one untimed warm-up call of each ----------------------------------------------------
    t0 = time.perf_counter()
    jax.block_until_ready(plain_c[BATCH](state0, xb, yb))
    jax.block_until_ready(pgd_c[BATCH](state0, xb, yb, key))
    if tail != BATCH:
        jax.block_until_ready(plain_c[tail](state0, xt, yt))
        jax.block_until_ready(pgd_c[tail](state0, xt, yt, key))
    jax.block_until_ready(attack_c(state0[0], xa, ya, key))
    jax.block_until_ready(accuracy_c(state0[0], xtest, ytest))
    warmup_seconds = time.perf_counter() - t0
    log(f"warm-up calls {warmup_seconds:.2f} s")

    def epoch(step_fns, state, shuffle_seed, with_key):
        order = np.random.default_rng(shuffle_seed).permutation(n)
        losses = []
        start = time.perf_counter()
        for b in range(batches):
            idx = order[b * BATCH:(b + 1) * BATCH]
            x, y = train_x[idx], train_y[idx]
            fn = step_fns[len(idx)]
            if with_key:
                state, loss = fn(state, x, y, jax.random.fold_in(key, b))
            else:
                state, loss = fn(state, x, y)
            losses.append(loss)
        jax.block_until_ready(state)
        seconds = time.perf_counter() - start
        mean_loss = float(np.mean([float(l) for l in losses]))
        if not np.isfinite(mean_loss):
            raise SystemExit(f"training diverged (mean loss {mean_loss})")
        return state, seconds, mean_loss

    # (a) plain epoch, repeated from the same start (one run varies by ±30 % on a shared VM)
    plain_runs = []
    for r in range(max(1, a.repeat)):
        state_r, raw, loss_r = epoch(plain_c, adam_init(init_params(a.seed)), a.seed, False)
        plain_runs.append(raw * scale)
        if r == 0:
            state, plain_loss = state_r, loss_r
    plain_raw = float(np.median(plain_runs)) / scale
    plain = state[0]
    plain_acc = int(accuracy_c(plain, xtest, ytest)) / len(test_y)
    log(f"plain epoch {plain_raw:.2f} s (× {scale:.2f} = {plain_raw * scale:.2f} s, median of "
        f"{', '.join(f'{t:.2f}' for t in plain_runs)}), loss {plain_loss:.4f}, test accuracy {plain_acc:.4f}")
    if a.save_network:
        save_network(plain, a.save_network)
        log(f"wrote {a.save_network}")

    # (b) PGD-training epoch, fresh init
    state, pgd_raw, pgd_loss = epoch(pgd_c, adam_init(init_params(a.seed)), a.seed + 1, True)
    pgd_acc = int(accuracy_c(state[0], xtest, ytest)) / len(test_y)
    log(f"PGD epoch {pgd_raw:.2f} s (× {scale:.2f} = {pgd_raw * scale:.2f} s), loss {pgd_loss:.4f}, "
        f"clean test accuracy {pgd_acc:.4f}")

    # (c) PGD attack on the first 1000 test images against (a)
    attack_key = jax.random.fold_in(key, 10**6)
    attack_runs = []
    for r in range(max(1, a.repeat)):
        start = time.perf_counter()
        error_r, _ = attack_c(plain, jnp.asarray(test_x[:ATTACK_POINTS]), jnp.asarray(test_y[:ATTACK_POINTS]),
                              attack_key)
        error_r = int(error_r) / ATTACK_POINTS
        attack_runs.append(time.perf_counter() - start)
        if r == 0:
            error = error_r
    attack_seconds = float(np.median(attack_runs))
    log(f"PGD attack on {ATTACK_POINTS} points {attack_seconds:.2f} s, PGD error {error:.4f}")

    print(json.dumps({
        "framework": f"jax {jax.__version__}",
        "threads": THREADS,
        "plain_epoch_seconds": plain_raw * scale,
        "plain_epoch_runs": plain_runs,
        "pgd_attack_1000_runs": attack_runs,
        "plain_test_accuracy": plain_acc,
        "pgd_epoch_seconds": pgd_raw * scale,
        "pgd_attack_1000_seconds": attack_seconds,
        "pgd_attack_error": error,
        "compile_seconds": compile_seconds,
        "warmup_seconds": warmup_seconds,
        "quick": a.quick,
        "minibatches_timed": batches,
        "plain_train_loss": plain_loss,
        "pgd_train_loss": pgd_loss,
        "pgd_clean_test_accuracy": pgd_acc,
    }, sort_keys=True))


if __name__ == "__main__":
    main()
