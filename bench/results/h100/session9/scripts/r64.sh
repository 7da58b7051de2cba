#!/bin/bash
# session 9 run 64: Mamba-2 130M prefill with fp32 activations (the fp32 SSD inside), default kernels (3xTF32 SSD on
# CUDA) against -Djmamba.ssd.fp32.variant=BLOCKED_WIDE, two rounds in alternation; decode batch 1, 10 steps only
P=$PWD/.device-pack; O=$OUT; W=/tmp/r64; rm -rf $W /tmp/device-jre; mkdir -p $W
m() { JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc $2" timeout 140 $P/run-main.sh io.jmamba.bench.cli.Main model-speed --device cuda:0 --prefill 2048,16384 --decode-batch 1 --steps 10 --cuda-graphs on > $W/$1.txt 2>&1; echo "== $1 rc=$?"; grep -E 'model:|prefill' $W/$1.txt; }
for r in 1 2; do m tf32-r$r ""; m wide-r$r "-Djmamba.ssd.fp32.variant=BLOCKED_WIDE"; done
cd /tmp && tar czf $O/r64.tgz r64
