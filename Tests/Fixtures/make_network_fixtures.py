#!/usr/bin/env python3
"""Makes the network-file fixtures of the Swift tests, independently of the Swift code.

Writes, next to this script, into networks/:
  tiny.h5           a 6-5-4-3 ReLU MLP with biases (float64), in the format of network-format.md
  tiny_f32.h5       the same weights stored as float32
  tiny_forward.json inputs and the class scores numpy computes for them (float64)
  bad_*.h5          one file for each rejection the format requires
Run: python3 Tests/Fixtures/make_network_fixtures.py   (needs numpy and h5py)
"""
import json
import os

import h5py
import numpy as np

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "networks")
os.makedirs(HERE, exist_ok=True)
rng = np.random.default_rng(20261125)
sizes = [6, 5, 4, 3]
layers = [(rng.normal(size=(o, i)), rng.normal(size=o) * 0.5) for i, o in zip(sizes[:-1], sizes[1:])]


def forward(x):
    for k, (W, b) in enumerate(layers):
        x = x @ W.T + b
        if k < len(layers) - 1:
            x = np.maximum(x, 0)
    return x


def write(name, layers=layers, dtype=np.float64, attrs=None, drop=(), edit=None):
    path = os.path.join(HERE, name)
    with h5py.File(path, "w") as f:
        a = {"format": "relu-mlp", "format_version": 1, "input_shape": np.array([2, 3]),
             "input_lower": 0.0, "input_upper": 1.0, "name": "tiny",
             "description": "fixture made by make_network_fixtures.py"}
        a.update(attrs or {})
        for k, v in a.items():
            if k not in drop:
                f.attrs[k] = v
        for k, (W, b) in enumerate(layers):
            f[f"layers/{k}/weight"] = W.astype(dtype)
            f[f"layers/{k}/bias"] = b.astype(dtype)
        if edit:
            edit(f)


write("tiny.h5")
write("tiny_f32.h5", dtype=np.float32)
x = rng.uniform(0, 1, size=(5, 6))
with open(os.path.join(HERE, "tiny_forward.json"), "w") as out:
    json.dump({"inputs": x.tolist(), "scores": forward(x).tolist()}, out, indent=1)

# One file per rejection of network-format.md.
write("bad_missing_name.h5", drop=("name",))
write("bad_missing_input_lower.h5", drop=("input_lower",))
write("bad_format.h5", attrs={"format": "relu-cnn"})
write("bad_version.h5", attrs={"format_version": 2})
bad_shape = [layers[0], (rng.normal(size=(4, 7)), layers[1][1]), layers[2]]
write("bad_shape.h5", layers=bad_shape)
write("bad_input_shape.h5", attrs={"input_shape": np.array([7])})
bad_bias = [layers[0], (layers[1][0], np.zeros(3)), layers[2]]
write("bad_bias.h5", layers=bad_bias)
nan_layers = [(W.copy(), b.copy()) for W, b in layers]
nan_layers[2][0][1, 2] = np.nan
write("bad_nonfinite.h5", layers=nan_layers)
inf_layers = [(W.copy(), b.copy()) for W, b in layers]
inf_layers[0][1][3] = np.inf
write("bad_infinite_bias.h5", layers=inf_layers)


def gap(f):
    f.move("layers/2", "layers/3")


write("bad_gap.h5", edit=gap)


def no_bias(f):
    del f["layers/1/bias"]


write("bad_missing_bias.h5", edit=no_bias)


def extra(f):
    f["extras/notes"] = np.arange(3)
    f.attrs["trained_by"] = "someone"


write("ok_extra_groups.h5", edit=extra)
print("wrote fixtures to", HERE)
