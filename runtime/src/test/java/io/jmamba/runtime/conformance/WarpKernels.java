package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.api.WorkerGrid2D;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Warp operations: every shuffle flavour (with lane arguments past 31 and negative), reductions and
 * the inclusive scan in float and int, a block-wide scan and a grid reduction built from them, a 2-D
 * work-group, and a warp operation inside a helper method. The JVM result is checked against sums,
 * maxima and prefixes computed here independently (in the documented order for floats); compiled
 * backends must match the JVM bit for bit.
 */
public final class WarpKernels {
    static final int N = 256;
    static final int W = KernelContext.WARP_SIZE;

    private WarpKernels() {
    }

    public static void shuffles(KernelContext ctx, FloatArray in, IntArray inI, FloatArray out, IntArray outI) {
        int g = ctx.globalIdx;
        int lane = ctx.laneId();
        float v = in.get(g);
        int x = inI.get(g);
        out.set(8 * g, ctx.shuffle(v, lane * 7 + 3));
        out.set(8 * g + 1, ctx.shuffle(v, -1));
        out.set(8 * g + 2, ctx.shuffleXor(v, 5));
        out.set(8 * g + 3, ctx.shuffleXor(v, 37));
        out.set(8 * g + 4, ctx.shuffleUp(v, 3));
        out.set(8 * g + 5, ctx.shuffleDown(v, 3));
        out.set(8 * g + 6, ctx.shuffleUp(v, 0));
        out.set(8 * g + 7, ctx.shuffleDown(v, 33));
        outI.set(8 * g, ctx.shuffle(x, lane * 7 + 3));
        outI.set(8 * g + 1, ctx.shuffle(x, -1));
        outI.set(8 * g + 2, ctx.shuffleXor(x, 5));
        outI.set(8 * g + 3, ctx.shuffleXor(x, 37));
        outI.set(8 * g + 4, ctx.shuffleUp(x, 3));
        outI.set(8 * g + 5, ctx.shuffleDown(x, 3));
        outI.set(8 * g + 6, ctx.shuffleUp(x, 31));
        outI.set(8 * g + 7, ctx.shuffleDown(x, ctx.warpSize() + 1));
    }

    public static void reductions(KernelContext ctx, FloatArray in, IntArray inI, FloatArray out, IntArray outI) {
        int g = ctx.globalIdx;
        float v = in.get(g);
        int x = inI.get(g);
        out.set(4 * g, ctx.warpReduceSum(v));
        out.set(4 * g + 1, ctx.warpReduceMax(v));
        out.set(4 * g + 2, ctx.warpReduceMin(v));
        out.set(4 * g + 3, ctx.warpInclusiveScanSum(v));
        outI.set(4 * g, ctx.warpReduceSum(x));
        outI.set(4 * g + 1, ctx.warpReduceMax(x));
        outI.set(4 * g + 2, ctx.warpReduceMin(x));
        outI.set(4 * g + 3, ctx.warpInclusiveScanSum(x));
    }

    /**
     * Inclusive scan of each work-group's 256 elements: a warp scan, the warps' totals through local
     * memory, a second warp scan of the totals that every warp performs (warp operations need the whole
     * group), then each element adds the totals of the warps before it.
     */
    public static void blockScan(KernelContext ctx, FloatArray in, FloatArray out, IntArray inI, IntArray outI) {
        float[] totals = ctx.allocateFloatLocalArray(8);
        int[] totalsI = ctx.allocateIntLocalArray(8);
        int g = ctx.globalIdx;
        int lane = ctx.laneId();
        int warp = ctx.localIdx / ctx.warpSize();
        float s = ctx.warpInclusiveScanSum(in.get(g));
        int si = ctx.warpInclusiveScanSum(inI.get(g));
        if (lane == 31) {
            totals[warp] = s;
            totalsI[warp] = si;
        }
        ctx.localBarrier();
        float t = ctx.warpInclusiveScanSum(lane < 8 ? totals[lane] : 0f);
        int ti = ctx.warpInclusiveScanSum(lane < 8 ? totalsI[lane] : 0);
        float before = ctx.shuffle(t, warp - 1);
        int beforeI = ctx.shuffle(ti, warp - 1);
        out.set(g, warp == 0 ? s : s + before);
        outI.set(g, warp == 0 ? si : si + beforeI);
    }

    /** Grid-stride partial sums, reduced per warp; lane 0 writes the warp's total. */
    public static void gridReduce(KernelContext ctx, FloatArray in, FloatArray partial, int n) {
        float acc = 0f;
        for (int i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            acc += in.get(i);
        }
        float total = ctx.warpReduceSum(acc);
        if (ctx.laneId() == 0) {
            partial.set(ctx.globalIdx / ctx.warpSize(), total);
        }
    }

    /** A 32 x 2 work-group: each row is one warp. */
    public static void twoDimensional(KernelContext ctx, IntArray in, IntArray out, int width) {
        int i = ctx.globalIdy * width + ctx.globalIdx;
        int v = in.get(i);
        out.set(2 * i, ctx.warpReduceSum(v) + 1000 * ctx.localIdy);
        out.set(2 * i + 1, ctx.shuffleXor(v, 1));
    }

    private static float warpMean(KernelContext ctx, float v) {
        return ctx.warpReduceSum(v) / ctx.warpSize();
    }

    /** A warp reduction in a helper method (OpenCL passes it the scratch array). */
    public static void inHelper(KernelContext ctx, FloatArray in, FloatArray out) {
        int g = ctx.globalIdx;
        float v = in.get(g);
        out.set(g, v - warpMean(ctx, v));
    }

    static List<ConformanceCase> cases() {
        return List.of(
                ConformanceCase.of(WarpKernels.class, "shuffles", () -> new Object[] {new KernelContext(),
                                Inputs.edgeFloats(N, 401), Inputs.edgeInts(N, 402), new FloatArray(8 * N), new IntArray(8 * N)})
                        .withGrid(() -> new WorkerGrid1D(N).setLocalWork(64))
                        .withCheck(WarpKernels::checkShuffles),
                ConformanceCase.of(WarpKernels.class, "reductions", () -> new Object[] {new KernelContext(),
                                reductionFloats(N, 403), Inputs.edgeInts(N, 404), new FloatArray(4 * N), new IntArray(4 * N)})
                        .withGrid(() -> new WorkerGrid1D(N).setLocalWork(128))
                        .withCheck(WarpKernels::checkReductions),
                ConformanceCase.of(WarpKernels.class, "blockScan", () -> new Object[] {new KernelContext(),
                                Inputs.floats(2 * N, 405, -10, 10), new FloatArray(2 * N), Inputs.ints(2 * N, 406, -1000, 1000),
                                new IntArray(2 * N)})
                        .withGrid(() -> new WorkerGrid1D(2 * N).setLocalWork(256))
                        .withCheck(WarpKernels::checkBlockScan),
                ConformanceCase.of(WarpKernels.class, "gridReduce", () -> new Object[] {new KernelContext(),
                                Inputs.floats(5000, 407, -1, 1), new FloatArray(N / W), 5000})
                        .withGrid(() -> new WorkerGrid1D(N).setLocalWork(64))
                        .withCheck(WarpKernels::checkGridReduce),
                ConformanceCase.of(WarpKernels.class, "twoDimensional", () -> new Object[] {new KernelContext(),
                                Inputs.edgeInts(64 * 4, 408), new IntArray(2 * 64 * 4), 64})
                        .withGrid(() -> new WorkerGrid2D(64, 4).setLocalWork(32, 2))
                        .withCheck(WarpKernels::checkTwoDimensional),
                ConformanceCase.of(WarpKernels.class, "inHelper", () -> new Object[] {new KernelContext(),
                                Inputs.floats(N, 409, -5, 5), new FloatArray(N)})
                        .withGrid(() -> new WorkerGrid1D(N).setLocalWork(32))
                        .withCheck(args -> {
                            float[] in = ((FloatArray) args[1]).toHeapArray();
                            float[] out = ((FloatArray) args[2]).toHeapArray();
                            for (int g = 0; g < N; g++) {
                                float mean = treeSum(in, g & ~(W - 1)) / W;
                                assertEquals(in[g] - mean, out[g], "out[" + g + "]");
                            }
                        }));
    }

    // ---------------------------------------------------------------- independent checks

    private static void checkShuffles(Object[] args) {
        float[] in = ((FloatArray) args[1]).toHeapArray();
        int[] inI = ((IntArray) args[2]).toHeapArray();
        float[] out = ((FloatArray) args[3]).toHeapArray();
        int[] outI = ((IntArray) args[4]).toHeapArray();
        for (int g = 0; g < N; g++) {
            int base = g & ~(W - 1);
            int lane = g & (W - 1);
            int[] src = {base + ((lane * 7 + 3) & 31), base + 31, base + (lane ^ 5), base + (lane ^ 5),
                    lane >= 3 ? g - 3 : g, lane + 3 < W ? g + 3 : g, g, lane + 1 < W ? g + 1 : g};
            for (int k = 0; k < 8; k++) {
                assertEquals(Float.floatToRawIntBits(in[src[k]]), Float.floatToRawIntBits(out[8 * g + k]),
                        "float shuffle " + k + " of item " + g);
            }
            src[6] = lane >= 31 ? g - 31 : g;
            for (int k = 0; k < 8; k++) {
                assertEquals(inI[src[k]], outI[8 * g + k], "int shuffle " + k + " of item " + g);
            }
        }
    }

    /** Floats whose sums depend on the order: a wide range of magnitudes, and the edge values in warp 0. */
    static FloatArray reductionFloats(int n, long seed) {
        FloatArray edges = Inputs.edgeFloats(n, seed);
        SplittableRandom r = new SplittableRandom(seed);
        FloatArray f = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            f.set(i, i < W ? edges.get(i) : (float) (r.nextDouble(-1, 1) * Math.pow(10, r.nextInt(-3, 6))));
        }
        return f;
    }

    /** The documented butterfly order: s[j] = s[j] + s[j + o] for o = 16 .. 1; result s[0]. */
    static float treeSum(float[] a, int base) {
        float[] s = java.util.Arrays.copyOfRange(a, base, base + W);
        for (int o = W / 2; o > 0; o >>= 1) {
            for (int j = 0; j < o; j++) {
                s[j] += s[j + o];
            }
        }
        return s[0];
    }

    /** The documented Hillis-Steele order for lane {@code lane}. */
    static float treeScan(float[] a, int base, int lane) {
        float[] s = java.util.Arrays.copyOfRange(a, base, base + W);
        for (int d = 1; d < W; d <<= 1) {
            float[] prev = s.clone();
            for (int j = d; j < W; j++) {
                s[j] = prev[j] + prev[j - d];
            }
        }
        return s[lane];
    }

    private static void checkReductions(Object[] args) {
        float[] in = ((FloatArray) args[1]).toHeapArray();
        int[] inI = ((IntArray) args[2]).toHeapArray();
        float[] out = ((FloatArray) args[3]).toHeapArray();
        int[] outI = ((IntArray) args[4]).toHeapArray();
        for (int g = 0; g < N; g++) {
            int base = g & ~(W - 1);
            int lane = g & (W - 1);
            float max = Float.NEGATIVE_INFINITY;
            float min = Float.POSITIVE_INFINITY;
            int sumI = 0;
            int maxI = Integer.MIN_VALUE;
            int minI = Integer.MAX_VALUE;
            int prefixI = 0;
            for (int j = 0; j < W; j++) {
                max = Math.max(max, in[base + j]);
                min = Math.min(min, in[base + j]);
                sumI += inI[base + j];
                maxI = Math.max(maxI, inI[base + j]);
                minI = Math.min(minI, inI[base + j]);
                if (j <= lane) {
                    prefixI += inI[base + j];
                }
            }
            assertEquals(treeSum(in, base), out[4 * g], "float sum at " + g);
            assertEquals(max, out[4 * g + 1], "float max at " + g);
            assertEquals(min, out[4 * g + 2], "float min at " + g);
            assertEquals(treeScan(in, base, lane), out[4 * g + 3], "float scan at " + g);
            assertEquals(sumI, outI[4 * g], "int sum at " + g);
            assertEquals(maxI, outI[4 * g + 1], "int max at " + g);
            assertEquals(minI, outI[4 * g + 2], "int min at " + g);
            assertEquals(prefixI, outI[4 * g + 3], "int scan at " + g);
        }
        assertTrue(Float.isNaN(out[0]), "warp 0 holds a NaN: its sum is NaN");
        assertEquals(0f, out[4 * 33 + 0] - out[4 * 40], "every lane of a warp gets the same sum");
    }

    private static void checkBlockScan(Object[] args) {
        float[] in = ((FloatArray) args[1]).toHeapArray();
        float[] out = ((FloatArray) args[2]).toHeapArray();
        int[] inI = ((IntArray) args[3]).toHeapArray();
        int[] outI = ((IntArray) args[4]).toHeapArray();
        for (int block = 0; block < 2; block++) {
            double exact = 0;
            double magnitude = 0;
            int exactI = 0;
            for (int k = 0; k < 256; k++) {
                int g = block * 256 + k;
                exact += in[g];
                magnitude += Math.abs(in[g]);
                exactI += inI[g];
                assertEquals(exactI, outI[g], "int block scan at " + g);
                // float: at most 8 + 3 roundings along any path of the scan, each within 2^-24 of the magnitude
                assertEquals(exact, out[g], 12 * magnitude * 0x1p-24, "float block scan at " + g);
            }
        }
    }

    private static void checkGridReduce(Object[] args) {
        float[] in = ((FloatArray) args[1]).toHeapArray();
        float[] partial = ((FloatArray) args[2]).toHeapArray();
        int items = N;
        float[] acc = new float[items];
        for (int g = 0; g < items; g++) {
            for (int i = g; i < 5000; i += items) {
                acc[g] += in[i];
            }
        }
        for (int w = 0; w < items / W; w++) {
            assertEquals(treeSum(acc, w * W), partial[w], "warp " + w);
        }
    }

    private static void checkTwoDimensional(Object[] args) {
        int[] in = ((IntArray) args[1]).toHeapArray();
        int[] out = ((IntArray) args[2]).toHeapArray();
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 64; x++) {
                int i = y * 64 + x;
                int sum = 0;
                for (int j = 0; j < W; j++) {
                    sum += in[y * 64 + (x & ~(W - 1)) + j];
                }
                assertEquals(sum + 1000 * (y % 2), out[2 * i], "row sum at " + x + "," + y);
                assertEquals(in[y * 64 + (x ^ 1)], out[2 * i + 1], "xor shuffle at " + x + "," + y);
            }
        }
    }
}
