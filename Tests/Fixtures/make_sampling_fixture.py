#!/usr/bin/env python3
"""Records the seeded point selection of scripts/sample_points.py (an independent Python
implementation of SplitMix64 + partial Fisher-Yates) for the Swift tests: sampling.json."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
from sample_points import SplitMix64, sample  # noqa: E402

g = SplitMix64(0)
cases = [{"size": s, "count": c, "seed": seed, "indices": sample(s, c, seed)}
         for s, c, seed in [(10000, 20, 0), (10000, 20, 1), (1000, 1000, 42), (59000, 10, 2**63 + 5), (5, 0, 3)]]
with open(os.path.join(HERE, "sampling.json"), "w") as f:
    json.dump({"splitmix64_seed0_first5": [g.next() for _ in range(5)], "cases": cases}, f)
print("wrote sampling.json")
