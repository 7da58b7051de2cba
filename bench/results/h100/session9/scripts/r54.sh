#!/bin/bash
# session 9 run 54: ncu of the 3xTF32 fp32 SSD kernels at 64K (chunk scan, chunk state): speed of light, warp states,
# source view, memory; ptxas and SASS of every SSD kernel
P=.device-pack; O=$OUT; W=/tmp/r54; rm -rf $W; mkdir -p $W
PTXAS=$(command -v ptxas || ls /usr/local/cuda*/bin/ptxas | head -1); CUOBJ=$(command -v cuobjdump || ls /usr/local/cuda*/bin/cuobjdump | head -1)
prof() { # name series dtype kernel-regex skip
JMAMBA_BACKENDS=cuda JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc" timeout 200 ncu --clock-control none --target-processes all \
  --kernel-name regex:$4 --launch-skip $5 --launch-count 1 --section SpeedOfLight --section WarpStateStats --section SourceCounters --section InstructionStats --section Occupancy --section MemoryWorkloadAnalysis --section ComputeWorkloadAnalysis --section LaunchStats \
  -o $W/rep-$1 $P/run-main.sh io.jmamba.bench.cli.Main bench kernels --device cuda:0 --dtype $3 --series $2 --max-len 64K --runs 1 --warmup 0 > $W/ncu-$1.log 2>&1; echo "ncu $1 rc=$?"
ncu -i $W/rep-$1.ncu-rep --page source --csv --print-source sass > $W/src-$1.csv 2>&1
ncu -i $W/rep-$1.ncu-rep --page details > $W/details-$1.txt 2>&1
rm -f $W/rep-$1.ncu-rep
}
prof tf32-scan ssd fp32 chunkScanTf32 4
prof tf32-state ssd fp32 Tf32StateKernels 4
for f in /tmp/jc/cuda-ptx/*.ptx; do n=$(grep -m1 -o '\.entry [A-Za-z0-9_]*' $f | cut -d' ' -f2); case $n in *Tf32*) $PTXAS -arch=sm_90 -O3 -v $f -o $W/$n.cubin 2> $W/$n.ptxas.txt; $CUOBJ -sass $W/$n.cubin > $W/$n.sass; cp $f $W/$n.ptx;; esac; done
grep -h "Duration\|Registers Per\|Achieved Occupancy\|Compute (SM) Throughput\|Memory Throughput\|L2 Cache Throughput\|DRAM Throughput\|Issue Slots Busy\|Executed Ipc A" $W/details-*.txt
cd /tmp && tar czf $O/r54.tgz r54 && ls -la $O
