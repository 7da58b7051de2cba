package io.jmamba.bench.scaling.series;

import io.jmamba.bench.scaling.MeasuredStep;
import io.jmamba.bench.scaling.SeriesKind;
import io.jmamba.kernels.attention.CausalAttention;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

/**
 * Causal softmax attention, the quadratic baseline: the flash-style kernel (online softmax, memory
 * linear in L) or the naive one that materialises the [heads, L, L] scores (run while they fit).
 * Default shape: 12 heads x 64, batch 1.
 */
public final class AttentionSeries extends LayerSeries {
    private final int heads;
    private final int headdim;
    private final boolean naive;

    public AttentionSeries(int heads, int headdim, boolean naive) {
        super(naive ? "attention-naive" : "attention",
                (naive ? "naive causal attention (scores in memory), " : "flash-style causal attention, ")
                        + heads + " heads x " + headdim, SeriesKind.ATTENTION, 2);
        this.heads = heads;
        this.headdim = headdim;
        this.naive = naive;
    }

    @Override
    public long bytesMoved(long length) {
        long qkvo = FLOAT * 4L * heads * headdim * length;
        // naive: the scores are written, read and written by the softmax, and read again: 4 passes
        return naive ? qkvo + FLOAT * 4L * heads * length * length : qkvo;
    }

    @Override
    public String bytesFormula() {
        return naive ? "4 B x (4 h p L + 4 h L^2): q, k, v, out once; scores written, softmaxed in place (read + write), read"
                : "4 B x 4 h p L: read q, k, v, write out (each once; tiles re-read from cache not counted)";
    }

    @Override
    public String refusal(long length) {
        if (naive && (double) heads * length * length > CausalAttention.MAX_NAIVE_SCORES) {
            return "naive attention would hold " + heads + " x " + length + " x " + length + " scores, more than its limit of "
                    + CausalAttention.MAX_NAIVE_SCORES;
        }
        return null;
    }

    @Override
    public long deviceBytes(long length) {
        long qkvo = FLOAT * 4L * heads * headdim * length;
        return naive ? qkvo + FLOAT * heads * length * length : qkvo;
    }

    @Override
    public MeasuredStep prepare(ComputeDevice device, long length) {
        int len = seqlen(id(), length);
        long n = (long) heads * len * headdim;
        Tensor q = Tensor.of(Inputs.shared(n, -1f, 1f), 1, heads, len, headdim);
        Tensor k = Tensor.of(Inputs.shared(n, -1f, 1f), 1, heads, len, headdim);
        Tensor v = Tensor.of(Inputs.shared(n, -1f, 1f), 1, heads, len, headdim);
        CausalAttention attention = CausalAttention.of(q, k, v).build();
        TaskGraph g = new TaskGraph(naive ? "bench_naive" : "bench_attn")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, q.data(), k.data(), v.data());
        GridScheduler grids = new GridScheduler();
        if (naive) {
            attention.addNaive(g, "attn", grids);
        } else {
            attention.addFlash(g, "attn", grids);
        }
        return PlanStep.start(device, g, grids);
    }
}
