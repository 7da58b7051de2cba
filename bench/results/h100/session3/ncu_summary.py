import csv,sys,collections
rows=[r for r in csv.reader(l for l in open(sys.argv[1]) if l.startswith('"'))]
h=rows[0]; units=rows[1]; data=rows[2:]
ki=h.index('Kernel Name'); ti=h.index('gpu__time_duration.sum'); gi=h.index('Grid Size') if 'Grid Size' in h else None; bi=h.index('Block Size') if 'Block Size' in h else None
print('unit',units[ti], 'kernels', len(data))
n=int(sys.argv[2])  # last n launches = last step
last=data[-n:]
agg=collections.OrderedDict()
for r in last:
    k=r[ki]; t=float(r[ti].replace(',',''))
    a=agg.setdefault(k,[0,0.0,r[gi] if gi else '',r[bi] if bi else '']); a[0]+=1; a[1]+=t
tot=sum(a[1] for a in agg.values())
for k,a in sorted(agg.items(), key=lambda x:-x[1][1]): print(f"{k[:60]:60s} {a[0]:4d} {a[1]/1000:8.1f} us  avg {a[1]/a[0]/1000:6.2f}  grid {a[2]} block {a[3]}")
print('total', tot/1000, 'us in', len(last))
