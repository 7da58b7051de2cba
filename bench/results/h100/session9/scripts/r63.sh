#!/bin/bash
# session 9 run 63: the bench package tests with SsdSeriesTest (the fp32 SSD series on each device) on CUDA + NVIDIA OpenCL
P=$PWD/.device-pack; O=$OUT; W=/tmp/r63; rm -rf $W /tmp/device-jre; mkdir -p $W
nv=/usr/local/nvidia/lib64/libnvidia-opencl.so.1; mkdir -p /tmp/nv-icd; echo $nv > /tmp/nv-icd/nvidia.icd
OCL_ICD_VENDORS=/tmp/nv-icd OCL_ICD_FILENAMES=$nv JMAMBA_BACKENDS=cuda,opencl JMAMBA_REQUIRE_BACKENDS=cuda,opencl JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=/tmp/jc" timeout 400 $P/run-tests.sh --disable-banner --details=testfeed --exclude-tag slow \
  --include-package io.jmamba.bench > $W/tests.log 2>&1; echo tests rc=$?
sed -i 's/\x1b\[[0-9;]*m//g' $W/tests.log; grep -hE "tests (successful|failed|found|aborted)" $W/tests.log; grep -E ":: (FAILED|ABORTED)" -A4 $W/tests.log | head -20
cd /tmp && tar czf $O/r63.tgz r63
