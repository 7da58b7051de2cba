package io.jmamba.bench.portability.cases;

import io.jmamba.bench.portability.ConformanceCase;
import io.jmamba.bench.scaling.series.Inputs;
import io.jmamba.kernels.attention.CausalAttention;
import io.jmamba.kernels.conv.CausalConv1d;
import io.jmamba.kernels.conv.CausalConv1dResult;
import io.jmamba.kernels.norm.GatedRmsNorm;
import io.jmamba.kernels.scan.SelectiveScan;
import io.jmamba.kernels.scan.SelectiveScanResult;
import io.jmamba.kernels.scan.SelectiveStateUpdate;
import io.jmamba.kernels.scan.StateUpdateResult;
import io.jmamba.kernels.ssd.SsdConfig;
import io.jmamba.kernels.ssd.SsdInputs;
import io.jmamba.kernels.ssd.SsdScan;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.runtime.api.FloatArray;

import java.util.List;

/**
 * Each Mamba kernel at a small shape that still exercises its structure (several chunks, a partial
 * last chunk, every optional input on), through its host API's one-call path. Inputs come from fixed
 * seeds, so the JVM run and the device run see the same data.
 */
public final class MambaCases {
    private MambaCases() {
    }

    public static List<ConformanceCase> all() {
        return List.of(
                new FunctionCase("selective-scan", "b2 d48 n16 L300", d -> selectiveScan(d)),
                new FunctionCase("state-update", "b2 d48 n16 (Mamba-1 step)", d -> stateUpdate(d)),
                new FunctionCase("ssd", "b1 L300 4x16 n32 chunk 64", d -> ssd(d)),
                new FunctionCase("conv1d", "b2 d40 w4 L300", d -> conv1d(d)),
                new FunctionCase("gated-rmsnorm", "rows 37 dim 64 groups 4", d -> gatedNorm(d)),
                new FunctionCase("attention", "b1 2x32 L77 (flash)", d -> attention(d, false)),
                new FunctionCase("attention-naive", "b1 2x32 L77", d -> attention(d, true)));
    }

    private static Tensor tensor(long seed, float lo, float hi, long... shape) {
        Tensor t = Tensor.zeros(shape);
        Inputs.fill(t.data(), seed, lo, hi);
        return t;
    }

    private static FloatArray array(long n, long seed, float lo, float hi) {
        FloatArray a = new FloatArray(n);
        Inputs.fill(a, seed, lo, hi);
        return a;
    }

    private static float[] selectiveScan(io.jmamba.runtime.backend.ComputeDevice device) {
        int b = 2, d = 48, n = 16, l = 300;
        SelectiveScan scan = SelectiveScan.builder(tensor(1, -1, 1, b, d, l), tensor(2, -3, 0, b, d, l),
                        tensor(3, -2, -0.2f, d, n), tensor(4, -1, 1, b, n, l), tensor(5, -1, 1, b, n, l))
                .d(tensor(6, -1, 1, d)).z(tensor(7, -1, 1, b, d, l)).deltaBias(tensor(8, -0.5f, 0.5f, d))
                .deltaSoftplus(true).chunkLength(64).build();
        SelectiveScanResult r = scan.run(device);
        return concat(r.out().data(), r.lastState().data());
    }

    private static float[] stateUpdate(io.jmamba.runtime.backend.ComputeDevice device) {
        int b = 2, d = 48, n = 16;
        SelectiveStateUpdate step = SelectiveStateUpdate.mamba1(tensor(11, -1, 1, b, d, n), tensor(12, -1, 1, b, d),
                        tensor(13, -3, 0, b, d), tensor(14, -2, -0.2f, d, n), tensor(15, -1, 1, b, n), tensor(16, -1, 1, b, n))
                .d(tensor(17, -1, 1, d)).z(tensor(18, -1, 1, b, d)).dtBias(tensor(19, -0.5f, 0.5f, d)).dtSoftplus(true)
                .build();
        StateUpdateResult r = step.run(device);
        return concat(r.out().data(), r.state().data());
    }

    private static float[] ssd(io.jmamba.runtime.backend.ComputeDevice device) {
        int l = 300, h = 4, p = 16, n = 32, chunk = 64;
        SsdConfig cfg = SsdConfig.of(1, l, h, p, 1, n, chunk).withDtSoftplus(true);
        SsdInputs in = new SsdInputs(array((long) l * h * p, 21, -1, 1), array((long) l * h, 22, -3, 0),
                array(h, 23, -4, -0.5f), array((long) l * n, 24, -1, 1), array((long) l * n, 25, -1, 1),
                array(h, 26, -1, 1), array((long) l * h * p, 27, -1, 1), array(h, 28, -0.5f, 0.5f), null);
        FloatArray out = new FloatArray((long) l * h * p);
        FloatArray fin = new FloatArray((long) h * p * n);
        SsdScan.run(device, cfg, in, out, fin);
        return concat(out, fin);
    }

    private static float[] conv1d(io.jmamba.runtime.backend.ComputeDevice device) {
        int b = 2, d = 40, w = 4, l = 300;
        CausalConv1d conv = CausalConv1d.forward(tensor(31, -1, 1, b, d, l), tensor(32, -0.5f, 0.5f, d, w))
                .bias(tensor(33, -0.5f, 0.5f, d)).silu(true).build();
        CausalConv1dResult r = conv.run(device);
        return concat(r.out().data(), r.state().data());
    }

    private static float[] gatedNorm(io.jmamba.runtime.backend.ComputeDevice device) {
        int rows = 37, dim = 64;
        GatedRmsNorm.Config cfg = new GatedRmsNorm.Config(rows, dim, dim / 4, 1e-5f, false);
        FloatArray out = new FloatArray((long) rows * dim);
        GatedRmsNorm.run(device, cfg, array((long) rows * dim, 41, -2, 2), array((long) rows * dim, 42, -2, 2),
                array(dim, 43, 0.5f, 1.5f), out);
        return out.toHeapArray();
    }

    private static float[] attention(io.jmamba.runtime.backend.ComputeDevice device, boolean naive) {
        int h = 2, l = 77, p = 32;
        CausalAttention att = CausalAttention.of(tensor(51, -1, 1, 1, h, l, p), tensor(52, -1, 1, 1, h, l, p),
                tensor(53, -1, 1, 1, h, l, p)).build();
        return (naive ? att.runNaive(device) : att.runFlash(device)).data().toHeapArray();
    }

    private static float[] concat(FloatArray a, FloatArray b) {
        float[] x = a.toHeapArray();
        float[] y = b.toHeapArray();
        float[] out = new float[x.length + y.length];
        System.arraycopy(x, 0, out, 0, x.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }
}
