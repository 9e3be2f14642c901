#!/usr/bin/env python3
"""SDP-cert reference values from an independent solver (cvxpy + Clarabel, cross-checked with SCS).

Problem (Docs: /work/shared/specs/formulations.md, "SDP-cert", paper 1 eq. 7 with biases and the
box on every layer). For a case (center x̄, eps, label i) and each target j != i:

  interval bounds: l0 = max(x̄-eps, lo), u0 = min(x̄+eps, hi); per hidden layer
      pre  = [W]+ l + [W]- u + b,  [W]+ u + [W]- l + b;   post = ReLU(pre)
  dead units (pre upper <= 0) are removed (exactly 0); all other units are kept as they are.
  lift v = [1; x0; x1; ...; xL],  P symmetric PSD, P[0,0] = 1,
  maximise  c_j' P[x_L] + c0_j,  c_j = W_L' (e_j - e_i) (alive columns), c0_j = b_L[j] - b_L[i]
  s.t. for k = 1..L (W, b of layer k restricted to alive rows / alive columns of layer k-1):
      P[x_k] >= 0,   P[x_k] >= W P[x_{k-1}] + b,
      P[x_km, x_km] = sum_n W[m,n] P[x_{k-1,n}, x_km] + b_m P[0, x_km]     (every alive unit m)
  and for k = 0..L:  diag(P[x_k x_k']) <= (l_k + u_k) * P[x_k] - l_k * u_k.

Values are primal optimal values as reported by the solvers (to solver tolerance), NOT rigorous
upper bounds. Sanity checks per value: it must lie between the best margin found by sampling the
input box (a lower bound on the true maximum) and the interval certificate (an upper bound on the
SDP, since the box on x_L forces l_L <= P[x_L] <= u_L).

Also writes two_d.h5, paper 1 §4.2 / Fig. 2: z1 = ReLU(x1 + x2), z2 = ReLU(x1 - x2), margin
z1 + z2, box [-1, 1]^2 (domain [-1, 1], center 0, eps 1), and reports its SDP and LP-cert values
(LP: triangle relaxation with interval bounds, scipy linprog HiGHS, as in lp/make_lp_fixtures.py).

Writes cases.json here: network paths are relative to Tests/Fixtures.
Run: python3 Tests/Fixtures/sdp/make_sdp_fixtures.py   (needs numpy, scipy, h5py, cvxpy with
Clarabel and SCS: `pip install cvxpy`)
"""
import json
import os
import time

import cvxpy as cp
import h5py
import numpy as np
from scipy.optimize import linprog

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.dirname(HERE)
REL_TOL = 1e-4  # Clarabel vs SCS disagreement threshold (relative, floor 1 in the denominator)


# ---------------------------------------------------------------------------------------------
# network I/O

def read_net(path):
    with h5py.File(path, "r") as f:
        n = len(f["layers"])
        layers = [(np.array(f[f"layers/{k}/weight"], dtype=np.float64),
                   np.array(f[f"layers/{k}/bias"], dtype=np.float64)) for k in range(n)]
        lo, hi = float(f.attrs["input_lower"]), float(f.attrs["input_upper"])
    return layers, lo, hi


def write_net(path, layers, d, lo, hi, description=None):
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "relu-mlp"
        f.attrs["format_version"] = 1
        f.attrs["input_shape"] = np.array([d])
        f.attrs["input_lower"] = float(lo)
        f.attrs["input_upper"] = float(hi)
        f.attrs["name"] = os.path.splitext(os.path.basename(path))[0]
        if description:
            f.attrs["description"] = description
        for k, (W, b) in enumerate(layers):
            f[f"layers/{k}/weight"] = np.asarray(W, dtype=np.float64)
            f[f"layers/{k}/bias"] = np.asarray(b, dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# bounds

def interval(layers, x, eps, lo, hi):
    """Pre-activation bounds per hidden layer and post-activation bounds per layer 0..L."""
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


def interval_certificate(layers, post, label, j):
    WL, bL = layers[-1]
    c = WL[j] - WL[label]
    l, u = post[-1]
    return float(np.sum(np.where(c > 0, c * u, c * l)) + bL[j] - bL[label])


def sampled_lower_bound(layers, x, eps, lo, hi, label, j, rng, n=20000):
    """Best margin over random points of the box (corners, uniform, and the center)."""
    l, u = np.maximum(x - eps, lo), np.minimum(x + eps, hi)
    d = x.size
    pts = [x[None, :], l + (u - l) * rng.uniform(size=(n, d)),
           l + (u - l) * rng.integers(0, 2, size=(n, d))]
    z = np.vstack(pts)
    for W, b in layers[:-1]:
        z = np.maximum(z @ W.T + b, 0)
    WL, bL = layers[-1]
    s = z @ WL.T + bL
    return float(np.max(s[:, j] - s[:, label]))


# ---------------------------------------------------------------------------------------------
# SDP-cert

def sdp_problem(layers, x, eps, lo, hi, label):
    """Builds the lifted problem once; returns (problem, objective parameter setter, info)."""
    pre, post = interval(layers, x, eps, lo, hi)
    d = x.size
    alive = [np.arange(d)] + [np.flatnonzero(phi > 0) for _, phi in pre]
    sizes = [a.size for a in alive]
    offs = np.concatenate([[1], 1 + np.cumsum(sizes)])   # block k occupies [offs[k], offs[k+1])
    N = int(offs[-1])
    P = cp.Variable((N, N), symmetric=True)

    def vec(k):       # P[0, x_k]
        return P[0, offs[k]:offs[k + 1]]

    def block(k1, k2):
        return P[offs[k1]:offs[k1 + 1], offs[k2]:offs[k2 + 1]]

    cons = [P >> 0, P[0, 0] == 1]
    for k in range(1, len(alive)):
        if sizes[k] == 0:
            continue
        W, b = layers[k - 1]
        Wa = W[np.ix_(alive[k], alive[k - 1])]
        ba = b[alive[k]]
        cons.append(vec(k) >= 0)
        if sizes[k - 1] > 0:
            cons.append(vec(k) >= Wa @ vec(k - 1) + ba)
            # diag(W P[x_{k-1} x_k']) : entry m = sum_n W[m,n] P[x_{k-1,n}, x_{k,m}]
            cross = cp.sum(cp.multiply(Wa.T, block(k - 1, k)), axis=0)
        else:
            cons.append(vec(k) >= ba)
            cross = 0
        cons.append(cp.diag(block(k, k)) == cross + cp.multiply(ba, vec(k)))
    for k in range(len(alive)):
        if sizes[k] == 0:
            continue
        l, u = post[k][0][alive[k]], post[k][1][alive[k]]
        cons.append(cp.diag(block(k, k)) <= cp.multiply(l + u, vec(k)) - l * u)

    L = len(alive) - 1
    c = cp.Parameter(sizes[L])
    c0 = cp.Parameter()
    obj = (c @ vec(L) if sizes[L] > 0 else 0) + c0
    prob = cp.Problem(cp.Maximize(obj), cons)
    WL, bL = layers[-1]

    def set_target(j):
        c.value = (WL[j] - WL[label])[alive[L]]
        c0.value = float(bL[j] - bL[label])

    info = {"N": N, "alive": [int(s) for s in sizes], "pre": pre, "post": post}
    return prob, set_target, info


def solve(prob, solver):
    t = time.time()
    if solver == "CLARABEL":
        prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-9, tol_gap_rel=1e-9, tol_feas=1e-9,
                   tol_ktratio=1e-7, max_iter=500)
    else:
        prob.solve(solver=cp.SCS, eps_abs=1e-7, eps_rel=1e-7, max_iters=200000)
    assert prob.status == cp.OPTIMAL, (solver, prob.status)
    return float(prob.value), time.time() - t


def sdp_values(layers, x, eps, lo, hi, label, rng):
    prob, set_target, info = sdp_problem(layers, x, eps, lo, hi, label)
    out = {"clarabel": {}, "scs": {}, "interval": {}, "sampled": {}, "time": 0.0}
    for j in range(layers[-1][0].shape[0]):
        if j == label:
            continue
        set_target(j)
        vc, tc = solve(prob, "CLARABEL")
        vs, ts = solve(prob, "SCS")
        out["clarabel"][str(j)] = vc
        out["scs"][str(j)] = vs
        out["interval"][str(j)] = interval_certificate(layers, info["post"], label, j)
        out["sampled"][str(j)] = sampled_lower_bound(layers, x, eps, lo, hi, label, j, rng)
        out["time"] += tc + ts
    out["info"] = info
    return out


# ---------------------------------------------------------------------------------------------
# LP-cert (same problem as lp/make_lp_fixtures.py, input domain taken from the network)

def lp_values(layers, x, eps, lo, hi, label):
    pre, post = interval(layers, x, eps, lo, hi)
    sizes = [layers[0][0].shape[1]] + [W.shape[0] for W, _ in layers[:-1]]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    n = offsets[-1]
    bounds = [(post[0][0][i], post[0][1][i]) for i in range(sizes[0])]
    A_ub, b_ub, A_eq, b_eq = [], [], [], []
    for k, (W, b) in enumerate(layers[:-1]):
        plo, phi = pre[k]
        for m in range(W.shape[0]):
            row = np.zeros(n)
            row[offsets[k + 1] + m] = 1
            row[offsets[k]:offsets[k] + sizes[k]] = -W[m]
            if phi[m] <= 0:
                bounds.append((0, 0))
            elif plo[m] >= 0:
                bounds.append((None, None)); A_eq.append(row); b_eq.append(b[m])
            else:
                bounds.append((0, None))
                A_ub.append(-row); b_ub.append(-b[m])                # x >= Wx' + b
                s = phi[m] / (phi[m] - plo[m])
                r2 = np.zeros(n); r2[offsets[k + 1] + m] = 1
                r2[offsets[k]:offsets[k] + sizes[k]] = -s * W[m]
                A_ub.append(r2); b_ub.append(s * (b[m] - plo[m]))   # x <= s (Wx' + b - l)
    WL, bL = layers[-1]
    values = {}
    for j in range(WL.shape[0]):
        if j == label:
            continue
        c = np.zeros(n)
        c[offsets[-2]:offsets[-1]] = -(WL[j] - WL[label])
        res = linprog(c, A_ub=np.array(A_ub) if A_ub else None, b_ub=np.array(b_ub) if b_ub else None,
                      A_eq=np.array(A_eq) if A_eq else None, b_eq=np.array(b_eq) if b_eq else None,
                      bounds=bounds, method="highs",
                      options={"primal_feasibility_tolerance": 1e-10,
                               "dual_feasibility_tolerance": 1e-10})
        assert res.status == 0, res.message
        values[str(j)] = float(-res.fun + bL[j] - bL[label])
    return values


# ---------------------------------------------------------------------------------------------

def rel_diff(a, b):
    return abs(a - b) / max(1.0, abs(a), abs(b))


def main():
    import clarabel
    import scs
    print(f"cvxpy {cp.__version__}, clarabel {clarabel.__version__}, scs {scs.__version__}")
    t_start = time.time()
    rng = np.random.default_rng(7)

    # paper 1 §4.2 two-dimensional example
    two_d = [(np.array([[1.0, 1.0], [1.0, -1.0]]), np.zeros(2)),
             (np.array([[0.0, 0.0], [1.0, 1.0]]), np.zeros(2))]
    write_net(os.path.join(HERE, "two_d.h5"), two_d, 2, -1.0, 1.0,
              description="paper 1 §4.2: z1 = ReLU(x1 + x2), z2 = ReLU(x1 - x2); "
                          "score 1 - score 0 = z1 + z2")

    with open(os.path.join(FIXTURES, "lp", "cases.json")) as f:
        lp_cases = json.load(f)
    jobs = [("lp/" + c["network"], np.array(c["center"]), c["eps"], c["label"], c["lp"])
            for c in lp_cases]
    jobs.append(("sdp/two_d.h5", np.zeros(2), 1.0, 0, None))

    cases, rows, disagreements, problems = [], [], [], []
    for net, x, eps, label, lp_fixture in jobs:
        layers, lo, hi = read_net(os.path.join(FIXTURES, net))
        r = sdp_values(layers, x, eps, lo, hi, label, rng)
        lp = lp_values(layers, x, eps, lo, hi, label)
        if lp_fixture is not None:
            for j, v in lp_fixture.items():
                if rel_diff(v, lp[j]) > 1e-7:
                    problems.append(f"{net} eps={eps}: recomputed LP {lp[j]} != fixture {v}")
        entry = {"network": net, "center": x.tolist(), "eps": eps, "label": label,
                 "sdp": r["clarabel"], "sdp_scs": r["scs"]}
        if lp_fixture is None:
            entry["lp"] = lp
        cases.append(entry)
        for j in r["clarabel"]:
            vc, vs = r["clarabel"][j], r["scs"][j]
            flag = rel_diff(vc, vs) > REL_TOL
            if flag:
                disagreements.append((net, eps, label, j, vc, vs))
            tol = 1e-6 * max(1.0, abs(vc))
            if vc < r["sampled"][j] - tol:
                problems.append(f"{net} eps={eps} j={j}: SDP {vc} < sampled {r['sampled'][j]}")
            if vc > r["interval"][j] + tol:
                problems.append(f"{net} eps={eps} j={j}: SDP {vc} > interval {r['interval'][j]}")
            rows.append((net, eps, label, j, r["info"]["N"], r["sampled"][j], lp[j], vc, vs,
                         r["interval"][j], flag))
        print(f"  {net:14s} eps={eps:<5} N={r['info']['N']:3d} alive={r['info']['alive']} "
              f"solve {r['time']:.2f}s", flush=True)

    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)

    print()
    hdr = (f"{'network':14s} {'eps':>5s} {'i':>2s} {'j':>2s} {'N':>3s} {'sampled':>11s} "
           f"{'LP':>11s} {'SDP':>11s} {'SDP(SCS)':>11s} {'interval':>11s}  SDP-LP      note")
    print(hdr)
    print("-" * len(hdr))
    for net, eps, label, j, N, smp, lp, vc, vs, iv, flag in rows:
        note = "SDP<LP" if vc < lp - 1e-6 else ("SDP>LP" if vc > lp + 1e-6 else "SDP=LP")
        if flag:
            note += "  SOLVERS DISAGREE"
        print(f"{net:14s} {eps:5.2f} {label:2d} {j:>2s} {N:3d} {smp:11.6f} {lp:11.6f} {vc:11.6f} "
              f"{vs:11.6f} {iv:11.6f} {vc - lp:+10.6f}  {note}")
    n_lt = sum(r[7] < r[6] - 1e-6 for r in rows)
    n_gt = sum(r[7] > r[6] + 1e-6 for r in rows)
    print(f"\n{len(rows)} (case, target) pairs: SDP < LP in {n_lt}, SDP > LP in {n_gt}, "
          f"equal (1e-6) in {len(rows) - n_lt - n_gt}")
    print(f"Clarabel vs SCS disagreements (> {REL_TOL} relative): {len(disagreements)}")
    for d in disagreements:
        print("  ", d)
    for p in problems:
        print("PROBLEM:", p)
    print(f"total runtime {time.time() - t_start:.1f}s")


if __name__ == "__main__":
    main()
