#!/usr/bin/env python3
"""SDP-cert of one MNIST test point and one target by cvxpy + SCS (the comparison of
`scripts/bench-certify.sh`; not part of `swift test`).

The same problem as the harness's `sdp` and `sdp-csdp` (formulations.md, SDP-cert: paper 1 eq. 7
with biases, the box on every layer, dead units removed), written sparsely in the centred
variables x = m + r z (the lifted Q has Q00 = 1 and diag(Q) <= 1). Prints the primal value SCS
reaches (NOT a sound bound: a primal value to solver tolerance) and the seconds it took.

usage: bench_sdp_scs.py NETWORK.h5 INDEX TARGET EPS [--eps-scs 1e-5]
"""
import argparse
import os
import sys
import time

import cvxpy as cp
import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "Tests", "Fixtures"))
from fixture_common import interval_bounds, load_mnist  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("network")
    ap.add_argument("index", type=int)
    ap.add_argument("target", type=int)
    ap.add_argument("eps", type=float)
    ap.add_argument("--eps-scs", type=float, default=1e-5)
    a = ap.parse_args()
    with h5py.File(a.network, "r") as f:
        n = len(f["layers"])
        layers = [(np.array(f[f"layers/{k}/weight"], float), np.array(f[f"layers/{k}/bias"], float)) for k in range(n)]
        lo, hi = float(f.attrs["input_lower"]), float(f.attrs["input_upper"])
    images = load_mnist("t10k-images-idx3-ubyte").reshape(-1, 784) / 255.0
    labels = load_mnist("t10k-labels-idx1-ubyte")
    x, label = images[a.index], int(labels[a.index])
    pre, post = interval_bounds(layers, x, a.eps, lo, hi)
    alive = [np.flatnonzero(post[0][1] - post[0][0] > 0)] + [np.flatnonzero(phi > 0) for _, phi in pre]
    mids, rads, offs = [], [], [1]
    for k, idx in enumerate(alive):
        l, u = post[k][0][idx], post[k][1][idx]
        mids.append((l + u) / 2)
        rads.append((u - l) / 2)
        offs.append(offs[-1] + idx.size)
    N = offs[-1]
    Q = cp.Variable((N, N), symmetric=True)
    cons = [Q >> 0, Q[0, 0] == 1, cp.diag(Q)[1:] <= 1]

    def xs(k):  # x_k as an affine expression
        return mids[k] + cp.multiply(rads[k], Q[0, offs[k]:offs[k + 1]])

    # Inputs dropped because r = 0 are constants m (their contribution enters the bias).
    for k in range(1, len(alive)):
        W, b = layers[k - 1]
        prev_all = np.arange(W.shape[1])
        dropped = np.setdiff1d(prev_all, alive[k - 1])
        const_prev = post[k - 1][0][dropped] if k == 1 else np.zeros(dropped.size)
        Wa = W[np.ix_(alive[k], alive[k - 1])]
        ba = b[alive[k]] + W[np.ix_(alive[k], dropped)] @ const_prev
        xk, xp = xs(k), xs(k - 1)
        cons += [xk >= 0, xk >= Wa @ xp + ba]
        mk, rk, mp, rp = mids[k], rads[k], mids[k - 1], rads[k - 1]
        for t in range(alive[k].size):
            I = offs[k] + t
            qi = Q[0, I]
            xii = mk[t] ** 2 + 2 * mk[t] * rk[t] * qi + rk[t] ** 2 * Q[I, I]
            # Σ_n W_tn E[x_n x_t] with E[x_n x_t] = m_n m_t + m_n r_t q_t + r_n m_t Q[0,n] + r_n r_t Q[n,I]
            w = Wa[t]
            cross = (w @ mp) * (mk[t] + rk[t] * qi) + mk[t] * (w * rp) @ Q[0, offs[k - 1]:offs[k]] \
                + rk[t] * (w * rp) @ Q[offs[k - 1]:offs[k], I]
            cons.append(xii == cross + ba[t] * (mk[t] + rk[t] * qi))
    WL, bL = layers[-1]
    c = (WL[a.target] - WL[label])[alive[-1]]
    obj = c @ xs(len(alive) - 1) + bL[a.target] - bL[label]
    prob = cp.Problem(cp.Maximize(obj), cons)
    t = time.time()
    prob.solve(solver=cp.SCS, eps_abs=a.eps_scs, eps_rel=a.eps_scs, max_iters=100000)
    print(f"scs {prob.value:.6f} {time.time() - t:.1f} {prob.status} N={N}")


if __name__ == "__main__":
    main()
