#!/usr/bin/env python3
"""The harness's seeded point selection, in Python: the same indices as `--points N --seed S`.

SplitMix64 (Steele, Lea, Flood 2014) drives a partial Fisher-Yates shuffle of 0..n-1; the first N
entries, sorted, are the points. Bounded integers use rejection sampling (no modulo bias).

    python3 scripts/sample_points.py --size 10000 --points 1000 --seed 0
"""
import argparse

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self, n):
        threshold = ((1 << 64) - n) % n
        while True:
            r = self.next()
            if r >= threshold:
                return r % n


def sample(size, count, seed):
    g = SplitMix64(seed)
    a = list(range(size))
    for i in range(count):
        j = i + g.uniform(size - i)
        a[i], a[j] = a[j], a[i]
    return sorted(a[:count])


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=10000, help="points in the split (test: 10000)")
    p.add_argument("--points", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    print(",".join(map(str, sample(a.size, a.points, a.seed))))
