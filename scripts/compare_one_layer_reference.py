#!/usr/bin/env python3
"""Runs scripts/one_layer_dual_reference.py on Figure 5a's one-layer instances and compares it
with the solves in a result store (method rank1, options layers=1,solver=ipm by default).

Usage: scripts/compare_one_layer_reference.py STORE NETWORK FIRST LAST [SHARD/COUNT] [--out FILE.jsonl]
Runs instances FIRST..LAST at every radius the store has for them (radii of shard SHARD of COUNT
when given, to run on several cores), writes one JSON line per solve to --out (resumes from it),
then prints: pairs, rank-1 verdicts (lambda1/lambda2 > 1e3) that agree, and the relative difference
of the store's objective from the reference's primal and dual values.
"""
import importlib.util, json, pathlib, sqlite3, sys

here = pathlib.Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location('reference', here / 'one_layer_dual_reference.py')
reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reference)

argv = sys.argv[1:]
out = pathlib.Path(argv.pop(argv.index('--out') + 1)) if '--out' in argv else None
args = [a for a in argv if not a.startswith('--')]
store, network, first, last = args[0], args[1], int(args[2]), int(args[3])
shard, count = (map(int, args[4].split('/')) if len(args) > 4 else (1, 1))
options = 'layers=1,solver=ipm'
db = sqlite3.connect(store)
rows = db.execute(
    "select eps, point, value, json_extract(details, '$.rank_ratio') from results "
    "where network = ? and method = 'rank1' and options = ? and point between ? and ? and status = 'optimal'",
    (network, options, first, last)).fetchall()
done = {}
if out and out.exists():
    for line in out.read_text().splitlines():
        d = json.loads(line)
        done[(d['radius'], d['instance'])] = d
radii = sorted({r[0] for r in rows})
mine = set(radii[shard - 1::count])
cache = {}
for eps, point, value, ratio in sorted(rows, key=lambda r: (r[1], r[0])):
    if eps not in mine or (eps, point) in done:
        continue
    if point not in cache:
        cache.clear()
        cache[point] = reference.instance(network, point)
    result = reference.solve(*cache[point], eps, verbose=False)
    d = dict(network=network, instance=point, radius=eps, **{k: float(v) for k, v in result.items()})
    done[(eps, point)] = d
    if out:
        with out.open('a') as f:
            f.write(json.dumps(d) + '\n')
pairs = agree = 0
worst = (0.0, None)
high = []
for eps, point, value, ratio in rows:
    d = done.get((eps, point))
    if d is None:
        continue
    pairs += 1
    theirs = (ratio is None) or ratio > 1e3      # null: infinite
    agree += theirs == (d['ratio'] > 1e3)
    if theirs != (d['ratio'] > 1e3):
        print(f'verdicts differ: rho {eps} instance {point}: store {ratio}, reference {d["ratio"]:.6g}')
    diff = (value - d['primal']) / max(1.0, abs(d['primal']))
    high.append(diff)
    if abs(diff) > abs(worst[0]):
        worst = (diff, (eps, point, value, d['primal'], d['dual']))
if pairs:
    high.sort()
    print(f'{pairs} pairs, rank-1 verdicts agree on {agree}; store objective minus the reference primal, '
          f'relative: median {high[len(high) // 2]:.2e}, largest {worst[0]:.2e} at rho, instance, store, primal, dual = {worst[1]}')
    print(f'largest violation of the reference primal: {max(max(d["ball_violation"], d["relu_violation"], d["product_violation"]) for d in done.values()):.2e}')
