#!/usr/bin/env python3
"""An independent reference for problem (B)'s one-layer SDP relaxation: a dual barrier (interior
point) Newton method on the closed-form dual (numpy/scipy only; not used by `swift test`).

With y = (nu, eta, pi, mu) >= 0 the multipliers of z >= 0, z >= Wx + b, the products
z_m^2 <= (W x + b)_m z_m (lifted) and the squared ball ||z - zhat||^2 <= rho^2, the dual slack is
S = [[s00, r^T], [r, M]] with

    M = [[I, -1/2 W^T diag(pi)], [-1/2 diag(pi) W, diag(pi + mu)]],
    r = (-xhat + 1/2 W^T eta,  -1/2 nu - 1/2 eta - 1/2 b*pi - mu*zhat),

so the dual function is d(y) = ||xhat||^2 + eta^T b + mu (||zhat||^2 - rho^2) - r^T M^{-1} r
(the best y0), a lower bound on the relaxation's optimum for every y >= 0 with M > 0. This script
maximises d(y) + t (log det M + sum log y) by Newton's method for t -> 0; on the central path the
primal matrix is G(t) = g g^T + t (0 + M^{-1}) with g = (1, -M^{-1} r), whose eigenvalues give the
rank test (lambda1/lambda2) as an interior-point solver's answer would.

Usage: scripts/one_layer_dual_reference.py NETWORK INSTANCE RHO   (NETWORK: dense-1, dense-3, cnn;
x̂ = verification image INSTANCE, ẑ = f_1(verification image INSTANCE - 1), as `experiments rank1`;
-q: no per-iteration lines; `--patch LO K`, CNN only: the first convolution's 16 channels at
output positions LO..LO+K-1 with the pixels they see; `--attack FROM TO`: problem (A) through (B)
of Figures 5b-c instead, x̂ = verification image INSTANCE (0 allowed), one-hidden-layer networks.) Needs numpy, scipy, h5py (pip). Prints one JSON line: the dual value
(a lower bound on the relaxation's optimum, up to rounding), the primal objective
tr(X) - 2 x̂^T x + ||x̂||^2 of G(t), the squared ball's violation, lambda1/lambda2 of G(t), the final t.
"""
import gzip, json, pathlib, sys, time, warnings
import numpy as np, h5py, scipy.linalg as sl, scipy.sparse as sp

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Near t = 0 the Newton systems are ill-conditioned by nature (M becomes singular on the optimal
# face); the solves stay usable, and the reported violations say how well.
warnings.filterwarnings('ignore', category=sl.LinAlgWarning)


def first_layer(net):
    """The network's first layer (W, b) and its input map (an MNIST image to the network's input)."""
    with h5py.File(ROOT / 'networks' / 'paper2' / f'{net}.h5', 'r') as f:
        W = np.array(f['layers/0/weight'], dtype=np.float64)
        b = np.array(f['layers/0/bias'], dtype=np.float64)
        side = int(f.attrs['input_shape'][0])
    pool = 28 // side
    return W, b, lambda im: im.reshape(side, pool, side, pool).max(axis=(1, 3)).ravel()


def verification_image(i):
    """Verification image i (training image 59 000 + i), scaled to [0, 1]."""
    raw = gzip.open(ROOT / 'Data' / 'mnist' / 'train-images-idx3-ubyte.gz').read()
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 28, 28)[59000 + i].astype(np.float64) / 255


def instance(net, i):
    """Figure 5a's instance i: x̂ = verification image i, ẑ = f_1(verification image i - 1)."""
    W, b, prep = first_layer(net)
    return W, b, prep(verification_image(i)), np.maximum(0, W @ prep(verification_image(i - 1)) + b)


def attack_instance(net, i, label, target, rho):
    """Problem (A) through (B) at radius rho (Figures 5b-c; `LeastSquaresProblem.attack`): the ball
    of radius rho tangent to <w, z> + c = 0, w = W_L^T (e_label - e_target), from the target's side."""
    W, b, prep = first_layer(net)
    with h5py.File(ROOT / 'networks' / 'paper2' / f'{net}.h5', 'r') as f:
        last = str(len(f['layers']) - 1)
        WL = np.array(f[f'layers/{last}/weight'], dtype=np.float64)
        bL = np.array(f[f'layers/{last}/bias'], dtype=np.float64)
    w = WL[label] - WL[target]
    c = bL[label] - bL[target]
    norm2 = w @ w
    return W, b, prep(verification_image(i)), -w * (c / norm2 + rho / np.sqrt(norm2))


def solve(W, b, xh, zh, rho, verbose=True):
    n, n0 = W.shape
    N1 = n0 + n
    Ws = sp.csr_matrix(W)
    I_n = sp.identity(n, format='csr')
    # u_m = dM/dpi_m's factor: dM/dpi_m = u_m e_m^T + e_m u_m^T, u_m = (-1/2 w_m, 1/2 e_m).
    U = sp.vstack([-0.5 * Ws.T, 0.5 * I_n]).tocsc()
    nu_count = 3 * n + 1

    def evaluate(y, t, hessian):
        nu, eta, pi, mu = y[:n], y[n:2 * n], y[2 * n:3 * n], y[3 * n]
        M = np.zeros((N1, N1))
        M[:n0, :n0] = np.eye(n0)
        B = (Ws.T @ sp.diags(-0.5 * pi)).toarray()
        M[:n0, n0:] = B
        M[n0:, :n0] = B.T
        M[n0:, n0:] = np.diag(pi + mu)
        try:
            L = sl.cho_factor(M, lower=True)
        except np.linalg.LinAlgError:
            return None
        p = -xh + 0.5 * (Ws.T @ eta)
        q = -0.5 * nu - 0.5 * eta - 0.5 * b * pi - mu * zh
        c00 = xh @ xh + eta @ b + mu * (zh @ zh - rho * rho)
        r = np.concatenate([p, q])
        v = -sl.cho_solve(L, r)
        x, z = v[:n0], v[n0:]
        d = c00 + r @ v
        a = Ws @ x + b
        gd = np.concatenate([-z, a - z, z * z - a * z, [(z - zh) @ (z - zh) - rho * rho]])
        logdet = 2 * np.sum(np.log(np.diag(L[0])))
        phi = d + t * (logdet + np.sum(np.log(y)))
        if not hessian:
            return phi, None, d, x, z, None
        N = sl.cho_solve(L, np.eye(N1))
        NE = N[:, n0:]
        R = np.asarray(U.T @ NE)          # u_i^T N e_j
        Q = NE[n0:, :]                    # e_i^T N e_j
        glog = np.zeros(nu_count)
        glog[2 * n:3 * n] = 2 * np.diag(R)
        glog[3 * n] = np.trace(Q)
        g = gd + t * (glog + 1 / y)
        # Hessian of d: -1/2 J N J^T with J the constraints' Jacobian at v = (x, z).
        J = sp.vstack([
            sp.hstack([sp.csr_matrix((n, n0)), -I_n]),
            sp.hstack([Ws, -I_n]),
            sp.hstack([sp.diags(-z) @ Ws, sp.diags(2 * z - a)]),
            sp.hstack([sp.csr_matrix((1, n0)), sp.csr_matrix(2 * (z - zh)[None, :])]),
        ]).tocsr()
        JN = np.asarray(J @ N)
        H = -0.5 * np.asarray(J @ JN.T)   # J N J^T (J sparse)
        P = np.asarray(U.T @ np.asarray(U.T @ N).T)   # u_i^T N u_j
        Hl = np.zeros((nu_count, nu_count))
        Hl[2 * n:3 * n, 2 * n:3 * n] = -2 * (P * Q + R * R.T)
        RQ = np.einsum('ik,ki->i', R, Q)
        Hl[2 * n:3 * n, 3 * n] = -2 * RQ
        Hl[3 * n, 2 * n:3 * n] = -2 * RQ
        Hl[3 * n, 3 * n] = -np.sum(Q * Q)
        H = H + t * Hl
        H[np.diag_indices(nu_count)] -= t / y ** 2
        return phi, g, d, x, z, N, H, glog + 1 / y

    y = np.ones(nu_count)
    y[2 * n:3 * n] = 1e-3
    barrier = N1 + nu_count
    t, began, iteration, final = max(1.0, xh @ xh) / barrier, time.time(), 0, False

    def safe(y, step, fraction=0.9):
        """The longest step <= 1 that keeps y > 0 with `fraction` of the distance to the boundary."""
        negative = step < 0
        return min(1.0, fraction * np.min(-y[negative] / step[negative])) if np.any(negative) else 1.0

    while iteration < 400:
        iteration += 1
        phi, g, d, x, z, N, H, _ = evaluate(y, t, True)
        try:
            step = sl.cho_solve(sl.cho_factor(-H, lower=True), g)
        except np.linalg.LinAlgError:
            # -H is positive definite in exact arithmetic; where rounding breaks that (t tiny),
            # a symmetric indefinite solve of a slightly regularised system.
            step = sl.solve(-H + 1e-12 * np.max(np.abs(np.diag(H))) * np.eye(nu_count), g, assume_a='sym')
        decrement = g @ step
        s = safe(y, step, 0.99)
        while s > 1e-12:
            trial = y + s * step
            e = evaluate(trial, t, False)
            if e is not None and e[0] >= phi + 1e-4 * s * decrement:
                break
            s *= 0.5
        y = trial
        if verbose:
            print(f'it {iteration} t {t:.1e} d {d:.10f} decrement/t {decrement / t:.2e} step {s:.2g} ({time.time() - began:.1f} s)', flush=True)
        if final:
            if decrement / t < 1e-10 or s < 1e-6:
                break
            continue
        if decrement / t < 0.25 or s <= 1e-12:
            if t * barrier < 1e-8 * max(1.0, abs(d)):
                final = True   # centre exactly at the last t: G = t S^-1 needs it
                continue
            # Predictor: along the central path's tangent dy/dt = (-H)^-1 (barrier gradient) from
            # the centred point towards t/10, as far as y stays 10 % inside the orthant and M > 0.
            e = evaluate(y, t, True)
            move = -0.9 * t * sl.solve(-e[6], e[7], assume_a='sym')
            alpha = safe(y, move, 0.9)
            while alpha > 1e-3 and evaluate(y + alpha * move, t * (1 - 0.9 * alpha), False) is None:
                alpha *= 0.5
            if alpha > 1e-3:
                y = y + alpha * move
                t *= 1 - 0.9 * alpha
            else:
                t *= 0.5
    phi, g, d, x, z, N, _, _ = evaluate(y, t, True)
    # Primal on the central path: G = g g^T + t (0 + N).
    G = np.zeros((N1 + 1, N1 + 1))
    gvec = np.concatenate([[1.0], x, z])
    G += np.outer(gvec, gvec)
    G[1:, 1:] += t * N
    objective = np.trace(G[1:n0 + 1, 1:n0 + 1]) - 2 * xh @ x + xh @ xh
    ball = np.trace(G[n0 + 1:, n0 + 1:]) - 2 * zh @ z + zh @ zh - rho * rho
    Y, Z = G[1:n0 + 1, n0 + 1:], G[n0 + 1:, n0 + 1:]
    relu = max(np.max(-z), np.max(Ws @ x + b - z))
    product = np.max(np.diag(Z) - np.einsum('mi,im->m', W, Y) - b * z)
    ev = sl.eigvalsh(G, subset_by_index=[N1 - 1, N1])
    return dict(dual=d, primal=objective, ball_violation=ball, relu_violation=relu, product_violation=product,
                ratio=ev[1] / ev[0], t=t,
                iterations=iteration, seconds=time.time() - began)


if __name__ == '__main__':
    net, i, rho = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    if '--attack' in sys.argv:
        at = sys.argv.index('--attack')
        W, b, xh, zh = attack_instance(net, i, int(sys.argv[at + 1]), int(sys.argv[at + 2]), rho)
    else:
        W, b, xh, zh = instance(net, i)
    patch = None
    if '--patch' in sys.argv:
        # CNN only: all 16 channels at output positions lo..lo+k-1 (both axes) of the first
        # convolution (16 x 13 x 13, stride 2, 4 x 4 kernels) and the 2k+2 square pixels they see.
        at = sys.argv.index('--patch')
        lo, k = int(sys.argv[at + 1]), int(sys.argv[at + 2])
        rows = [c * 169 + r * 13 + q for c in range(16) for r in range(lo, lo + k) for q in range(lo, lo + k)]
        pixels = [r * 28 + q for r in range(2 * lo, 2 * lo + 2 * k + 2) for q in range(2 * lo, 2 * lo + 2 * k + 2)]
        W, b, xh, zh = W[np.ix_(rows, pixels)], b[rows], xh[pixels], zh[rows]
        patch = [lo, k]
    out = solve(W, b, xh, zh, rho, verbose='-q' not in sys.argv)
    print(json.dumps(dict(network=net, instance=i, radius=rho, patch=patch, **out)))
