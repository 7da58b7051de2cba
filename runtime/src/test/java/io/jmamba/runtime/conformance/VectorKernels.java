package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.WorkerGrid1D;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * FloatArray and BFloat16Array get4/set4: aligned indices (the vector path on CUDA), indices off by
 * 1, 2 and 3 elements (CUDA's scalar fallback; OpenCL's vload4 takes both), into private arrays at an
 * offset and into work-group local memory.
 */
public final class VectorKernels {
    static final int N = 256;

    private VectorKernels() {
    }

    /** out[4i..4i+3] = reversed, scaled a[4i..4i+3]. */
    public static void floatAligned(FloatArray a, FloatArray out, int quads) {
        for (@Parallel int i = 0; i < quads; i++) {
            float[] r = new float[4];
            a.get4(4L * i, r, 0);
            float[] w = new float[4];
            for (int k = 0; k < 4; k++) {
                w[k] = r[3 - k] * 2f + k;
            }
            out.set4(4L * i, w, 0);
        }
    }

    /** Loads at 4i + shift and stores at 4i + 3 - shift for every shift (misaligned on CUDA), at offsets in an 8-float array. */
    public static void floatMisaligned(FloatArray a, FloatArray out, int quads) {
        for (@Parallel int i = 0; i < quads; i++) {
            for (int shift = 0; shift < 4; shift++) {
                float[] r = new float[8];
                a.get4(4L * i + shift, r, 4);
                r[0] = r[4] - r[7];
                out.set4(16L * i + 4 * shift + (3 - shift), r, 0);
            }
        }
    }

    /** A tile of local memory filled by vector loads, read back transposed after a barrier. */
    public static void floatToLocal(KernelContext ctx, FloatArray a, FloatArray out) {
        float[] tile = ctx.allocateFloatLocalArray(4 * 64);
        int l = ctx.localIdx;
        long base = 4L * 64 * ctx.groupIdx;
        a.get4(base + 4L * l, tile, 4 * l);
        ctx.localBarrier();
        float[] r = new float[4];
        for (int k = 0; k < 4; k++) {
            r[k] = tile[k * 64 + l];
        }
        out.set4(base + 4L * l, r, 0);
    }

    /** bf16 quads widened, combined in float and rounded back, aligned and off by one. */
    public static void bf16Vectors(BFloat16Array b, BFloat16Array out, FloatArray wide, int quads) {
        for (@Parallel int i = 0; i < quads; i++) {
            float[] r = new float[4];
            b.get4(4L * i, r, 0);
            wide.set4(4L * i, r, 0);
            float[] s = new float[4];
            b.get4(4L * i + 1, s, 0);
            for (int k = 0; k < 4; k++) {
                s[k] = s[k] * 1.00390625f + r[k];
            }
            out.set4(8L * i + (i % 4), s, 0);
        }
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(VectorKernels.class, "floatAligned",
                        () -> new Object[] {Inputs.edgeFloats(N, 501), new FloatArray(N), N / 4}),
                ConformanceCase.of(VectorKernels.class, "floatMisaligned",
                        () -> new Object[] {Inputs.edgeFloats(N + 4, 502), new FloatArray(4 * N), N / 4}),
                ConformanceCase.of(VectorKernels.class, "floatToLocal",
                                () -> new Object[] {new KernelContext(), Inputs.edgeFloats(2 * 4 * 64, 503), new FloatArray(2 * 4 * 64)})
                        .withGrid(() -> new WorkerGrid1D(128).setLocalWork(64))
                        .withCheck(args -> {
                            float[] a = ((FloatArray) args[1]).toHeapArray();
                            float[] out = ((FloatArray) args[2]).toHeapArray();
                            for (int g = 0; g < 2; g++) {
                                for (int l = 0; l < 64; l++) {
                                    for (int k = 0; k < 4; k++) {
                                        int base = 256 * g;
                                        assertEquals(a[base + k * 64 + l], out[base + 4 * l + k], "out[" + (base + 4 * l + k) + "]");
                                    }
                                }
                            }
                        }),
                ConformanceCase.of(VectorKernels.class, "bf16Vectors",
                        () -> new Object[] {Bf16Kernels.edgeBf16(N + 4, 504), new BFloat16Array(2 * N + 8), new FloatArray(N), N / 4}));
    }
}
