package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Bf16Tensor;

import io.jmamba.kernels.support.GraphRuns;
import io.jmamba.kernels.support.Grids;
import io.jmamba.kernels.support.Shapes;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Host API of the Mamba-1 selective scan (forward). Checks shapes, then adds the kernels of the
 * chosen {@link Variant} (by default {@link Variant#TILED16}: {@link SelectiveScanTiled16Kernels}) to a task graph:
 * <pre>{@code
 * SelectiveScan scan = SelectiveScan.builder(u, delta, A, B, C)
 *         .d(D).z(z).deltaBias(dtBias).deltaSoftplus(true).build();
 * SelectiveScanResult r = scan.addTo(graph, "scan0", grids);   // r.out(), r.lastState() stay on the device
 * }</pre>
 * Shapes: u, delta, z, out {@code [batch, dim, seqlen]}; A {@code [dim, dstate]}; B, C
 * {@code [batch, dstate, seqlen]} or {@code [batch, groups, dstate, seqlen]}; D and delta_bias
 * {@code [dim]}; initial and last state {@code [batch, dim, dstate]}. {@link SelectiveScanReference}
 * states the arithmetic. The caller transfers its input tensors to the device (or produces them with
 * earlier tasks); {@link #run} does the whole round trip in one call.
 *
 * <p>bf16: {@link #builder(Bf16Tensor, Bf16Tensor, Tensor, Bf16Tensor, Bf16Tensor)} takes u, delta, B, C
 * (and z) in bf16 with A, D, delta_bias and the initial state in fp32, as mamba_ssm's bf16
 * selective_scan_fwd; the scan computes in fp32, writes out in bf16 and the last state in fp32
 * ({@link #addTo(TaskGraph, String, GridScheduler, Bf16Tensor, Tensor)}, {@link #runBf16}). It runs
 * {@link Variant#TILED16}, its tiles staged by asynchronous copies that overlap the next tile's loads with the current
 * tile's recurrence ({@link AsyncStaging#WIDEN}, the default, with chunks sized for its lower occupancy,
 * {@link #ASYNC_TARGET_WORK_ITEMS}), or with {@code -Djmamba.scan.async=off} through registers. H100, session 6, b1
 * d1536 n16, same run: WIDEN 64K 1.43-1.50 ms and 1M 20.2-20.4, through registers 1.88-1.92 and 27.1; the two agree bit
 * for bit.
 */
public final class SelectiveScan {
    /**
     * System property: how the bf16 scan stages its tiles ({@link AsyncStaging}): unset, "widen" or "true"
     * ({@link AsyncStaging#WIDEN}, the default), "off" or "false" through registers (the TILED16 bf16 kernels);
     * {@link Builder#asyncStaging(AsyncStaging)} sets it per scan. The fp32 scan is not affected.
     */
    public static final String ASYNC_PROPERTY = "jmamba.scan.async";

    /** How passes 1 and 3 of the bf16 scan move their 16-token tiles from global to local memory. */
    public enum AsyncStaging {
        /** Through registers, one tile at a time: {@link SelectiveScanTiled16Kernels}. */
        OFF,
        /**
         * Asynchronous copies into landing buffers that the copying work-items widen into TILED16's fp32 tiles, read by
         * TILED16's own recurrences: {@link SelectiveScanAsyncWidenKernels} (two barriers per tile in pass 1, three in
         * pass 3, no unpacking in the inner loops). The default.
         */
        WIDEN;

        /** The staging {@link #ASYNC_PROPERTY} names. */
        public static AsyncStaging fromProperty() {
            String p = System.getProperty(ASYNC_PROPERTY, "").trim().toLowerCase(java.util.Locale.ROOT);
            return switch (p) {
                case "", "widen", "true" -> WIDEN;
                case "off", "false" -> OFF;
                default -> throw new IllegalArgumentException(ASYNC_PROPERTY + " must be widen (the default, or true) or off"
                        + " (or false), got \"" + p + "\"");
            };
        }
    }

    /** Below this many tokens per chunk, cutting further costs more than it gains. */
    static final int MIN_CHUNK = 64;
    /** The default chunking aims at about this many (row, chunk) work-items. */
    static final long TARGET_WORK_ITEMS = 1L << 17;

    private final Tensor u, delta, a, b, c, d, z, deltaBias, initialState;
    /** The bf16 activations (all null for an fp32 scan, then u .. z above are set). */
    private final Bf16Tensor uH, deltaH, bH, cH, zH;
    private final boolean bf16;
    private final boolean deltaSoftplus;
    private final SelectiveScanShape shape;
    private final int chunkLen;
    private final int nChunks;
    private final Variant variant;
    private final AsyncStaging asyncStaging;

    /** How the scan is laid out on the device; all compute the same thing. */
    public enum Variant {
        /**
         * Three launches (chunk end states, carry across chunks, chunk outputs), parallel over
         * (batch x channel) x chunks of the sequence, one work-item per (row, chunk) walking its own
         * row: {@link SelectiveScanKernels}. Neighbouring work-items read addresses a row apart.
         */
        CHUNKED,
        /**
         * One launch, a work-group per (batch, channel) row scanning tiles of the sequence in local
         * memory, as mamba_ssm's CUDA kernel does: {@link SelectiveScanBlockKernel}.
         */
        BLOCK,
        /**
         * The three passes of {@link #CHUNKED}, with passes 1 and 3 run by work-groups of
         * {@link SelectiveScanTiled16Kernels#ROWS} rows that stage tiles of 16 tokens in local memory, and chunk
         * states kept chunk-major so that the carry pass reads them coalesced too; tuned for occupancy and
         * instruction count: launch bounds that cap registers at 72, packed B/C tiles, and about {@link #TILED16_TARGET_WORK_ITEMS} (row, chunk) pairs
         * so that several waves of work-groups run: {@link SelectiveScanTiled16Kernels}. The only layout
         * of the bf16 scan, and the default (H100, b1 d1536 n16: 0.55 / 1.84 / 27.3 ms at 16K / 64K / 1M
         * against the 32-token TILED layout's 0.75 / 2.16 / 32.0). dstate above {@link SelectiveScanTiled16Kernels#MAX_DSTATE} runs
         * CHUNKED (fp32).
         *
         * <p>Removed in session 5 as slower on the H100: TILED (32-token tiles, 96 registers; 16K / 64K / 1M
         * 0.724 / 2.092 / 31.84 ms against 0.625 / 1.910 / 27.36, session 3), the one-pass, one-exponential WARP layout (a warp per
         * row; 64K 3.81 ms fp32, 5.03 bf16, against 1.84-1.94, session 3) and its split form WARP_SPLIT_ROLLED
         * (a row's states over up to four warps; bf16 16K / 64K 0.721 / 2.704 ms against 0.604 / 1.941,
         * session 4).
         */
        TILED16;
    }

    /**
     * TILED16: aim at about this many (row, chunk) pairs: three waves of one-warp work-groups on an H100
     * (132 multiprocessors x 28 resident work-groups x 32 rows), so that the last wave is nearly full.
     * At 1536 rows: 64K tokens in 228 chunks of 288 (10944 work-groups, 2.96 waves), 1M tokens in 231
     * chunks of 4544 (11088, 3.0 waves); the 2^17 of the removed TILED layout would give 1.1 waves at 64K. Overridden by
     * the system property {@code jmamba.scan.tiled16.pairs} for tuning runs.
     */
    static final long TILED16_TARGET_WORK_ITEMS = Long.getLong("jmamba.scan.tiled16.pairs", 3L * 132 * 28 * 32);

    /**
     * The bf16 scan with asynchronous staging ({@link SelectiveScanAsyncWidenKernels}): about this many (row, chunk) pairs,
     * three waves at the 20 work-groups per H100 multiprocessor its local memory allows (TILED16 fits 28). At 1536
     * rows: 64K tokens in 164 chunks of 400 (7872 work-groups, 2.98 waves), 1M tokens in 165 chunks of 6368 (3.0
     * waves). Overridden by the system property {@code jmamba.scan.async.pairs} for tuning runs.
     */
    static final long ASYNC_TARGET_WORK_ITEMS = Long.getLong("jmamba.scan.async.pairs", 3L * 132 * 20 * 32);

    /** TILED16: no chunk shorter than this (a chunk's fixed costs are its start state and A row). */
    static final int TILED_MIN_CHUNK = 256;
    /** TILED16 carry pass: work-items per work-group (small, so that its few warps spread over many multiprocessors). */
    static final int TILED_CARRY_LOCAL = 64;
    /** TILED16: most work-groups launched; more (row block, chunk) pairs are strided over. */
    static final int TILED_MAX_GROUPS = 1 << 20;

    /** Tokens per work-item per tile of the BLOCK variant. */
    static final int BLOCK_ITEMS = 8;
    /** Local-memory floats per scan array of the BLOCK variant (threads * dstate). */
    static final int BLOCK_SCAN_FLOATS = 4096;
    /** Most work-groups the BLOCK variant launches; more rows are strided over. */
    static final int BLOCK_MAX_GROUPS = 1 << 16;

    private SelectiveScan(Builder bld) {
        this.u = bld.u;
        this.delta = bld.delta;
        this.a = bld.a;
        this.b = bld.b;
        this.c = bld.c;
        this.d = bld.d;
        this.z = bld.z;
        this.uH = bld.uH;
        this.deltaH = bld.deltaH;
        this.bH = bld.bH;
        this.cH = bld.cH;
        this.zH = bld.zH;
        this.bf16 = bld.uH != null;
        this.deltaBias = bld.deltaBias;
        this.initialState = bld.initialState;
        this.deltaSoftplus = bld.deltaSoftplus;
        this.asyncStaging = bld.asyncStaging;
        if (bf16) {
            if (bld.z != null) {
                throw new IllegalArgumentException("z: fp32 tensor given to a bf16 scan; u, delta, B, C and z share one dtype "
                        + "(use z(Bf16Tensor))");
            }
            this.shape = SelectiveScanShape.check(uH, deltaH, a, bH, cH, d, zH, deltaBias, initialState);
            if (shape.dstate() > SelectiveScanTiled16Kernels.MAX_DSTATE) {
                throw new IllegalArgumentException("dstate = " + shape.dstate() + " is not supported by the bf16 selective scan: "
                        + "at most " + SelectiveScanTiled16Kernels.MAX_DSTATE + " (B and C tiles in local memory)");
            }
            this.variant = Variant.TILED16;
        } else {
            if (bld.zH != null) {
                throw new IllegalArgumentException("z: bf16 tensor given to an fp32 scan; u, delta, B, C and z share one dtype");
            }
            this.shape = SelectiveScanShape.check(u, delta, a, b, c, d, z, deltaBias, initialState);
            // the TILED16 kernels keep B and C tiles in local memory: a larger state runs CHUNKED
            boolean tooLarge = bld.variant == Variant.TILED16 && shape.dstate() > SelectiveScanTiled16Kernels.MAX_DSTATE;
            this.variant = tooLarge ? Variant.CHUNKED : bld.variant;
        }
        long rows = (long) shape.batch() * shape.dim();
        if (rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch * dim = " + rows + " is too large: kernels index rows with int");
        }
        this.chunkLen = bld.chunkLen != 0 ? Math.min(bld.chunkLen, shape.seqlen())
                : isAsyncStaging() ? tiled16ChunkLength(rows, shape.seqlen(), ASYNC_TARGET_WORK_ITEMS)
                : defaultChunkLength(variant, rows, shape.seqlen());
        this.nChunks = (int) ((shape.seqlen() + (long) chunkLen - 1) / chunkLen);
    }

    public static Builder builder(Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c) {
        return new Builder(u, delta, a, b, c);
    }

    /**
     * A bf16 scan: u, delta {@code [batch, dim, seqlen]} and B, C (shapes as the fp32 builder's) in bf16,
     * A {@code [dim, dstate]} in fp32; z, if any, in bf16 ({@link Builder#z(Bf16Tensor)}), D, delta_bias and
     * the initial state in fp32.
     */
    public static Builder builder(Bf16Tensor u, Bf16Tensor delta, Tensor a, Bf16Tensor b, Bf16Tensor c) {
        Objects.requireNonNull(u, "u");
        return new Builder(u, delta, a, b, c);
    }

    /** Default chunk length of {@code variant} for {@code rows = batch * dim} rows. */
    public static int defaultChunkLength(Variant variant, long rows, int seqlen) {
        return switch (variant) {
            case TILED16 -> tiled16ChunkLength(rows, seqlen);
            default -> defaultChunkLength(rows, seqlen);
        };
    }

    /**
     * TILED16 chunk length: about {@link #TILED16_TARGET_WORK_ITEMS} (row, chunk) pairs, none shorter
     * than {@link #TILED_MIN_CHUNK} tokens, a whole number of 16-token tiles. E.g. 1536 rows: 64K
     * tokens in 228 chunks of 288, 1M tokens in 231 chunks of 4544.
     */
    static int tiled16ChunkLength(long rows, int seqlen) {
        return tiled16ChunkLength(rows, seqlen, TILED16_TARGET_WORK_ITEMS);
    }

    /** {@link #tiled16ChunkLength(long, int)} aiming at {@code targetPairs} (row, chunk) pairs. */
    static int tiled16ChunkLength(long rows, int seqlen, long targetPairs) {
        long wanted = Math.max(1, (targetPairs + rows - 1) / rows);
        long most = Math.max(1, seqlen / TILED_MIN_CHUNK);
        long chunks = Math.min(wanted, most);
        long len = (seqlen + chunks - 1) / chunks;
        len = (len + SelectiveScanTiled16Kernels.TOKENS - 1) / SelectiveScanTiled16Kernels.TOKENS * SelectiveScanTiled16Kernels.TOKENS;
        return (int) Math.min(len, seqlen);
    }

    /** CHUNKED chunk length for {@code rows = batch * dim} rows: enough chunks to fill a GPU, none shorter than 64 tokens. */
    public static int defaultChunkLength(long rows, int seqlen) {
        long wanted = Math.max(1, (TARGET_WORK_ITEMS + rows - 1) / rows);
        long most = Math.max(1, (seqlen + MIN_CHUNK - 1) / MIN_CHUNK);
        long chunks = Math.min(wanted, most);
        return (int) ((seqlen + chunks - 1) / chunks);
    }

    /**
     * The layout this scan runs with (the builder's, except TILED16 beyond its largest dstate: CHUNKED;
     * bf16: TILED16).
     */
    public Variant variant() {
        return variant;
    }

    /** Whether u, delta, B, C, z and out are bf16. */
    public boolean isBf16() {
        return bf16;
    }

    /** Whether this bf16 scan stages its tiles by asynchronous copies ({@link #asyncStaging()}); false for fp32. */
    public boolean isAsyncStaging() {
        return asyncStaging() != AsyncStaging.OFF;
    }

    /** How this scan stages its tiles: {@link AsyncStaging#OFF} for fp32 scans. */
    public AsyncStaging asyncStaging() {
        return bf16 ? asyncStaging : AsyncStaging.OFF;
    }

    public int chunkLength() {
        return chunkLen;
    }

    public int chunkCount() {
        return nChunks;
    }

    /** Output shape {@code [batch, dim, seqlen]}. */
    public long[] outShape() {
        return new long[] {shape.batch(), shape.dim(), shape.seqlen()};
    }

    /** State shape {@code [batch, dim, dstate]}. */
    public long[] stateShape() {
        return new long[] {shape.batch(), shape.dim(), shape.dstate()};
    }

    /** Adds the scan to {@code g}, writing into new tensors for out and the last state. */
    public SelectiveScanResult addTo(TaskGraph g, String prefix, GridScheduler grids) {
        return addTo(g, prefix, grids, Tensor.zeros(outShape()), Tensor.zeros(stateShape()));
    }

    /**
     * Adds the scan's tasks to {@code g} and their launch shapes to {@code grids}: for
     * {@link Variant#TILED16} and {@link Variant#CHUNKED} three ({@code prefix + "_states"}, {@code "_carry"}, {@code "_out"}),
     * or only {@code prefix + "_out"} when the sequence is one chunk; for {@link Variant#BLOCK} one ({@code prefix}). The chunk intermediates are arrays of the
     * graph that never leave the device. {@code lastState} may be the initial-state tensor itself
     * (state kept in place across calls): each (row, n) entry is read before it is written, by the
     * same work-item.
     */
    public SelectiveScanResult addTo(TaskGraph g, String prefix, GridScheduler grids, Tensor out, Tensor lastState) {
        Objects.requireNonNull(g, "graph");
        Objects.requireNonNull(grids, "grids");
        if (bf16) {
            throw new IllegalStateException("this selective scan takes bf16 inputs: its out is bf16, "
                    + "use addTo(graph, prefix, grids, Bf16Tensor out, Tensor lastState)");
        }
        Shapes.require("out", out, outShape());
        Shapes.require("last_state", lastState, stateShape());
        if (variant == Variant.TILED16) {
            addTiled16(g, prefix, grids, out.data(), lastState);
            return new SelectiveScanResult(out, lastState);
        }
        if (variant == Variant.BLOCK) {
            return addBlock(g, prefix, grids, out, lastState);
        }
        int rows = shape.batch() * shape.dim();
        int n = shape.dstate();
        FloatArray placeholder = new FloatArray(1);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, placeholder);
        String outputs = prefix + "_out";
        if (nChunks == 1) {
            // one chunk: the output pass alone, from the initial state, writing the last state
            g.task(outputs, SelectiveScanKernels::chunkOutputs, u.data(), delta.data(), a.data(), b.data(), c.data(),
                    or(d, placeholder), or(z, placeholder), or(deltaBias, placeholder), placeholder,
                    or(initialState, placeholder), lastState.data(), out.data(),
                    shape.batch(), shape.dim(), shape.seqlen(), shape.groups(), chunkLen, nChunks, n,
                    flags() | SelectiveScanKernels.SINGLE_CHUNK);
            grids.addWorkerGrid(g.getName() + "." + outputs, Grids.twoD(rows, 1));
            return new SelectiveScanResult(out, lastState);
        }
        FloatArray chunkState = new FloatArray((long) rows * nChunks * n);
        FloatArray chunkDtSum = new FloatArray((long) rows * nChunks);
        int flags = flags();
        String states = prefix + "_states";
        String carry = prefix + "_carry";
        g.task(states, SelectiveScanKernels::chunkStates, u.data(), delta.data(), a.data(), b.data(), or(deltaBias, placeholder),
                chunkState, chunkDtSum, shape.batch(), shape.dim(), shape.seqlen(), shape.groups(), chunkLen, nChunks, n, flags);
        g.task(carry, SelectiveScanKernels::carryStates, a.data(), chunkState, chunkDtSum, or(initialState, placeholder),
                lastState.data(), shape.batch(), shape.dim(), nChunks, n, flags);
        g.task(outputs, SelectiveScanKernels::chunkOutputs, u.data(), delta.data(), a.data(), b.data(), c.data(),
                or(d, placeholder), or(z, placeholder), or(deltaBias, placeholder), chunkState, placeholder, placeholder,
                out.data(), shape.batch(), shape.dim(), shape.seqlen(), shape.groups(), chunkLen, nChunks, n, flags);
        grids.addWorkerGrid(g.getName() + "." + states, Grids.twoD(rows, nChunks));
        grids.addWorkerGrid(g.getName() + "." + carry, Grids.twoD(rows, n));
        grids.addWorkerGrid(g.getName() + "." + outputs, Grids.twoD(rows, nChunks));
        return new SelectiveScanResult(out, lastState);
    }

    /**
     * Adds the bf16 scan's tasks (as {@link #addTo(TaskGraph, String, GridScheduler, Tensor, Tensor)} for
     * TILED16: {@code prefix + "_states"}, {@code "_carry"}, {@code "_out"}) writing out {@code [batch, dim, seqlen]}
     * in bf16 and the last state {@code [batch, dim, dstate]} in fp32 (may be the initial state itself).
     */
    public SelectiveScanBf16Result addTo(TaskGraph g, String prefix, GridScheduler grids, Bf16Tensor out, Tensor lastState) {
        Objects.requireNonNull(g, "graph");
        Objects.requireNonNull(grids, "grids");
        if (!bf16) {
            throw new IllegalStateException("this selective scan takes fp32 inputs: its out is fp32, "
                    + "use addTo(graph, prefix, grids, Tensor out, Tensor lastState)");
        }
        Objects.requireNonNull(out, "out");
        if (!Arrays.equals(out.shape(), outShape())) {
            throw new IllegalArgumentException("out: expected " + Arrays.toString(outShape()) + ", got " + out.shapeString());
        }
        Shapes.require("last_state", lastState, stateShape());
        addTiled16(g, prefix, grids, out.data(), lastState);
        return new SelectiveScanBf16Result(out, lastState);
    }

    /**
     * The TILED16 variant, fp32 or bf16 ({@code out} a FloatArray or a BFloat16Array): the passes of
     * {@link SelectiveScanTiled16Kernels} around {@link SelectiveScanTiled16Kernels#carryStates}.
     */
    private void addTiled16(TaskGraph g, String prefix, GridScheduler grids, Object out, Tensor lastState) {
        int rows = shape.batch() * shape.dim();
        int n = shape.dstate();
        int channelsPerGroup = shape.dim() / shape.groups();
        long rowBlocks = (long) shape.batch() * shape.groups()
                * ((channelsPerGroup + SelectiveScanTiled16Kernels.ROWS - 1) / SelectiveScanTiled16Kernels.ROWS);
        if (rowBlocks * nChunks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("selective scan: " + rowBlocks + " row blocks x " + nChunks
                    + " chunks is too many work-group tasks for int indices; use a longer chunk length");
        }
        if ((long) rows * n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("selective scan: batch * dim * dstate = " + (long) rows * n
                    + " is too many carry work-items for int indices");
        }
        WorkerGrid1D grid = new WorkerGrid1D(Math.min(rowBlocks * nChunks, TILED_MAX_GROUPS) * SelectiveScanTiled16Kernels.ROWS);
        grid.setLocalWork(SelectiveScanTiled16Kernels.ROWS);
        FloatArray placeholder = new FloatArray(1);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, placeholder);
        boolean single = nChunks == 1;
        FloatArray chunkState = single ? placeholder : new FloatArray((long) rows * nChunks * n);
        FloatArray chunkDtSum = single ? placeholder : new FloatArray((long) rows * nChunks);
        int flags = flags();
        String states = prefix + "_states";
        String carry = prefix + "_carry";
        String outputs = prefix + "_out";
        if (!single) {
            if (asyncStaging() == AsyncStaging.WIDEN) {
                g.task(states, SelectiveScanAsyncWidenKernels::chunkStatesBf16, new KernelContext(), uH.data(), deltaH.data(),
                        a.data(), bH.data(), or(deltaBias, placeholder), chunkState, chunkDtSum, shape.batch(), shape.dim(),
                        shape.seqlen(), shape.groups(), chunkLen, nChunks, flags, n);
            } else if (bf16) {
                g.task(states, SelectiveScanTiled16Kernels::chunkStatesBf16, new KernelContext(), uH.data(), deltaH.data(),
                        a.data(), bH.data(), or(deltaBias, placeholder), chunkState, chunkDtSum, shape.batch(), shape.dim(),
                        shape.seqlen(), shape.groups(), chunkLen, nChunks, flags, n);
            } else {
                g.task(states, SelectiveScanTiled16Kernels::chunkStates, new KernelContext(), u.data(), delta.data(),
                        a.data(), b.data(), or(deltaBias, placeholder), chunkState, chunkDtSum, shape.batch(), shape.dim(),
                        shape.seqlen(), shape.groups(), chunkLen, nChunks, flags, n);
            }
            g.task(carry, SelectiveScanTiled16Kernels::carryStates, a.data(), chunkState, chunkDtSum,
                    or(initialState, placeholder), lastState.data(), shape.batch(), shape.dim(), nChunks, flags, n);
            grids.addWorkerGrid(g.getName() + "." + states, grid);
            long carryItems = ((long) rows * n + TILED_CARRY_LOCAL - 1) / TILED_CARRY_LOCAL * TILED_CARRY_LOCAL;
            grids.addWorkerGrid(g.getName() + "." + carry, new WorkerGrid1D(carryItems).setLocalWork(TILED_CARRY_LOCAL));
        }
        // one chunk: the output pass alone, from the initial state, writing the last state
        int outFlags = single ? flags | SelectiveScanKernels.SINGLE_CHUNK : flags;
        FloatArray init = single ? or(initialState, placeholder) : placeholder;
        FloatArray last = single ? lastState.data() : placeholder;
        if (asyncStaging() == AsyncStaging.WIDEN) {
            BFloat16Array bf16Placeholder = new BFloat16Array(1);
            g.transferToDevice(DataTransferMode.FIRST_EXECUTION, bf16Placeholder);
            g.task(outputs, SelectiveScanAsyncWidenKernels::chunkOutputsBf16, new KernelContext(), uH.data(), deltaH.data(),
                    a.data(), bH.data(), cH.data(), or(d, placeholder), zH != null ? zH.data() : bf16Placeholder,
                    or(deltaBias, placeholder), chunkState, init, last, (BFloat16Array) out, shape.batch(), shape.dim(),
                    shape.seqlen(), shape.groups(), chunkLen, nChunks, outFlags, n);
        } else if (bf16) {
            BFloat16Array bf16Placeholder = new BFloat16Array(1);
            g.transferToDevice(DataTransferMode.FIRST_EXECUTION, bf16Placeholder);
            g.task(outputs, SelectiveScanTiled16Kernels::chunkOutputsBf16, new KernelContext(), uH.data(), deltaH.data(),
                    a.data(), bH.data(), cH.data(), or(d, placeholder), zH != null ? zH.data() : bf16Placeholder,
                    or(deltaBias, placeholder), chunkState, init, last, (BFloat16Array) out, shape.batch(), shape.dim(),
                    shape.seqlen(), shape.groups(), chunkLen, nChunks, outFlags, n);
        } else {
            g.task(outputs, SelectiveScanTiled16Kernels::chunkOutputs, new KernelContext(), u.data(), delta.data(),
                    a.data(), b.data(), c.data(), or(d, placeholder), or(z, placeholder), or(deltaBias, placeholder),
                    chunkState, init, last, (FloatArray) out, shape.batch(), shape.dim(), shape.seqlen(), shape.groups(),
                    chunkLen, nChunks, outFlags, n);
        }
        grids.addWorkerGrid(g.getName() + "." + outputs, grid);
    }

    /** The BLOCK variant: one task, {@code prefix}. */
    private SelectiveScanResult addBlock(TaskGraph g, String prefix, GridScheduler grids, Tensor out, Tensor lastState) {
        int n = shape.dstate();
        int threads = blockThreads(n);
        int rows = shape.batch() * shape.dim();
        FloatArray placeholder = new FloatArray(1);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, placeholder);
        g.task(prefix, SelectiveScanBlockKernel::scanRows, new KernelContext(), u.data(), delta.data(), a.data(), b.data(),
                c.data(), or(d, placeholder), or(z, placeholder), or(deltaBias, placeholder), or(initialState, placeholder),
                out.data(), lastState.data(), shape.batch(), shape.dim(), shape.seqlen(), shape.groups(), flags(),
                n, threads, BLOCK_ITEMS, threads * n);
        long groupCount = Math.min(rows, BLOCK_MAX_GROUPS);
        grids.addWorkerGrid(g.getName() + "." + prefix, new WorkerGrid1D(groupCount * threads).setLocalWork(threads));
        return new SelectiveScanResult(out, lastState);
    }

    /** Work-items per row in the BLOCK variant: a power of two, at most 128, with threads * dstate <= 4096. */
    static int blockThreads(int dstate) {
        int t = 128;
        while (t > 1 && t * dstate > BLOCK_SCAN_FLOATS) {
            t /= 2;
        }
        return t;
    }

    /** Copies the inputs to {@code device}, runs the scan there and returns out and the last state on the host. */
    public SelectiveScanResult run(ComputeDevice device) {
        Tensor out = Tensor.zeros(outShape());
        Tensor last = Tensor.zeros(stateShape());
        GraphRuns.runOnce(device, "selective_scan", Arrays.asList(u, delta, a, b, c, d, z, deltaBias, initialState),
                (g, grids) -> addTo(g, "scan", grids, out, last), List.of(out, last));
        return new SelectiveScanResult(out, last);
    }

    /**
     * Copies the bf16 scan's inputs to {@code device}, runs it there and returns out (bf16) and the last
     * state on the host.
     */
    public SelectiveScanBf16Result runBf16(ComputeDevice device) {
        Objects.requireNonNull(device, "device");
        Bf16Tensor out = Bf16Tensor.zeros(outShape());
        Tensor last = Tensor.zeros(stateShape());
        TaskGraph g = new TaskGraph("selective_scan_bf16");
        List<Object> in = new java.util.ArrayList<>();
        for (Bf16Tensor t : new Bf16Tensor[] {uH, deltaH, bH, cH, zH}) {
            if (t != null) {
                in.add(t.data());
            }
        }
        for (Tensor t : new Tensor[] {a, d, deltaBias, initialState}) {
            if (t != null) {
                in.add(t.data());
            }
        }
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, in.toArray());
        GridScheduler grids = new GridScheduler();
        addTo(g, "scan", grids, out, last);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, out.data(), last.data());
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(device).withGridScheduler(grids).execute();
        }
        return new SelectiveScanBf16Result(out, last);
    }

    int flags() {
        return (d != null ? SelectiveScanKernels.HAS_D : 0)
                | (z != null || zH != null ? SelectiveScanKernels.HAS_Z : 0)
                | (deltaBias != null ? SelectiveScanKernels.HAS_DELTA_BIAS : 0)
                | (deltaSoftplus ? SelectiveScanKernels.DELTA_SOFTPLUS : 0)
                | (initialState != null ? SelectiveScanKernels.HAS_INITIAL_STATE : 0);
    }

    private static FloatArray or(Tensor t, FloatArray placeholder) {
        return t != null ? t.data() : placeholder;
    }

    /** Collects the optional inputs and flags; {@link #build()} checks every shape. */
    public static final class Builder {
        private final Tensor u, delta, a, b, c;
        private final Bf16Tensor uH, deltaH, bH, cH;
        private Bf16Tensor zH;
        private Tensor d, z, deltaBias, initialState;
        private boolean deltaSoftplus;
        private int chunkLen;
        private Variant variant = Variant.TILED16;
        private AsyncStaging asyncStaging = AsyncStaging.fromProperty();

        private Builder(Tensor u, Tensor delta, Tensor a, Tensor b, Tensor c) {
            this.u = u;
            this.delta = delta;
            this.a = a;
            this.b = b;
            this.c = c;
            this.uH = null;
            this.deltaH = null;
            this.bH = null;
            this.cH = null;
        }

        private Builder(Bf16Tensor u, Bf16Tensor delta, Tensor a, Bf16Tensor b, Bf16Tensor c) {
            this.u = null;
            this.delta = null;
            this.a = a;
            this.b = null;
            this.c = null;
            this.uH = u;
            this.deltaH = delta;
            this.bH = b;
            this.cH = c;
        }

        /** Skip connection D {@code [dim]}: out += D * u. */
        public Builder d(Tensor d) {
            this.d = d;
            return this;
        }

        /** Gate z {@code [batch, dim, seqlen]}: out *= silu(z). */
        public Builder z(Tensor z) {
            this.z = z;
            return this;
        }

        /** Gate z {@code [batch, dim, seqlen]} of a bf16 scan: out *= silu(z). */
        public Builder z(Bf16Tensor z) {
            this.zH = z;
            return this;
        }

        /** Added to delta before the softplus, {@code [dim]}. */
        public Builder deltaBias(Tensor deltaBias) {
            this.deltaBias = deltaBias;
            return this;
        }

        public Builder deltaSoftplus(boolean on) {
            this.deltaSoftplus = on;
            return this;
        }

        /** State before the first token, {@code [batch, dim, dstate]} (beyond mamba_ssm: scan a long input in pieces). */
        public Builder initialState(Tensor initialState) {
            this.initialState = initialState;
            return this;
        }

        /** Tokens per chunk of the sequence-parallel passes (default: {@link #defaultChunkLength}). */
        public Builder chunkLength(int tokens) {
            if (tokens < 1) {
                throw new IllegalArgumentException("chunk length must be >= 1, got " + tokens);
            }
            this.chunkLen = tokens;
            return this;
        }

        /**
         * Device layout of the scan (default {@link Variant#TILED16}, measured on the H100 at 1.84 ms for 64K tokens;
         * TILED16 with a dstate above {@link SelectiveScanTiled16Kernels#MAX_DSTATE} runs as {@link Variant#CHUNKED},
         * see {@link #variant()}; a bf16 scan runs {@link Variant#TILED16}).
         */
        public Builder variant(Variant variant) {
            this.variant = Objects.requireNonNull(variant, "variant");
            return this;
        }

        /**
         * bf16 scans: how tiles are staged ({@link AsyncStaging}). Default: the {@link #ASYNC_PROPERTY} system property,
         * else {@link AsyncStaging#WIDEN}. Ignored by fp32 scans.
         */
        public Builder asyncStaging(AsyncStaging staging) {
            this.asyncStaging = Objects.requireNonNull(staging, "staging");
            return this;
        }

        /** {@link #asyncStaging(AsyncStaging)}: {@link AsyncStaging#WIDEN} or {@link AsyncStaging#OFF}. */
        public Builder asyncStaging(boolean on) {
            return asyncStaging(on ? AsyncStaging.WIDEN : AsyncStaging.OFF);
        }

        public SelectiveScan build() {
            return new SelectiveScan(this);
        }
    }
}
