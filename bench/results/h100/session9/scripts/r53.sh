#!/bin/bash
# session 9 run 53: fp32 SSD on 3xTF32 tensor cores (SsdTf32StateKernels, SsdTf32ScanKernels): SSD tests on CUDA +
# NVIDIA OpenCL, A/B against BLOCKED_WIDE (bench kernels fp32, two rounds), registers and spills, kernel times
P=.device-pack; O=$OUT; rm -rf /tmp/device-jre /tmp/jc
nv=/usr/local/nvidia/lib64/libnvidia-opencl.so.1; mkdir -p /tmp/nv-icd; echo $nv > /tmp/nv-icd/nvidia.icd
b() { JMAMBA_BACKENDS=cuda JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc $2" timeout 120 $P/run-main.sh io.jmamba.bench.cli.Main bench kernels --device cuda:0 --dtype fp32 --series ssd --max-len 1M --runs 5 --cuda-graphs 2>&1 | grep -E "^ssd|rror|xception" | head -20 > $O/$1.txt; echo "== $1"; cat $O/$1.txt; }
b tf32-r1 ""
b wide-r1 "-Djmamba.ssd.fp32.variant=BLOCKED_WIDE"
b tf32-r2 ""
PTXAS=$(command -v ptxas || ls /usr/local/cuda*/bin/ptxas | head -1)
for f in /tmp/jc/cuda-ptx/*.ptx; do n=$(grep -m1 -o '\.entry [A-Za-z0-9_]*' $f | cut -d' ' -f2); case $n in *chunkScan*|*chunkState*|*Tf32*) echo "$n $($PTXAS -arch=sm_90 -O3 -v $f -o /tmp/x.cubin 2>&1 | grep -E 'registers|spill' | tr -s ' ' | tr '\n' ' ')";; esac; done | tee $O/ptxas.txt
JMAMBA_BACKENDS=cuda JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc" timeout 120 ncu --clock-control none --target-processes all --csv --page raw \
  --metrics gpu__time_duration.sum,launch__grid_size,launch__registers_per_thread \
  $P/run-main.sh io.jmamba.bench.cli.Main bench kernels --device cuda:0 --dtype fp32 --series ssd --max-len 64K --runs 2 --warmup 0 > $O/ncu-times.csv 2>/dev/null; echo "ncu rc=$?"
OCL_ICD_VENDORS=/tmp/nv-icd OCL_ICD_FILENAMES=$nv JMAMBA_BACKENDS=cuda,opencl JMAMBA_REQUIRE_BACKENDS=cuda,opencl JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc" timeout 200 $P/run-tests.sh --disable-banner --details=testfeed --exclude-tag slow \
  --include-package io.jmamba.kernels.ssd --include-classname '.*(SsdPropertyTest|SsdFixtureTest|SsdTf32StateTest|SsdWorkspaceTest|SsdGuardTest|SsdBadInputTest)' > $O/tests.log 2>&1; echo tests rc=$?
sed -i 's/\x1b\[[0-9;]*m//g' $O/tests.log; grep -hE "tests (successful|failed|found|aborted)" $O/tests.log; grep -E ":: (FAILED|ABORTED)" -A4 $O/tests.log | head -20
cd $O && tar czf r53.tgz *.txt *.log *.csv 2>/dev/null; ls $O
