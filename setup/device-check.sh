#!/usr/bin/env bash
# Runs the GPU validation on a machine with an NVIDIA GPU but no JDK or Maven, from a pack made here
# by ../shared/tools/device-pack.sh (EXTRA_MODULES=jdk.compiler for the fuzzer):
#   bash setup/device-check.sh PACK_DIR OUT_DIR [tests|fuzz|bench]...
# tests: every default test on JVM, PoCL (if present), CUDA and NVIDIA OpenCL, CUDA and OpenCL required
# fuzz:  the differential fuzzer (jmamba.fuzz.count, default 1000) on CUDA and NVIDIA OpenCL only
# bench: jmamba devices, bench kernels, the scaling sweep to 1M tokens, portability, CUDA microbenchmarks
set -u
P=$1; OUT=$2; shift 2
mkdir -p "$OUT"
nv=$(ls /usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.1 /usr/lib/libnvidia-opencl.so.1 /usr/local/nvidia/lib64/libnvidia-opencl.so.1 2>/dev/null | head -1)
mkdir -p /tmp/nv-icd && echo "$nv" > /tmp/nv-icd/nvidia.icd
summary() { grep -hE "tests (successful|failed|found|skipped)" "$@"; }
for step in "$@"; do
  case $step in
    tests)
      # a fresh PTX disk cache each run, so that "a cold compile takes time" holds on a reused machine
      JMAMBA_REQUIRE_BACKENDS=cuda,opencl JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=$(mktemp -d)" timeout ${TESTS_TIMEOUT:-420} "$P/run-tests.sh" --exclude-tag slow \
        --disable-banner --details=testfeed > "$OUT/tests.log" 2>&1
      echo "== tests"; summary "$OUT/tests.log"; grep -E "FAILED|ABORTED" "$OUT/tests.log" | head -40 ;;
    fuzz)
      OCL_ICD_VENDORS=/tmp/nv-icd OCL_ICD_FILENAMES=$nv JMAMBA_REQUIRE_BACKENDS=cuda,opencl \
        JAVA_TOOL_OPTIONS="-Djmamba.fuzz.count=${FUZZ_COUNT:-1000} -Djmamba.fuzz.seed=${FUZZ_SEED:-0x6a6d616d6261}" \
        timeout ${FUZZ_TIMEOUT:-400} "$P/run-tests.sh" --include-package io.jmamba.runtime.fuzz --disable-banner > "$OUT/fuzz.log" 2>&1
      echo "== fuzz"; summary "$OUT/fuzz.log"; grep -E "FAILED|ABORTED" "$OUT/fuzz.log" | head -20 ;;
    runtime)
      # the runtime tests (task graphs, backends, JIT, conformance) on CUDA and NVIDIA OpenCL; PoCL is CI's
      OCL_ICD_VENDORS=/tmp/nv-icd OCL_ICD_FILENAMES=$nv JMAMBA_REQUIRE_BACKENDS=cuda,opencl \
        JAVA_TOOL_OPTIONS="-Djmamba.cache.dir=$(mktemp -d)" timeout ${RUNTIME_TIMEOUT:-240} "$P/run-tests.sh" \
        --include-package io.jmamba.runtime --exclude-package io.jmamba.runtime.fuzz --exclude-tag slow \
        --disable-banner --details=testfeed > "$OUT/runtime.log" 2>&1
      echo "== runtime"; summary "$OUT/runtime.log"; grep -E "FAILED|ABORTED" "$OUT/runtime.log" | head -20 ;;
    fuzzmain)
      # FuzzMain batch by batch on CUDA + NVIDIA OpenCL; a batch that kills the JVM (a driver crash) is
      # logged and skipped, and the run goes on from the next batch.
      first=${FUZZ_FIRST:-0}; total=${FUZZ_COUNT:-1000}; end=$((SECONDS + ${FUZZ_TIMEOUT:-300}))
      : > "$OUT/fuzzmain.log"
      while (( first < total && SECONDS < end )); do
        OCL_ICD_VENDORS=/tmp/nv-icd OCL_ICD_FILENAMES=$nv JMAMBA_REQUIRE_BACKENDS=cuda,opencl \
          timeout $((end - SECONDS + 1)) "$P/run-main.sh" io.jmamba.runtime.fuzz.FuzzMain --first $first \
          --count $((total - first)) > /tmp/fm.log 2>&1; rc=$?
        cat /tmp/fm.log >> "$OUT/fuzzmain.log"
        done_n=$(grep -cE "^[0-9]+ programs, " /tmp/fm.log)
        if grep -q "^done:" /tmp/fm.log; then break; fi
        crashed=$((first + 25 * done_n))
        if (( rc == 124 )); then
          echo "TIME budget spent: programs from $crashed on were not run (FUZZ_FIRST=$crashed resumes)" | tee -a "$OUT/fuzzmain.log"
          break
        fi
        echo "CRASH rc=$rc in the batch starting at program $crashed" | tee -a "$OUT/fuzzmain.log"
        grep -m1 "Problematic frame" -A1 hs_err_pid*.log 2>/dev/null | tail -1 | tee -a "$OUT/fuzzmain.log"; rm -f hs_err_pid*.log
        first=$((crashed + 25))
      done
      echo "== fuzzmain"; grep -E "^done:|CRASH|TIME|failures so far" "$OUT/fuzzmain.log" | tail -8 ;;
    bench)
      M="$P/run-main.sh io.jmamba.bench.cli.Main"
      $M devices > "$OUT/devices.txt" 2>&1; cat "$OUT/devices.txt"
      timeout 150 $M bench kernels --out "$OUT/kernels" > "$OUT/bench-kernels.txt" 2>&1; tail -40 "$OUT/bench-kernels.txt"
      timeout 200 $M bench scaling --out "$OUT/scaling" > "$OUT/bench-scaling.txt" 2>&1; tail -45 "$OUT/bench-scaling.txt" ;;
    micro)
      timeout 120 "$P/run-main.sh" io.jmamba.bench.cuda.CudaMicroBench > "$OUT/micro.txt" 2>&1; cat "$OUT/micro.txt" ;;
    model)
      timeout 200 "$P/run-main.sh" io.jmamba.model.generate.ModelSpeedCommand --arch mamba2 --device cuda --prefill 2048,16384 \
        --decode-batch 1,64 --cuda-graphs both > "$OUT/model-mamba2.txt" 2>&1; cat "$OUT/model-mamba2.txt"
      timeout 150 "$P/run-main.sh" io.jmamba.model.generate.ModelSpeedCommand --arch mamba1 --device cuda --prefill 2048,16384 \
        --decode-batch 1,64 --cuda-graphs both > "$OUT/model-mamba1.txt" 2>&1; cat "$OUT/model-mamba1.txt" ;;
    portability)
      timeout 150 "$P/run-main.sh" io.jmamba.bench.cli.Main portability --out "$OUT/portability" > "$OUT/portability.txt" 2>&1; tail -40 "$OUT/portability.txt" ;;
  esac
done
