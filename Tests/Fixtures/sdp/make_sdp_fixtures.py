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

How it is solved. Every constraint is written as <A, P> (<= or ==) rhs. The reference value
("sdp") is Clarabel (tolerances 1e-9, falling back to 1e-8 if not reached) on the exactly
equivalent centred form P = T Q T' (x = mid + rad * z, so the box becomes diag(Q) <= 1; rows
scaled to max |coefficient| 1), which is far better conditioned than the raw form. Cross-checks:
SCS (eps 1e-7) on the centred form ("sdp_scs"; flagged if > 1e-4 relative from Clarabel), and
Clarabel on the raw form (printed only; flagged if > 1e-6 relative).

Values are primal optimal values (to solver tolerance), NOT rigorous upper bounds. Accuracy checks
per value, printed in the summary: it must lie between the best margin found by sampling the
input box (a lower bound on the true maximum) and the interval certificate (an upper bound on the
SDP, since the box on x_L forces l_L <= P[x_L] <= u_L); a dual bound built from the solver's
multipliers (const + N * lambda_max(D S D)^+, formulations.md "Sound value") must be >= the value
and within 1e-5 relative of it; the raw-constraint violation of the solution must be <= 1e-6.
A case's "notes" records a target whose Clarabel status was optimal_inaccurate.

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
import warnings

import sys

import cvxpy as cp
import h5py
import numpy as np
from scipy.optimize import linprog

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.dirname(HERE)
sys.path.insert(0, FIXTURES)
from fixture_common import interval_bounds  # noqa: E402
REL_TOL = 1e-4  # Clarabel vs SCS disagreement threshold (relative, floor 1 in the denominator)
RAW_TOL = 1e-6  # Clarabel centred vs raw form disagreement threshold (same convention)


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
#
# Every constraint is written as <A, P> (<= or ==) rhs with a symmetric N x N matrix A, so that the
# solver's multipliers give the Lagrangian matrix S = C - sum y_i A_i directly; that yields a dual
# bound  const + N * lambda_max(D S D)^+  (D = diag(1, r), r = max(|l|, |u|), formulations.md
# "Sound value"), valid for any multipliers with the right signs, used as an accuracy check.

def sym_unit(N, a, b, w=1.0):
    """Symmetric matrix A with <A, P> = w * P[a, b]."""
    A = np.zeros((N, N))
    if a == b:
        A[a, a] = w
    else:
        A[a, b] = A[b, a] = w / 2
    return A


def sdp_data(layers, x, eps, lo, hi, label, hidden_boxes=True):
    """hidden_boxes=False drops the box constraints of the hidden layers (paper 1's ablation;
    make_ablation_fixtures.py); the input box stays."""
    pre, post = interval_bounds(layers, x, eps, lo, hi)
    d = x.size
    alive = [np.arange(d)] + [np.flatnonzero(phi > 0) for _, phi in pre]
    sizes = [a.size for a in alive]
    offs = np.concatenate([[1], 1 + np.cumsum(sizes)]).astype(int)  # block k: [offs[k], offs[k+1])
    N = int(offs[-1])
    ineq, eq = [], []            # lists of (A, rhs)
    eq.append((sym_unit(N, 0, 0), 1.0))
    for k in range(1, len(alive)):
        W, b = layers[k - 1]
        Wa = W[np.ix_(alive[k], alive[k - 1])]
        ba = b[alive[k]]
        for m in range(sizes[k]):
            im = offs[k] + m
            ineq.append((sym_unit(N, 0, im, -1.0), 0.0))                       # -P[x_k] <= 0
            A = sym_unit(N, 0, im, -1.0)                                        # Wp' - p <= -b
            for n in range(sizes[k - 1]):
                A += sym_unit(N, 0, offs[k - 1] + n, Wa[m, n])
            ineq.append((A, -ba[m]))
            A = sym_unit(N, im, im) - sym_unit(N, 0, im, ba[m])                 # P_mm - b p_m
            for n in range(sizes[k - 1]):                                       #  - sum W P_nm = 0
                A -= sym_unit(N, offs[k - 1] + n, im, Wa[m, n])
            eq.append((A, 0.0))
    r = np.ones(N)
    T = np.eye(N)                # P = T Q T': x = mid + rad * z, |z| <= 1
    for k in range(len(alive)):
        l, u = post[k][0][alive[k]], post[k][1][alive[k]]
        for m in range(sizes[k]):
            im = offs[k] + m
            if hidden_boxes or k == 0:
                ineq.append((sym_unit(N, im, im) - sym_unit(N, 0, im, l[m] + u[m]), -l[m] * u[m]))
            r[im] = max(abs(l[m]), abs(u[m]))
            assert u[m] > l[m], "degenerate box: centring needs u > l"
            T[im, 0], T[im, im] = (l[m] + u[m]) / 2, (u[m] - l[m]) / 2
    L = len(alive) - 1
    WL, bL = layers[-1]

    def objective(j):
        c = (WL[j] - WL[label])[alive[L]]
        C = np.zeros((N, N))
        for m in range(sizes[L]):
            C += sym_unit(N, 0, offs[L] + m, c[m])
        return C, float(bL[j] - bL[label])

    return {"N": N, "alive": [int(s) for s in sizes], "pre": pre, "post": post, "ineq": ineq,
            "eq": eq, "r": r, "T": T, "objective": objective}


def centred(data):
    """The same problem in Q with P = T Q T' (a congruence, so Q >= 0 iff P >= 0): every lifted
    variable in [-1, 1], the box becomes diag(Q) <= 1; rows scaled to max |coefficient| 1.
    Much better conditioned (SCS needs it; Clarabel reaches tighter tolerances)."""
    T = data["T"]

    def tr(lst):
        out = []
        for A, b in lst:
            A = T.T @ A @ T
            s = np.abs(A).max()
            out.append((A / s, b / s))
        return out

    d = dict(data)
    d["ineq"], d["eq"], d["r"] = tr(data["ineq"]), tr(data["eq"]), np.ones(data["N"])
    return d


def build_problem(data):
    N = data["N"]
    P = cp.Variable((N, N), symmetric=True)
    Ai, bi, Ae, be = matrices(data)
    vecP = cp.vec(P, order="C")
    cons = [P >> 0, Ai @ vecP <= bi, Ae @ vecP == be]
    Cpar = cp.Parameter(N * N)
    prob = cp.Problem(cp.Maximize(Cpar @ vecP), cons)
    return prob, P, Cpar, cons, (Ai, bi, Ae, be)


def matrices(data):
    Ai = np.array([A.ravel() for A, _ in data["ineq"]])
    bi = np.array([b for _, b in data["ineq"]])
    Ae = np.array([A.ravel() for A, _ in data["eq"]])
    be = np.array([b for _, b in data["eq"]])
    return Ai, bi, Ae, be


def primal_violation(data, P):
    """Largest violation of the (raw) constraints by P: inequalities, equalities, -lambda_min."""
    Ai, bi, Ae, be = matrices(data)
    P = (P + P.T) / 2
    p = P.ravel()
    return max(float(np.max(Ai @ p - bi, initial=0.0)), float(np.max(np.abs(Ae @ p - be))),
               float(max(0.0, -np.linalg.eigvalsh(P)[0])))


def dual_bound(data, cons, mats, C, c0):
    """const + N * lambda_max(D S D)^+ from the solver's multipliers (any signs-correct choice is
    an upper bound on the SDP; D = diag(1, r) bounds diag(P) via the box)."""
    Ai, bi, Ae, be = mats
    N = data["N"]
    lam = np.maximum(np.asarray(cons[1].dual_value, dtype=float), 0.0)   # >= 0 for <= in a max
    mu = np.asarray(cons[2].dual_value, dtype=float)
    S = C - (lam @ Ai + mu @ Ae).reshape(N, N)
    S = (S + S.T) / 2
    const = c0 + lam @ bi + mu @ be
    St = S * np.outer(data["r"], data["r"])
    lmax = float(np.linalg.eigvalsh(St)[-1])
    margin = 1e-12 * N * max(1.0, float(np.abs(St).max()))
    return float(const + N * max(lmax + margin, 0.0))


CLARABEL_TOLS = (1e-9, 1e-8)


def solve(prob, solver):
    """Returns (value, status, tolerance used, seconds)."""
    t = time.time()
    if solver == "CLARABEL":
        for tol in CLARABEL_TOLS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prob.solve(solver=cp.CLARABEL, tol_gap_abs=tol, tol_gap_rel=tol, tol_feas=tol,
                           max_iter=500)
            if prob.status == cp.OPTIMAL:
                break
    else:
        tol = 1e-7
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prob.solve(solver=cp.SCS, eps_abs=tol, eps_rel=tol, max_iters=200000)
    assert prob.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE), (solver, prob.status)
    return float(prob.value), prob.status, tol, time.time() - t


def sdp_values(layers, x, eps, lo, hi, label, rng):
    """Per target: Clarabel on the centred form (the reference value), Clarabel on the raw form
    (cross-check), SCS on the centred form (cross-check), best dual bound, primal violation."""
    data = sdp_data(layers, x, eps, lo, hi, label)
    cdata = centred(data)
    T = data["T"]
    runs = {"raw": (data,) + build_problem(data), "ctr": (cdata,) + build_problem(cdata)}
    keys = ("clarabel", "clarabel_raw", "scs", "interval", "sampled", "dual", "viol", "status")
    out = {k: {} for k in keys}
    out["time"] = 0.0
    for j in range(layers[-1][0].shape[0]):
        if j == label:
            continue
        key = str(j)
        C, c0 = data["objective"](j)
        res = {}
        for name, (d, prob, X, Cpar, cons, mats) in runs.items():
            Cj = C if name == "raw" else T.T @ C @ T
            Cpar.value = Cj.ravel()
            v, st, tol, t = solve(prob, "CLARABEL")
            P = X.value if name == "raw" else T @ X.value @ T.T
            res[name] = (v + c0, st, tol, dual_bound(d, cons, mats, Cj, c0),
                         primal_violation(data, P))
            out["time"] += t
        d, prob, X, Cpar, cons, mats = runs["ctr"]
        Cpar.value = (T.T @ C @ T).ravel()
        vs, sts, _, t = solve(prob, "SCS")
        out["time"] += t
        out["clarabel"][key] = res["ctr"][0]
        out["clarabel_raw"][key] = res["raw"][0]
        out["scs"][key] = vs + c0
        out["dual"][key] = min(res["ctr"][3], res["raw"][3])
        out["viol"][key] = res["ctr"][4]
        out["status"][key] = (res["ctr"][1], res["ctr"][2], res["raw"][1], res["raw"][2], sts)
        out["interval"][key] = interval_certificate(layers, data["post"], label, j)
        out["sampled"][key] = sampled_lower_bound(layers, x, eps, lo, hi, label, j, rng)
    out["info"] = data
    return out


# ---------------------------------------------------------------------------------------------
# LP-cert (same problem as lp/make_lp_fixtures.py, input domain taken from the network)

def lp_values(layers, x, eps, lo, hi, label):
    pre, post = interval_bounds(layers, x, eps, lo, hi)
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
        notes = {}
        for j in r["clarabel"]:
            vc, vr, vs = r["clarabel"][j], r["clarabel_raw"][j], r["scs"][j]
            dual, viol = r["dual"][j], r["viol"][j]
            stc, tolc, str_, tolr, sts = r["status"][j]
            flag = rel_diff(vc, vs) > REL_TOL
            if flag:
                disagreements.append(f"{net} eps={eps} i={label} j={j}: clarabel {vc} scs {vs}")
            if rel_diff(vc, vr) > RAW_TOL:
                disagreements.append(f"{net} eps={eps} i={label} j={j}: clarabel centred {vc} "
                                     f"raw {vr} ({str_} at {tolr:g})")
            if stc != cp.OPTIMAL:
                notes[j] = (f"clarabel {stc} at tol {tolc:g}; dual bound - value = "
                            f"{dual - vc:.1e}, constraint violation {viol:.1e}")
            tol = 1e-6 * max(1.0, abs(vc))
            if vc < r["sampled"][j] - tol:
                problems.append(f"{net} eps={eps} j={j}: SDP {vc} < sampled {r['sampled'][j]}")
            if vc > r["interval"][j] + tol:
                problems.append(f"{net} eps={eps} j={j}: SDP {vc} > interval {r['interval'][j]}")
            if dual < vc - tol or dual - vc > 1e-5 * max(1.0, abs(vc)) or viol > 1e-6:
                problems.append(f"{net} eps={eps} j={j}: clarabel primal {vc}, dual bound {dual}, "
                                f"primal violation {viol:.1e}")
            status = "".join(("" if st == cp.OPTIMAL else "i") for st in (stc, str_, sts))
            rows.append((net, eps, label, j, r["info"]["N"], r["sampled"][j], lp[j], vc, vr - vc,
                         vs, r["interval"][j], flag, dual - vc, viol, (stc, str_, sts)))
        if notes:
            entry["notes"] = notes
        print(f"  {net:14s} eps={eps:<5} N={r['info']['N']:3d} alive={r['info']['alive']} "
              f"solve {r['time']:.2f}s", flush=True)

    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)

    print("\nsampled: best margin over 40001 points of the box (a lower bound on the true max); "
          "LP: LP-cert (HiGHS);\nSDP: Clarabel, centred form (the fixture value); raw-SDP: "
          "Clarabel on the raw form minus SDP;\nSCS: SCS, centred form; interval: interval "
          "certificate; dual-SDP: best dual bound from the multipliers minus SDP;\nviol: raw-"
          "constraint violation of the centred Clarabel solution; inaccurate: cvxpy status "
          "optimal_inaccurate (solver named)\n")
    hdr = (f"{'network':13s} {'eps':>4s} {'i':>1s} {'j':>1s} {'N':>2s} {'sampled':>10s} "
           f"{'LP':>10s} {'SDP':>10s} {'raw-SDP':>8s} {'SCS':>10s} {'interval':>10s} "
           f"{'SDP-LP':>10s} {'dual-SDP':>8s} {'viol':>7s}  note")
    print(hdr)
    print("-" * len(hdr))
    for net, eps, label, j, N, smp, lp, vc, dr, vs, iv, flag, gap, viol, sts in rows:
        note = "SDP<LP" if vc < lp - 1e-6 else ("SDP>LP" if vc > lp + 1e-6 else "SDP=LP")
        for name, st in zip(("clarabel", "clarabel-raw", "scs"), sts):
            if st != cp.OPTIMAL:
                note += f" {name}:inaccurate"
        if flag:
            note += "  SOLVERS DISAGREE"
        print(f"{net:13s} {eps:4.2f} {label:1d} {j:>1s} {N:2d} {smp:10.5f} {lp:10.5f} {vc:10.5f} "
              f"{dr:+8.1e} {vs:10.5f} {iv:10.5f} {vc - lp:+10.6f} {gap:8.1e} {viol:7.1e}  {note}")
    n_lt = sum(r[7] < r[6] - 1e-6 for r in rows)
    n_gt = sum(r[7] > r[6] + 1e-6 for r in rows)
    print(f"\n{len(rows)} (case, target) pairs: SDP < LP in {n_lt}, SDP > LP in {n_gt}, "
          f"equal (1e-6) in {len(rows) - n_lt - n_gt}")
    print(f"solver disagreements (Clarabel vs SCS > {REL_TOL}, centred vs raw Clarabel > "
          f"{RAW_TOL}, relative): {len(disagreements)}")
    for d in disagreements:
        print("  ", d)
    for p in problems:
        print("PROBLEM:", p)
    print(f"total runtime {time.time() - t_start:.1f}s")


if __name__ == "__main__":
    main()
