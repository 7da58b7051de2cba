#!/bin/bash
# session 9 run 60: every kernels.* test on CUDA + NVIDIA OpenCL at HEAD (not slow-tagged), as a summary per package
P=$PWD/.device-pack; O=$OUT; W=/tmp/r60; rm -rf $W /tmp/device-jre; mkdir -p $W
nv=/usr/local/nvidia/lib64/libnvidia-opencl.so.1; mkdir -p /tmp/nv-icd; echo $nv > /tmp/nv-icd/nvidia.icd
OCL_ICD_VENDORS=/tmp/nv-icd OCL_ICD_FILENAMES=$nv JMAMBA_BACKENDS=cuda,opencl JMAMBA_REQUIRE_BACKENDS=cuda,opencl JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc" timeout 560 $P/run-tests.sh --disable-banner --details=tree --exclude-tag slow \
  --include-package io.jmamba.kernels > $W/kernels-suite.log 2>&1; echo tests rc=$?
sed -i 's/\x1b\[[0-9;]*m//g' $W/kernels-suite.log; grep -hE "tests (successful|failed|found|aborted|skipped)" $W/kernels-suite.log; grep -E "\[X\]|✘" $W/kernels-suite.log | head -20
cd /tmp && tar czf $O/r60.tgz r60 && ls -la $O
