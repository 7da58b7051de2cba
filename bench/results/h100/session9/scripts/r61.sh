#!/bin/bash
# session 9 run 61: the bounds at 1M: tf32 chunk scan and chunk state at 4 groups/SM (overrides) against HEAD's 5,
# two rounds in alternation, --cuda-graphs
P=$PWD/.device-pack; O=$OUT; W=/tmp/r61; rm -rf $W /tmp/device-jre; mkdir -p $W
b() { JMAMBA_BACKENDS=cuda JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc $2" timeout 120 $P/run-main.sh io.jmamba.bench.cli.Main bench kernels --device cuda:0 --dtype fp32 --series ssd --max-len 1M --runs 5 --cuda-graphs 2>&1 | grep -E "^ssd|rror|xception" | head -20 > $W/$1.txt; echo "== $1"; grep -E "64K|1M" $W/$1.txt; }
SC="-Djmamba.cuda.launchBounds.SsdTf32ScanKernels.chunkScanTf32=128,4"
ST="-Djmamba.cuda.launchBounds.SsdTf32StateKernels.chunkState=128,4"
for r in 1 2; do b head-r$r ""; b scan4-r$r "$SC"; b state4-r$r "$ST"; done
cd /tmp && tar czf $O/r61.tgz r61
