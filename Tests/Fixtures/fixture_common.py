"""Helpers shared by the fixture scripts in Tests/Fixtures (numpy only, no harness code)."""
import gzip
import os
import struct

import numpy as np

FIXTURES = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(FIXTURES))


def load_mnist(name):
    """An MNIST IDX file from Data/mnist (name without .gz) as a uint8 array of its dimensions."""
    with gzip.open(os.path.join(REPO, "Data", "mnist", name + ".gz")) as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data[4 + 4 * ndim:], dtype=np.uint8).reshape(dims)


def interval_bounds(layers, x, eps, lo=0.0, hi=1.0):
    """Interval bounds of formulations.md (eq. 8 with ReLU, input box clipped to [lo, hi]):
    pre-activation bounds per hidden layer and post-activation bounds per layer 0..L."""
    l = np.maximum(x - eps, lo)
    u = np.minimum(x + eps, hi)
    pre, post = [], [(l, u)]
    for W, b in layers[:-1]:
        Wp, Wn = np.maximum(W, 0), np.minimum(W, 0)
        plo = Wp @ l + Wn @ u + b
        phi = Wp @ u + Wn @ l + b
        pre.append((plo, phi))
        l, u = np.maximum(plo, 0), np.maximum(phi, 0)
        post.append((l, u))
    return pre, post
