package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Tensor-core MMA with real-valued bf16 inputs, where the hardware's summation order and rounding
 * differ from the JVM's left-to-right float sums. Products of bf16 values are exact, so each result is
 * within k * 2^-24 * (|c| + sum |a_k b_k|) of the exact sum for any order of k float additions (the
 * standard bound for recursive summation); the two results may differ by twice that, which is the
 * tolerance, with k = 128 (a wrong fragment layout is off by whole products). The exact, bit-for-bit
 * comparison on small-integer inputs is in the conformance suite ({@link MmaKernels}).
 */
@Tag("gpu")
class MmaAccuracyGpuTest {
    @Test
    void bf16TilesWithinTensorCoreRounding() {
        List<ComputeDevice> cuda = DeviceMatrix.devices().stream().filter(d -> d.backendName().equals("cuda")).toList();
        if (cuda.isEmpty()) {
            if (DeviceMatrix.requiredBackends().contains("cuda")) {
                Assertions.fail("cuda is required (JMAMBA_REQUIRE_BACKENDS) but no CUDA device was found");
            }
            System.out.println("skipping MMA accuracy test: no CUDA device");
            Assumptions.abort("no CUDA device");
        }
        int m = 64;
        int n = 32;
        int k = 128;
        ConformanceCase c = new ConformanceCase("mmaAccuracy", MmaKernels.class, "bf16Tiles",
                () -> new Object[] {new KernelContext(), random(m * k, 1), random(k * n, 2), randomFloats(m * n, 3), n, k},
                () -> new WorkerGrid1D(32 * (m / 16) * (n / 8)).setLocalWork(128), Tolerance.exact(), null);
        Object[] ref = CaseRunner.runWith(c, DeviceMatrix.reference().orElseThrow(), c.args().get());
        BFloat16Array a = (BFloat16Array) ref[1];
        BFloat16Array b = (BFloat16Array) ref[2];
        FloatArray c0 = randomFloats(m * n, 3);
        for (ComputeDevice d : cuda) {
            float[] got = ((FloatArray) CaseRunner.runWith(c, d, c.args().get())[3]).toHeapArray();
            float[] want = ((FloatArray) ref[3]).toHeapArray();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double magnitude = Math.abs(c0.get(i * n + j));
                    for (int kk = 0; kk < k; kk++) {
                        magnitude += Math.abs((double) a.get(i * k + kk) * b.get(kk * n + j));
                    }
                    Assertions.assertEquals(want[i * n + j], got[i * n + j], 2.0 * k * 0x1p-24 * magnitude,
                            "C[" + i + "][" + j + "] on " + d.id());
                }
            }
        }
    }

    private static BFloat16Array random(int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        BFloat16Array x = new BFloat16Array(size);
        for (int i = 0; i < size; i++) {
            x.set(i, (float) r.nextGaussian());
        }
        return x;
    }

    private static FloatArray randomFloats(int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        FloatArray x = new FloatArray(size);
        for (int i = 0; i < size; i++) {
            x.set(i, (float) r.nextGaussian());
        }
        return x;
    }
}
