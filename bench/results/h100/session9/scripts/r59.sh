#!/bin/bash
# session 9 run 59: D per head folded into the tf32 chunk scan's diagonal, the fp32 SSD default by device
# (TENSOR_3XTF32 on CUDA only): bench fp32 SSD graphs/eager two rounds each + BLOCKED_WIDE; NVIDIA OpenCL tensor vs
# wide; kernel times; SSD + model tests on CUDA + NVIDIA OpenCL
P=$PWD/.device-pack; O=$OUT; W=/tmp/r59; rm -rf $W /tmp/device-jre /tmp/jc; mkdir -p $W
nv=/usr/local/nvidia/lib64/libnvidia-opencl.so.1; mkdir -p /tmp/nv-icd; echo $nv > /tmp/nv-icd/nvidia.icd
b() { OCL_ICD_VENDORS=/tmp/nv-icd OCL_ICD_FILENAMES=$nv JMAMBA_BACKENDS=cuda,opencl JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc $3" timeout 150 $P/run-main.sh io.jmamba.bench.cli.Main bench kernels --dtype fp32 --series ssd --max-len $2 --runs 5 $4 2>&1 | grep -E "^ssd|rror|xception" | head -20 > $W/$1.txt; echo "== $1"; cat $W/$1.txt; }
b tf32-graphs-r1 1M "" "--device cuda:0 --cuda-graphs"
b tf32-eager-r1 1M "" "--device cuda:0"
b wide-graphs 1M "-Djmamba.ssd.fp32.variant=BLOCKED_WIDE" "--device cuda:0 --cuda-graphs"
b tf32-graphs-r2 1M "" "--device cuda:0 --cuda-graphs"
b tf32-eager-r2 1M "" "--device cuda:0"
b nvocl-default 64K "" "--device opencl:0:0"
b nvocl-tf32 64K "-Djmamba.ssd.fp32.variant=TENSOR_3XTF32" "--device opencl:0:0"
JMAMBA_BACKENDS=cuda JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc" timeout 120 ncu --clock-control none --target-processes all --csv --page raw \
  --metrics gpu__time_duration.sum,launch__grid_size,launch__registers_per_thread \
  $P/run-main.sh io.jmamba.bench.cli.Main bench kernels --device cuda:0 --dtype fp32 --series ssd --max-len 64K --runs 2 --warmup 0 > $W/ncu-times.csv 2>/dev/null; echo "ncu rc=$?"
OCL_ICD_VENDORS=/tmp/nv-icd OCL_ICD_FILENAMES=$nv JMAMBA_BACKENDS=cuda,opencl JMAMBA_REQUIRE_BACKENDS=cuda,opencl JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc" timeout 330 $P/run-tests.sh --disable-banner --details=testfeed --exclude-tag slow \
  --include-package io.jmamba.kernels.ssd --include-package io.jmamba.model --include-classname '.*Test' > $W/tests.log 2>&1; echo tests rc=$?
sed -i 's/\x1b\[[0-9;]*m//g' $W/tests.log; grep -hE "tests (successful|failed|found|aborted)" $W/tests.log; grep -E ":: (FAILED|ABORTED)" -A4 $W/tests.log | head -20
cd /tmp && tar czf $O/r59.tgz r59 && ls -la $O
