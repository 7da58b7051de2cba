import csv,sys,collections
rows=[r for r in csv.reader(l for l in open(sys.argv[1]) if l.startswith('"'))]
h=rows[0]; data=rows[2:]
def col(n): return h.index(n)
ki=col('Kernel Name'); ti=col('gpu__time_duration.sum'); gi=col('Grid Size'); bi=col('Block Size')
extra=[c for c in ['launch__registers_per_thread','sm__warps_active.avg.pct_of_peak_sustained_active','dram__throughput.avg.pct_of_peak_sustained_elapsed'] if c in h]
agg=collections.OrderedDict()
for r in data:
    k=(r[ki][:50],r[gi]); t=float(r[ti].replace(',',''))
    a=agg.setdefault(k,[0,0.0,r[bi]]+[r[col(c)] for c in extra]); a[0]+=1; a[1]+=t
for k,a in agg.items(): print(f"{k[0]:50s} grid {k[1]:>16s} blk {a[2]:>12s} n{a[0]:3d} avg {a[1]/a[0]/1000:8.1f} us  regs {a[3]} warps% {a[4]} dram% {a[5]}")
