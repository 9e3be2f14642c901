#!/usr/bin/env python3
"""Clean accuracy of every network in ../shared/networks, computed independently with numpy
(HDF5 files, read with h5py) and onnx's reference evaluator (ONNX files), on the MNIST test set
shipped in Data/mnist. Writes shared_networks_accuracy.json for the optional Swift test that
checks `experiments evaluate`-equivalent accuracy when ../shared is present.

Run from anywhere: python3 Tests/Fixtures/make_shared_accuracy.py   (needs numpy, h5py, onnx)
"""
import glob
import gzip
import json
import os
import struct
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_common import load_mnist  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(os.path.dirname(REPO), "shared", "networks")




x = load_mnist("t10k-images-idx3-ubyte").reshape(10000, 784).astype(np.float64) / 255.0
y = load_mnist("t10k-labels-idx1-ubyte").astype(np.int64)


def h5_scores(path):
    with h5py.File(path, "r") as f:
        n = len([k for k in f["layers"].keys() if k.isdigit()])
        layers = [(f[f"layers/{k}/weight"][()].astype(np.float64), f[f"layers/{k}/bias"][()].astype(np.float64))
                  for k in range(n)]
    h = x
    for k, (W, b) in enumerate(layers):
        h = h @ W.T + b
        if k < n - 1:
            h = np.maximum(h, 0)
    return h


def onnx_scores(path):
    import onnx
    from onnx.reference import ReferenceEvaluator
    model = onnx.load(path)
    sess = ReferenceEvaluator(model)
    inp = model.graph.input[0]
    dims = [d.dim_value if d.dim_value > 0 else 1 for d in inp.type.tensor_type.shape.dim]
    out = []
    for i in range(0, 10000, 1000):
        batch = x[i:i + 1000].astype(np.float32)
        shaped = batch.reshape([1000] + dims[1:]) if len(dims) > 1 else batch
        if dims[0] == 1 and len(dims) > 1 and dims[0] != 1000:
            shaped = batch.reshape([1000] + dims[1:])
        try:
            out.append(sess.run(None, {inp.name: shaped})[0].reshape(1000, -1))
        except Exception:  # models with a fixed batch of 1
            out.append(np.stack([sess.run(None, {inp.name: b.reshape(dims)})[0].reshape(-1) for b in batch]))
    return np.concatenate(out)


result = {}
for path in sorted(glob.glob(os.path.join(SHARED, "*", "*.h5")) + glob.glob(os.path.join(SHARED, "*", "*.onnx"))):
    rel = os.path.relpath(path, SHARED)
    s = h5_scores(path) if path.endswith(".h5") else onnx_scores(path)
    pred = s.argmax(axis=1)
    result[rel] = {"test_10000": float((pred == y).mean()), "test_first_1000": float((pred[:1000] == y[:1000]).mean())}
    print(rel, result[rel])
with open(os.path.join(HERE, "shared_networks_accuracy.json"), "w") as f:
    json.dump(result, f, indent=1, sort_keys=True)
