"""Reference values for paper 1's ablation (§6 remark): SDP-cert without the box constraints
P[x x] <= (l + u) P[x] - l u of the hidden layers (the input box stays), on the 13 cases of
cases.json, by cvxpy + Clarabel on the centred form (make_sdp_fixtures.py builds the problem).

Writes ablation.json: per case the network, center, eps, label and per target j the ablated
optimum ("sdp_no_hidden_box"), which can only be >= the full SDP's ("sdp" in cases.json).
Not run by `swift test`:

    python3 -m venv /tmp/cvxvenv && /tmp/cvxvenv/bin/pip install cvxpy clarabel scs h5py numpy
    /tmp/cvxvenv/bin/python Tests/Fixtures/sdp/make_ablation_fixtures.py
"""
import json
import os
import sys

import cvxpy as cp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_sdp_fixtures as base  # noqa: E402


def main():
    import clarabel
    print(f"cvxpy {cp.__version__}, clarabel {clarabel.__version__}")
    with open(os.path.join(HERE, "cases.json")) as f:
        cases = json.load(f)
    out, problems = [], []
    for c in cases:
        layers, lo, hi = base.read_net(os.path.join(base.FIXTURES, c["network"]))
        x = base.np.array(c["center"])
        data = base.sdp_data(layers, x, c["eps"], lo, hi, c["label"], hidden_boxes=False)
        cdata = base.centred(data)
        prob, X, Cpar, cons, mats = base.build_problem(cdata)
        T = data["T"]
        values = {}
        for key, full in c["sdp"].items():
            C, c0 = data["objective"](int(key))
            Cpar.value = (T.T @ C @ T).ravel()
            v, status, tol, _ = base.solve(prob, "CLARABEL")
            values[key] = v + c0
            if values[key] < full - 1e-6 * max(1.0, abs(full)):
                problems.append(f"{c['network']} eps={c['eps']} j={key}: ablated {values[key]} < full {full}")
            print(f"  {c['network']:22s} eps={c['eps']:<5} j={key}: full {full:.6f}  no hidden box {values[key]:.6f}  ({status})")
        out.append({"network": c["network"], "center": c["center"], "eps": c["eps"], "label": c["label"],
                    "sdp_no_hidden_box": values})
    with open(os.path.join(HERE, "ablation.json"), "w") as f:
        json.dump(out, f, indent=1)
    for p in problems:
        print("PROBLEM:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
