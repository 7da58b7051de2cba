"""Per-kernel times from ncu --csv --page raw with gpu__time_duration.sum and launch__grid_size: mean per (kernel, grid)."""
import collections
import csv
import sys

rows = list(csv.reader(open(sys.argv[1])))
hi = [i for i, r in enumerate(rows) if 'Kernel Name' in r][0]
hdr = rows[hi]
ix = {h: i for i, h in enumerate(hdr)}
agg = collections.OrderedDict()
for r in rows[hi + 2:]:
    if len(r) < len(hdr):
        continue
    key = (r[ix['Kernel Name']][:60], r[ix['launch__grid_size']])
    agg.setdefault(key, []).append(float(r[ix['gpu__time_duration.sum']].replace(',', '')))
for (name, grid), v in agg.items():
    print(f"{name:60s} grid {grid:>8s} n {len(v):2d} mean {sum(v) / len(v) / 1000:8.1f} us")
