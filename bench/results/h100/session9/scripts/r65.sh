#!/bin/bash
# session 9 run 65: same-run A/B of two Tf32Split steps, with temporary builds of the kernels module (not committed):
# "round" = split by cvt.rna rounding (run 53's form) with HEAD's passes; "tile" = HEAD's truncation with the three
# products tile by tile (before mma3's passes). Two rounds in alternation, --cuda-graphs
P=$PWD/.device-pack; O=$OUT; W=/tmp/r65; rm -rf $W /tmp/device-jre /tmp/pk-*; mkdir -p $W
for v in round tile; do mkdir -p /tmp/pk-$v; cp -r $P/env.sh $P/run-main.sh $P/jre.tgz $P/lib /tmp/pk-$v/; mkdir -p /tmp/pk-$v/classes; for d in $P/classes/*; do ln -s $d /tmp/pk-$v/classes/$(basename $d); done; rm /tmp/pk-$v/classes/kernels_target_classes; ln -s $P/alt/$v/kernels_target_classes /tmp/pk-$v/classes/kernels_target_classes; done
b() { JMAMBA_BACKENDS=cuda JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc-$2" timeout 120 $3/run-main.sh io.jmamba.bench.cli.Main bench kernels --device cuda:0 --dtype fp32 --series ssd --max-len 1M --runs 5 --cuda-graphs 2>&1 | grep -E "^ssd|rror|xception" | head -20 > $W/$1.txt; echo "== $1"; grep -E "64K|1M|rror" $W/$1.txt; }
for r in 1 2; do b head-r$r head $P; b round-r$r round /tmp/pk-round; b tile-r$r tile /tmp/pk-tile; done
cd /tmp && tar czf $O/r65.tgz r65
