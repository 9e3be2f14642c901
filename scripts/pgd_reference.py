#!/usr/bin/env python3
"""An independent numpy (float64) l_inf PGD on a relu-mlp HDF5 network, to cross-check the harness.

    python3 scripts/pgd_reference.py --network networks/eran/mnist_2_20.h5 --eps 0.05 \
        --steps 40 --step-size 0.0125 --restarts 1 --indices 0-999 [--seed 0] [--split test] \
        [--loss margin|cross-entropy] [--json]

Per restart: a uniform random start in B_inf(x, eps) ∩ [input_lower, input_upper], then `steps`
sign-gradient ascent steps on the loss, each followed by projection onto the ball ∩ domain. The
gradient w.r.t. the input is back-propagated by hand through the ReLU MLP. Every iterate (the start,
each step, the last) is scored; per point the one with the LOWEST margin
    margin(x) = f(x)_label − max_{y≠label} f(x)_y
over all steps and restarts is kept (the clean point counts too, so the result is never weaker than
it). The PGD error is the fraction of points whose kept iterate is misclassified (argmax ≠ label,
first index on ties), clean misclassifications included.

Losses ascended: `margin` = max_{y≠label} f_y − f_label; `cross-entropy` = softmax CE of the label.
The random starts come from numpy's PCG64 (default_rng(seed)), not the harness's SplitMix64, so the
numbers agree with the harness statistically, not bit for bit.

MNIST is read from --mnist, else $SDPCERT_MNIST, else Data/mnist (IDX .gz files, pixel = byte/255).
Splits: train = first 59 000 training images, verification = the last 1 000, test = t10k.
"""
import argparse
import gzip
import json
import os
import sys

import h5py
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------------------------------------
# Data and network


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic >> 8 != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {magic:#x})")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    arr = np.frombuffer(data, dtype=np.uint8, offset=offset)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {arr.size} bytes for shape {dims}")
    return arr.reshape(dims)


def load_mnist(split, directory=None):
    """(images as float64 [n, 784] in [0, 1], labels as int64 [n])."""
    directory = directory or os.environ.get("SDPCERT_MNIST") or os.path.join(REPO, "Data", "mnist")
    prefix = "t10k" if split == "test" else "train"
    images = read_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte.gz"))
    images = images.reshape(images.shape[0], -1).astype(np.float64) / 255.0
    labels = labels.astype(np.int64)
    if split == "train":
        images, labels = images[:59000], labels[:59000]
    elif split == "verification":
        images, labels = images[59000:60000], labels[59000:60000]
    elif split != "test":
        raise ValueError(f"unknown split {split!r} (train, verification, test)")
    return images, labels


def load_network(path):
    """(layers [(W [out,in], b [out]) float64], lower, upper, name)."""
    with h5py.File(path, "r") as f:
        fmt = f.attrs.get("format")
        if isinstance(fmt, bytes):
            fmt = fmt.decode()
        if fmt != "relu-mlp":
            raise ValueError(f"{path}: attribute format is {fmt!r}, expected 'relu-mlp'")
        for attr in ("input_lower", "input_upper", "input_shape", "name"):
            if attr not in f.attrs:
                raise ValueError(f"{path}: missing root attribute {attr}")
        lower = float(f.attrs["input_lower"])
        upper = float(f.attrs["input_upper"])
        name = f.attrs["name"]
        name = name.decode() if isinstance(name, bytes) else str(name)
        layers = []
        k = 0
        while f"layers/{k}" in f:
            W = np.asarray(f[f"layers/{k}/weight"], dtype=np.float64)
            b = np.asarray(f[f"layers/{k}/bias"], dtype=np.float64)
            if W.ndim != 2 or b.shape != (W.shape[0],):
                raise ValueError(f"{path}: /layers/{k}: weight {W.shape}, bias {b.shape}")
            if layers and layers[-1][0].shape[0] != W.shape[1]:
                raise ValueError(f"{path}: /layers/{k}/weight has {W.shape[1]} inputs, layer {k-1} has "
                                 f"{layers[-1][0].shape[0]} outputs")
            if not (np.isfinite(W).all() and np.isfinite(b).all()):
                raise ValueError(f"{path}: /layers/{k} has a non-finite value")
            layers.append((W, b))
            k += 1
        if not layers:
            raise ValueError(f"{path}: no /layers/0")
    return layers, lower, upper, name


# ---------------------------------------------------------------------------------------------
# Forward, backward, PGD


def forward(layers, x):
    """Scores [n, classes] and the pre-activations of the hidden layers (for backprop)."""
    pre = []
    h = x
    for W, b in layers[:-1]:
        z = h @ W.T + b
        pre.append(z)
        h = np.maximum(z, 0.0)
    W, b = layers[-1]
    return h @ W.T + b, pre


def input_gradient(layers, pre, g):
    """d(loss)/dx given g = d(loss)/d(scores), by hand through the ReLUs."""
    g = g @ layers[-1][0]
    for k in range(len(layers) - 2, -1, -1):
        g = g * (pre[k] > 0)
        g = g @ layers[k][0]
    return g


def margins_of(scores, labels):
    n = scores.shape[0]
    rows = np.arange(n)
    true = scores[rows, labels]
    other = scores.copy()
    other[rows, labels] = -np.inf
    return true - other.max(axis=1), other.argmax(axis=1)


def loss_gradient(scores, labels, loss):
    n, c = scores.shape
    rows = np.arange(n)
    g = np.zeros_like(scores)
    if loss == "margin":
        _, runner_up = margins_of(scores, labels)
        g[rows, runner_up] = 1.0
        g[rows, labels] -= 1.0
    else:  # cross-entropy: softmax − onehot (the 1/n of a mean does not change the sign)
        s = scores - scores.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        g = p
        g[rows, labels] -= 1.0
    return g


def pgd(layers, x0, labels, eps, steps, step_size, restarts, loss, rng, lo, hi, random_start=True):
    """Returns (best inputs, best margins, predicted class at the best inputs)."""
    lower = np.maximum(x0 - eps, lo)
    upper = np.minimum(x0 + eps, hi)
    best = x0.copy()
    scores, _ = forward(layers, x0)
    best_margin, _ = margins_of(scores, labels)
    best_scores = scores

    def keep(x, scores):
        nonlocal best_scores
        m, _ = margins_of(scores, labels)
        better = m < best_margin
        best[better] = x[better]
        best_margin[better] = m[better]
        best_scores = np.where(better[:, None], scores, best_scores)

    for _ in range(max(restarts, 1)):
        if random_start:
            x = lower + rng.random(x0.shape) * (upper - lower)
        else:
            x = x0.copy()
        for _ in range(steps):
            scores, pre = forward(layers, x)
            keep(x, scores)
            g = input_gradient(layers, pre, loss_gradient(scores, labels, loss))
            x = np.clip(x + step_size * np.sign(g), lower, upper)
        scores, _ = forward(layers, x)
        keep(x, scores)
    return best, best_margin, best_scores.argmax(axis=1)


def parse_indices(text):
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--network", required=True, help="relu-mlp HDF5 file")
    p.add_argument("--eps", type=float, required=True)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--step-size", type=float, default=None, help="default eps/4")
    p.add_argument("--restarts", type=int, default=1)
    p.add_argument("--indices", default="0-999", help="e.g. 0-999 or 3,5,10-20 (indices into the split)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--split", default="test", choices=["train", "verification", "test"])
    p.add_argument("--loss", default="margin", choices=["margin", "cross-entropy"])
    p.add_argument("--no-random-start", action="store_true", help="start from the clean input")
    p.add_argument("--batch", type=int, default=2000, help="points attacked at once (memory only)")
    p.add_argument("--mnist", default=None, help="MNIST directory (default $SDPCERT_MNIST, else Data/mnist)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    a = p.parse_args(argv)

    step_size = a.step_size if a.step_size is not None else a.eps / 4
    layers, lo, hi, _ = load_network(a.network)
    images, labels = load_mnist(a.split, a.mnist)
    indices = parse_indices(a.indices)
    if not indices:
        p.error("--indices selects no point")
    bad = [i for i in indices if not 0 <= i < len(labels)]
    if bad:
        p.error(f"index {bad[0]} outside 0..{len(labels) - 1} of the {a.split} split")
    if layers[0][0].shape[1] != images.shape[1]:
        p.error(f"{a.network} takes {layers[0][0].shape[1]} inputs, the images have {images.shape[1]} pixels")

    rng = np.random.default_rng(a.seed)
    idx = np.asarray(indices)
    margins = np.empty(len(idx))
    wrong = np.empty(len(idx), dtype=bool)
    clean_wrong = np.empty(len(idx), dtype=bool)
    for s in range(0, len(idx), a.batch):
        sel = idx[s:s + a.batch]
        x0, y = images[sel], labels[sel]
        clean_wrong[s:s + len(sel)] = forward(layers, x0)[0].argmax(axis=1) != y
        _, m, pred = pgd(layers, x0, y, a.eps, a.steps, step_size, a.restarts, a.loss, rng, lo, hi,
                         random_start=not a.no_random_start)
        margins[s:s + len(sel)] = m
        wrong[s:s + len(sel)] = pred != y
    error = float(wrong.mean())
    if a.json:
        print(json.dumps({
            "network": a.network, "eps": a.eps, "steps": a.steps, "step_size": step_size,
            "restarts": a.restarts, "loss": a.loss, "seed": a.seed, "split": a.split,
            "points": len(idx), "clean_error": float(clean_wrong.mean()), "pgd_error": error,
            "attacked_indices": [int(i) for i in idx], "margins": [float(m) for m in margins],
        }))
    else:
        print(f"{a.network}: eps {a.eps}, {a.steps} steps of {step_size}, {a.restarts} restart(s), "
              f"{a.loss} loss, {len(idx)} {a.split} points")
        print(f"clean error {clean_wrong.mean():.4f}   PGD error {error:.4f}   "
              f"({int(wrong.sum())}/{len(idx)} misclassified at the PGD point)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
