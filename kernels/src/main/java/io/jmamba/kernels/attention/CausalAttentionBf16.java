package io.jmamba.kernels.attention;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.Arrays;
import java.util.Objects;

/**
 * Host API of bf16 softmax attention on tensor cores ({@link FlashAttentionBf16Kernel}): q, k, v, out are
 * bf16 arrays in the layout of {@link CausalAttention}, {@code [batch, nheads, seqlen, headdim]} row-major;
 * scores, softmax and accumulation in fp32, out rounded to bf16. Scale defaults to {@code 1/sqrt(headdim)};
 * causal by default.
 * <pre>{@code
 * CausalAttentionBf16 att = CausalAttentionBf16.of(q, k, v, 1, 12, seqlen, 64).build();
 * BFloat16Array out = att.addFlash(graph, "attn", grids, new BFloat16Array(q.getSize()));
 * }</pre>
 *
 * <p>K/V staging: by asynchronous copies ({@link FlashAttentionBf16AsyncKernel}, the default), or through registers
 * ({@link FlashAttentionBf16Kernel}) with {@code -Djmamba.attention.bf16.async=false} or
 * {@link Builder#asyncStaging(boolean)}. On the H100 (session 6, 16K tokens x 12 heads x 64) the asynchronous kernel
 * at its default tiles took 1.54 ms against the register-staged kernel's 1.90. Tile sizes ({@link Tiles}): each
 * kernel's default, or {@code -Djmamba.attention.bf16.tiles=mTiles,keyTile} (e.g. {@code 1,64}) for the benchmark.
 */
public final class CausalAttentionBf16 {
    /** System property with the tile sizes, "mTiles,keyTile". */
    public static final String TILES_PROPERTY = "jmamba.attention.bf16.tiles";
    /**
     * System property: "false" stages K and V through registers ({@link FlashAttentionBf16Kernel}) instead of by
     * asynchronous copies ({@link FlashAttentionBf16AsyncKernel}, the default).
     */
    public static final String ASYNC_PROPERTY = "jmamba.attention.bf16.async";

    /**
     * Kernel tile sizes.
     *
     * @param mTiles  16-query m-tiles per warp: a work-group (4 warps) owns {@code 64 * mTiles} queries
     *                (2 halves the local-memory and L2 reads of K and V per query, at about 80 more registers)
     * @param keyTile keys per staged tile, a multiple of 16 (local memory: about {@code 2 * keyTile * (headdim / 2 + 4) * 4} bytes)
     */
    public record Tiles(int mTiles, int keyTile) {
        /**
         * Two m-tiles (each K/V fragment read from local memory feeds two MMAs) and 32-key tiles: 237
         * registers with sm_90 ptxas, no spills, two groups per SM (1,64: 241; 1,32: 158 and three groups;
         * 2,64 spills).
         */
        public static final Tiles DEFAULT = new Tiles(2, 32);

        /**
         * The asynchronous kernel's tiles: two m-tiles and 64-key tiles (no staging registers, so the larger tile no
         * longer spills). H100, 16K, session 6: 1.54 ms; 2,96 1.71; 2,128 1.93; 3,64 2.07; 1,64 2.58; 1,32 1.84;
         * 2,32 2.00-2.08; 2,64 with launch bounds (128, 2) 1.60 and (128, 3) 2.01.
         */
        public static final Tiles ASYNC_DEFAULT = new Tiles(2, 64);

        public Tiles {
            if (mTiles < 1 || mTiles > 4) {
                throw new IllegalArgumentException("attention bf16 tiles: mTiles must be 1..4, got " + mTiles);
            }
            if (keyTile < 16 || keyTile > 256 || keyTile % 16 != 0) {
                throw new IllegalArgumentException("attention bf16 tiles: keyTile must be a multiple of 16 in 16..256, got " + keyTile);
            }
        }

        /** The tiles of {@link #TILES_PROPERTY} if set ("mTiles,keyTile"), else {@link #DEFAULT}. */
        public static Tiles fromProperty() {
            return fromProperty(DEFAULT);
        }

        /** The tiles of {@link #TILES_PROPERTY} if set ("mTiles,keyTile"), else {@code fallback}. */
        public static Tiles fromProperty(Tiles fallback) {
            String p = System.getProperty(TILES_PROPERTY);
            if (p == null || p.isBlank()) {
                return fallback;
            }
            String[] parts = p.split(",");
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                return new Tiles(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(TILES_PROPERTY + " must be \"mTiles,keyTile\" (e.g. \"2,64\"), got \"" + p + "\"");
            }
        }
    }

    private final BFloat16Array q, k, v;
    private final int batch, heads, seqlen, headdim;
    private final float scale;
    private final boolean causal;
    private final Tiles tiles;
    private final boolean asyncStaging;

    private CausalAttentionBf16(Builder b) {
        long[] s = b.shape;
        if (s.length != 4) {
            throw new IllegalArgumentException("attention bf16: shape must be [batch, nheads, seqlen, headdim], got "
                    + Arrays.toString(s));
        }
        for (int i = 0; i < 4; i++) {
            if (s[i] < 1 || s[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("attention bf16: every extent of " + Arrays.toString(s) + " must be in 1.."
                        + Integer.MAX_VALUE);
            }
        }
        batch = (int) s[0];
        heads = (int) s[1];
        seqlen = (int) s[2];
        headdim = (int) s[3];
        if (headdim % 16 != 0 || headdim > 128) {
            throw new IllegalArgumentException("attention bf16: headdim must be a multiple of 16 up to 128 (tensor-core k-steps), got "
                    + headdim);
        }
        long elements = s[0] * s[1] * s[2] * s[3];
        if (elements > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("attention bf16: " + Arrays.toString(s) + " holds " + elements
                    + " elements; the kernel indexes with int (at most " + Integer.MAX_VALUE + ")");
        }
        q = requireSize("q", b.q, s);
        k = requireSize("k", b.k, s);
        v = requireSize("v", b.v, s);
        asyncStaging = b.asyncStaging != null ? b.asyncStaging : asyncByDefault();
        tiles = b.tiles != null ? b.tiles : defaultTiles(asyncStaging);
        if ((long) tiles.keyTile() * headdim % (2L * FlashAttentionBf16Kernel.GROUP) != 0) {
            throw new IllegalArgumentException("attention bf16: keyTile * headdim must be a multiple of 256 (staging by "
                    + FlashAttentionBf16Kernel.GROUP + " work-items), got " + tiles.keyTile() + " * " + headdim);
        }
        scale = b.scale != null ? b.scale : (float) (1.0 / Math.sqrt(headdim));
        if (!(scale > 0) || Float.isInfinite(scale)) {
            throw new IllegalArgumentException("attention bf16: scale must be positive and finite, got " + scale);
        }
        causal = b.causal;
    }

    /** The staging a builder takes unless told: asynchronous copies, unless {@link #ASYNC_PROPERTY} is "false". */
    public static boolean asyncByDefault() {
        return !"false".equals(System.getProperty(ASYNC_PROPERTY));
    }

    /** The tiles a builder takes unless told: {@link #TILES_PROPERTY}, else the staging's default. */
    public static Tiles defaultTiles(boolean asyncStaging) {
        return Tiles.fromProperty(asyncStaging ? Tiles.ASYNC_DEFAULT : Tiles.DEFAULT);
    }

    private static BFloat16Array requireSize(String name, BFloat16Array a, long[] shape) {
        Objects.requireNonNull(a, name);
        long expected = shape[0] * shape[1] * shape[2] * shape[3];
        if (a.getSize() != expected) {
            throw new IllegalArgumentException("attention bf16: " + name + " has " + a.getSize() + " elements but shape "
                    + Arrays.toString(shape) + " needs " + expected);
        }
        return a;
    }

    /** q, k, v of {@code shape} = [batch, nheads, seqlen, headdim]. */
    public static Builder of(BFloat16Array q, BFloat16Array k, BFloat16Array v, long... shape) {
        return new Builder(q, k, v, shape);
    }

    public float scale() {
        return scale;
    }

    public Tiles tiles() {
        return tiles;
    }

    /** Whether K and V are staged by asynchronous copies ({@link FlashAttentionBf16AsyncKernel}). */
    public boolean asyncStaging() {
        return asyncStaging;
    }

    /** Work-groups of the launch: query tiles times (batch, head) rows. */
    long groups() {
        int queryTile = FlashAttentionBf16Kernel.WARPS * 16 * tiles.mTiles();
        return (long) ((seqlen + queryTile - 1) / queryTile) * batch * heads;
    }

    /** Adds task {@code prefix} writing {@code out} (same shape as q). */
    public BFloat16Array addFlash(TaskGraph g, String prefix, GridScheduler grids, BFloat16Array out) {
        Objects.requireNonNull(g, "graph");
        requireSize("out", out, new long[] {batch, heads, seqlen, headdim});
        int rows = batch * heads;
        float scaleLog2 = (float) (scale / Math.log(2.0));
        if (asyncStaging) {
            g.task(prefix, FlashAttentionBf16AsyncKernel::flash, new KernelContext(), q, k, v, out, seqlen, rows, scaleLog2,
                    headdim, causal ? 1 : 0, tiles.mTiles(), tiles.keyTile(),
                    FlashAttentionBf16AsyncKernel.stageInts(headdim, tiles.keyTile()));
        } else {
            int kInts = FlashAttentionBf16Kernel.kStageInts(headdim, tiles.keyTile());
            int vInts = FlashAttentionBf16Kernel.vStageInts(headdim, tiles.keyTile());
            g.task(prefix, FlashAttentionBf16Kernel::flash, new KernelContext(), q, k, v, out, seqlen, rows, scaleLog2,
                    headdim, causal ? 1 : 0, tiles.mTiles(), tiles.keyTile(), kInts, vInts);
        }
        grids.addWorkerGrid(g.getName() + "." + prefix,
                new WorkerGrid1D(groups() * FlashAttentionBf16Kernel.GROUP).setLocalWork(FlashAttentionBf16Kernel.GROUP));
        return out;
    }

    /** Runs once on {@code device}: copies q, k, v in, out back; returns out. */
    public BFloat16Array runFlash(ComputeDevice device) {
        Objects.requireNonNull(device, "device");
        BFloat16Array out = new BFloat16Array(q.getSize());
        TaskGraph g = new TaskGraph("attention_bf16").transferToDevice(DataTransferMode.EVERY_EXECUTION, q, k, v);
        GridScheduler grids = new GridScheduler();
        addFlash(g, "flash", grids, out);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(device).withGridScheduler(grids).execute();
        }
        return out;
    }

    /** Scale, masking and tile sizes; {@link #build()} checks the shapes. */
    public static final class Builder {
        private final BFloat16Array q, k, v;
        private final long[] shape;
        private Float scale;
        private boolean causal = true;
        private Tiles tiles;
        private Boolean asyncStaging;

        private Builder(BFloat16Array q, BFloat16Array k, BFloat16Array v, long[] shape) {
            this.q = q;
            this.k = k;
            this.v = v;
            this.shape = shape.clone();
        }

        /** Multiplies q.k before the softmax (default 1/sqrt(headdim)); must be positive. */
        public Builder scale(double scale) {
            this.scale = (float) scale;
            return this;
        }

        /** Causal (keys up to the query's position; the default) or full attention. */
        public Builder causal(boolean on) {
            this.causal = on;
            return this;
        }

        /** Tile sizes (default: {@link CausalAttentionBf16#defaultTiles}). */
        public Builder tiles(Tiles t) {
            this.tiles = Objects.requireNonNull(t, "tiles");
            return this;
        }

        /**
         * K/V staging by asynchronous copies ({@link FlashAttentionBf16AsyncKernel}) or through registers
         * ({@link FlashAttentionBf16Kernel}); default: {@link #asyncByDefault()}.
         */
        public Builder asyncStaging(boolean on) {
            this.asyncStaging = on;
            return this;
        }

        public CausalAttentionBf16 build() {
            return new CausalAttentionBf16(this);
        }
    }
}
