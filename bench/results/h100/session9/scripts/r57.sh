#!/bin/bash
# session 9 run 57: fp32 SSD at the new bounds (scan and state 5 groups/SM, C B^T 4): bench two rounds, kernel times,
# ncu of the tf32 chunk scan and chunk state at 64K (pipes incl. tensor, warp states, source view), ptxas
P=.device-pack; O=$OUT; W=/tmp/r57; rm -rf $W /tmp/device-jre /tmp/jc; mkdir -p $W
b() { JMAMBA_BACKENDS=cuda JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc $3" timeout 120 $P/run-main.sh io.jmamba.bench.cli.Main bench kernels --device cuda:0 --dtype fp32 --series ssd --max-len $2 --runs 5 $4 2>&1 | grep -E "^ssd|rror|xception" | head -20 > $W/$1.txt; echo "== $1"; cat $W/$1.txt; }
b tf32-graphs-r1 1M "" --cuda-graphs
b tf32-eager 1M ""
b tf32-graphs-r2 1M "" --cuda-graphs
PTXAS=$(command -v ptxas || ls /usr/local/cuda*/bin/ptxas | head -1)
for f in /tmp/jc/cuda-ptx/*.ptx; do n=$(grep -m1 -o '\.entry [A-Za-z0-9_]*' $f | cut -d' ' -f2); case $n in *Tf32*) echo "$n $(grep -o 'minnctapersm.*' $f | tr '\n' ' ') $($PTXAS -arch=sm_90 -O3 -v $f -o /tmp/x.cubin 2>&1 | grep -E 'registers|spill' | tr -s ' ' | tr '\n' ' ')";; esac; done | tee $W/ptxas.txt
JMAMBA_BACKENDS=cuda JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc" timeout 120 ncu --clock-control none --target-processes all --csv --page raw \
  --metrics gpu__time_duration.sum,launch__grid_size,launch__registers_per_thread,launch__occupancy_limit_shared_mem,sm__warps_active.avg.pct_of_peak_sustained_active \
  $P/run-main.sh io.jmamba.bench.cli.Main bench kernels --device cuda:0 --dtype fp32 --series ssd --max-len 64K --runs 2 --warmup 0 > $W/ncu-times.csv 2>/dev/null; echo "ncu rc=$?"
prof() {
JMAMBA_BACKENDS=cuda JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc" timeout 200 ncu --clock-control none --target-processes all \
  --kernel-name regex:$2 --launch-skip 4 --launch-count 1 --section SpeedOfLight --section WarpStateStats --section SourceCounters --section InstructionStats --section Occupancy --section ComputeWorkloadAnalysis \
  --metrics sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active,sm__inst_executed_pipe_tensor_op_hmma.avg.pct_of_peak_sustained_active,sm__pipe_alu_cycles_active.avg.pct_of_peak_sustained_active,sm__pipe_fma_cycles_active.avg.pct_of_peak_sustained_active,sm__inst_executed_pipe_lsu.avg.pct_of_peak_sustained_active,lts__t_sectors.sum,dram__bytes.sum \
  -o $W/rep-$1 $P/run-main.sh io.jmamba.bench.cli.Main bench kernels --device cuda:0 --dtype fp32 --series ssd --max-len 64K --runs 1 --warmup 0 > $W/ncu-$1.log 2>&1; echo "ncu $1 rc=$?"
ncu -i $W/rep-$1.ncu-rep --page source --csv --print-source sass > $W/src-$1.csv 2>&1
ncu -i $W/rep-$1.ncu-rep --page details > $W/details-$1.txt 2>&1
rm -f $W/rep-$1.ncu-rep
}
prof scan chunkScanTf32
prof state Tf32StateKernels
grep -hE "Duration|pct_of_peak|Issue Slots Busy|Achieved Occupancy|Block Limit Shared|lts__t_sectors|dram__bytes|Warp Cycles Per Issued" $W/details-*.txt
cd /tmp && tar czf $O/r57.tgz r57 && ls -la $O
