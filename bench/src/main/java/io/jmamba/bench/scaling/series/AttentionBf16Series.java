package io.jmamba.bench.scaling.series;

import io.jmamba.bench.scaling.MeasuredStep;
import io.jmamba.bench.scaling.SeriesKind;
import io.jmamba.kernels.attention.CausalAttentionBf16;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * Causal bf16 attention on tensor cores ({@link CausalAttentionBf16}, FlashAttention-2 style), 12 heads x
 * 64, batch 1: the series PyTorch SDPA's bf16 numbers are compared with. Tile sizes from
 * {@code -Djmamba.attention.bf16.tiles=mTiles,keyTile} (default 2,32) and the staging
 * (asynchronous copies, or {@code -Djmamba.attention.bf16.async=false}: through registers), shown in the label.
 */
public final class AttentionBf16Series extends LayerSeries {
    static final long BF16 = 2;
    /** Distinct random elements; longer inputs repeat them (the values do not change the kernel's time). */
    private static final int PATTERN = 1 << 16;

    private final int heads;
    private final int headdim;

    public AttentionBf16Series(int heads, int headdim) {
        super("attention-bf16", "flash causal attention, bf16 tensor cores (tiles " + tilesLabel() + "), " + heads
                + " heads x " + headdim, SeriesKind.ATTENTION, 2);
        this.heads = heads;
        this.headdim = headdim;
    }

    private static String tilesLabel() {
        boolean async = CausalAttentionBf16.asyncByDefault();
        CausalAttentionBf16.Tiles t = CausalAttentionBf16.defaultTiles(async);
        return t.mTiles() + "x16 queries per warp, " + t.keyTile() + " keys" + (async ? ", K/V by cp.async" : ", K/V through registers");
    }

    @Override
    public long bytesMoved(long length) {
        return BF16 * 4L * heads * headdim * length;
    }

    @Override
    public String bytesFormula() {
        return "2 B x 4 h p L: read q, k, v, write out, bf16 (each once; tiles re-read from cache not counted)";
    }

    @Override
    public long deviceBytes(long length) {
        return BF16 * 4L * heads * headdim * length;
    }

    @Override
    public MeasuredStep prepare(ComputeDevice device, long length) {
        int len = seqlen(id(), length);
        long n = (long) heads * len * headdim;
        BFloat16Array q = filled(n, 1);
        BFloat16Array k = filled(n, 2);
        BFloat16Array v = filled(n, 3);
        CausalAttentionBf16 attention = CausalAttentionBf16.of(q, k, v, 1, heads, len, headdim).build();
        TaskGraph g = new TaskGraph("bench_attn_bf16").transferToDevice(DataTransferMode.FIRST_EXECUTION, q, k, v);
        GridScheduler grids = new GridScheduler();
        attention.addFlash(g, "attn", grids, new BFloat16Array(n));
        return PlanStep.start(device, g, grids);
    }

    /** n bf16 values uniform in [-1, 1): a random block copied over the array (fast at 800M elements). */
    private static BFloat16Array filled(long n, long seed) {
        BFloat16Array a = new BFloat16Array(n);
        int block = (int) Math.min(n, PATTERN);
        BFloat16Array pattern = new BFloat16Array(block);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < block; i++) {
            pattern.set(i, (float) (r.nextDouble() * 2 - 1));
        }
        MemorySegment dst = a.getSegment();
        long bytes = n * BF16;
        for (long at = 0; at < bytes; at += block * BF16) {
            MemorySegment.copy(pattern.getSegment(), 0, dst, at, Math.min(block * BF16, bytes - at));
        }
        return a;
    }
}
