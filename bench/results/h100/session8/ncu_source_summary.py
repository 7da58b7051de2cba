"""Summarises an ncu source view (ncu -i REP --page source --csv --print-source sass): warp instructions by opcode
with their share of stall samples, the stall reasons, and instructions and samples per 100-line region of the SASS."""
import collections
import csv
import re
import sys

rows = list(csv.reader(open(sys.argv[1])))
hdr = rows[1]
data = [r for r in rows[2:] if len(r) >= len(hdr)]
ix = {h: i for i, h in enumerate(hdr)}
ie, iss = ix["Instructions Executed"], ix["Warp Stall Sampling (All Samples)"]
total = sum(int(r[ie] or 0) for r in data)
samples = sum(int(r[iss] or 0) for r in data)
by, st = collections.Counter(), collections.Counter()
for r in data:
    op = re.sub(r'^@!?U?P\w+\s+', '', r[1].strip())
    opc = op.split()[0] if op else '?'
    by[opc] += int(r[ie] or 0)
    st[opc] += int(r[iss] or 0)
print(f"{rows[0][1]}: {total} warp instructions, {samples} stall samples")
for k, v in by.most_common(20):
    print(f"  {k:28s} {v:12d} {100 * v / total:6.2f}%  stall samples {100 * st[k] / max(samples, 1):5.1f}%")
reasons = collections.Counter()
for i, h in enumerate(hdr):
    if h.startswith('stall_') and 'Not Issued' not in h:
        reasons[h] = sum(int(r[i] or 0) for r in data)
s = sum(reasons.values())
print("stall reasons: " + ", ".join(f"{k[6:]} {100 * v / s:.1f}%" for k, v in reasons.most_common(8)))
print("per 100 SASS lines (regions with > 1% of the samples):")
for b in range(0, len(data), 100):
    seg = data[b:b + 100]
    ex = sum(int(r[ie] or 0) for r in seg)
    sm = sum(int(r[iss] or 0) for r in seg)
    if sm > samples / 100:
        kinds = collections.Counter(k for r in seg for k in ('HMMA', 'MUFU', 'LDGSTS', 'LDSM', 'BAR') if k in r[1])
        print(f"  lines {b:5d}+ {ex / 1e6:7.1f}M instructions, {100 * sm / samples:5.1f}% of samples  {dict(kinds)}")
