#!/usr/bin/env python3
"""LP-cert reference values from an independent LP solver (scipy's HiGHS), for the Swift tests.

For tiny ReLU networks with biases (1-3 hidden layers, with dead, active and unstable units) and a
few (center, eps, label) cases, computes the interval bounds of formulations.md (eq. 8 with ReLU,
input box clipped to the domain [0, 1]) and then, for every target j != label, the optimum of

    max (W_L[j] - W_L[label]) x_L + b_L[j] - b_L[label]
    s.t. l0 <= x0 <= u0; dead: x = 0; active: x = W x' + b;
         unstable: x >= 0, x >= W x' + b, x <= u (W x' + b - l) / (u - l)

with scipy.optimize.linprog(method="highs"). Writes net_*.h5 (network-format.md) and cases.json.
Run: python3 Tests/Fixtures/lp/make_lp_fixtures.py   (needs numpy, scipy, h5py)
"""
import json
import os

import sys

import h5py
import numpy as np
from scipy.optimize import linprog

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from fixture_common import interval_bounds  # noqa: E402


def write_net(path, layers, d):
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "relu-mlp"
        f.attrs["format_version"] = 1
        f.attrs["input_shape"] = np.array([d])
        f.attrs["input_lower"] = 0.0
        f.attrs["input_upper"] = 1.0
        f.attrs["name"] = os.path.splitext(os.path.basename(path))[0]
        for k, (W, b) in enumerate(layers):
            f[f"layers/{k}/weight"] = W
            f[f"layers/{k}/bias"] = b


def lp_values(layers, x, eps, label):
    pre, post = interval_bounds(layers, x, eps)
    sizes = [layers[0][0].shape[1]] + [W.shape[0] for W, _ in layers[:-1]]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    n = offsets[-1]
    bounds = [(post[0][0][i], post[0][1][i]) for i in range(sizes[0])]
    A_ub, b_ub, A_eq, b_eq = [], [], [], []
    states = []
    for k, (W, b) in enumerate(layers[:-1]):
        lo, hi = pre[k]
        for m in range(W.shape[0]):
            col = offsets[k + 1] + m
            row = np.zeros(n)
            row[col] = 1
            row[offsets[k]:offsets[k] + sizes[k]] = -W[m]
            if hi[m] <= 0:
                bounds.append((0, 0)); states.append("dead")
            elif lo[m] >= 0:
                bounds.append((None, None)); A_eq.append(row); b_eq.append(b[m]); states.append("active")
            else:
                bounds.append((0, None)); states.append("unstable")
                A_ub.append(-row); b_ub.append(-b[m])            # x >= Wx' + b
                d = hi[m] / (hi[m] - lo[m])
                r2 = np.zeros(n); r2[col] = 1; r2[offsets[k]:offsets[k] + sizes[k]] = -d * W[m]
                A_ub.append(r2); b_ub.append(d * (b[m] - lo[m]))  # x <= d (Wx' + b - l)
    WL, bL = layers[-1]
    values = {}
    for j in range(WL.shape[0]):
        if j == label:
            continue
        c = np.zeros(n)
        c[offsets[-2]:offsets[-1]] = -(WL[j] - WL[label])
        res = linprog(c, A_ub=np.array(A_ub) if A_ub else None, b_ub=np.array(b_ub) if b_ub else None,
                      A_eq=np.array(A_eq) if A_eq else None, b_eq=np.array(b_eq) if b_eq else None,
                      bounds=bounds, method="highs", options={"primal_feasibility_tolerance": 1e-10,
                                                               "dual_feasibility_tolerance": 1e-10})
        assert res.status == 0, res.message
        values[str(j)] = -res.fun + bL[j] - bL[label]
    return values, states


rng = np.random.default_rng(2026)
cases = []
for name, sizes in [("net_1", [6, 8, 3]), ("net_2", [5, 7, 6, 4]), ("net_3", [4, 6, 5, 5, 3])]:
    layers = [(rng.normal(size=(o, i)), rng.normal(size=o) * 0.5) for i, o in zip(sizes[:-1], sizes[1:])]
    write_net(os.path.join(HERE, name + ".h5"), layers, sizes[0])
    for trial in range(4):
        x = rng.uniform(0, 1, size=sizes[0])
        x[0] = 0.0  # one coordinate on the domain edge: the box is clipped there
        eps = [0.05, 0.15, 0.3, 0.6][trial]
        label = int(trial % sizes[-1])
        values, states = lp_values(layers, x, eps, label)
        cases.append({"network": name + ".h5", "center": x.tolist(), "eps": eps, "label": label,
                      "lp": values, "states": {s: states.count(s) for s in ("dead", "active", "unstable")}})
with open(os.path.join(HERE, "cases.json"), "w") as f:
    json.dump(cases, f, indent=1)
print(json.dumps([c["states"] for c in cases]))
