#!/bin/bash
# session 9 run 66: one bench scaling process timing the named fp32 SSD kernels against each other (new catalog ids),
# 16K..1M, and the bench package tests (SsdSeriesTest with the catalog ids) on CUDA + NVIDIA OpenCL
P=$PWD/.device-pack; O=$OUT; W=/tmp/r66; rm -rf $W /tmp/device-jre; mkdir -p $W
JMAMBA_BACKENDS=cuda JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc" timeout 200 $P/run-main.sh io.jmamba.bench.cli.Main bench scaling --device cuda:0 --series ssd-blocked_wide,ssd-tensor_3xtf32 --min-len 16K --max-len 1M --step 4 --runs 5 --cuda-graphs --out $W/scaling > $W/scaling.txt 2>&1; echo "scaling rc=$?"; grep -E "^ssd|slope|ssd-" $W/scaling.txt | head -20
nv=/usr/local/nvidia/lib64/libnvidia-opencl.so.1; mkdir -p /tmp/nv-icd; echo $nv > /tmp/nv-icd/nvidia.icd
OCL_ICD_VENDORS=/tmp/nv-icd OCL_ICD_FILENAMES=$nv JMAMBA_BACKENDS=cuda,opencl JMAMBA_REQUIRE_BACKENDS=cuda,opencl JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc" timeout 300 $P/run-tests.sh --disable-banner --details=testfeed --exclude-tag slow \
  --include-package io.jmamba.bench > $W/tests.log 2>&1; echo tests rc=$?
sed -i 's/\x1b\[[0-9;]*m//g' $W/tests.log; grep -hE "tests (successful|failed|found|aborted)" $W/tests.log; grep -E ":: (FAILED|ABORTED)" -A4 $W/tests.log | head -20
cd /tmp && tar czf $O/r66.tgz r66
