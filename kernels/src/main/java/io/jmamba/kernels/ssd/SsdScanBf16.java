package io.jmamba.kernels.ssd;

import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.kernels.nn.ShapeCheck;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.List;
import java.util.Objects;

/**
 * Host API of the SSD chunked scan with bf16 activations ({@link SsdBf16Inputs}, bf16 output): the
 * five phases of {@link SsdScan} ({@link SsdScan#PHASES}, the same fp32 intermediates in an
 * {@link SsdScan.Workspace}, plus the chunk states in bf16), with the bf16 cumsum of
 * {@link SsdCumsumKernel}, the tensor-core chunk states of {@link SsdBf16StateKernels} (bf16, passed in
 * place) and the tensor-core C B^T and chunk scan of {@link SsdFragKernels} (bf16 C B^T in mma-fragment
 * order, operands loaded a slice ahead). (Removed after timing on the H100: the STAGED kernels and their
 * {@code jmamba.ssd.bf16.variant} property, session 5, FRAG faster in every run: 16K 0.571 against
 * 0.625 ms, 64K 1.507 against 1.864, 1M 22.49 against 27.93; 128-row chunk-scan tiles, session 4, no
 * faster than FRAG, 1.540 against 1.526 ms at 64K; a deeper state-passing batch and 64 x 128
 * chunk-state tiles, never run on a GPU.)
 *
 * <p>Staging ({@link AsyncStaging}): the chunk state and chunk scan with tiles staged by asynchronous copies and
 * fragments read by ldmatrix ({@link SsdStateAsyncKernels}, {@link SsdFragAsyncKernels}; the default), or the
 * register-staged kernels above with {@code -Djmamba.ssd.bf16.async=false} (or {@code =scan}, {@code =state}: one of
 * them asynchronous; {@link #ASYNC_PROPERTY}) or an explicit {@link AsyncStaging}. H100, session 6, b1 24 x 64 n128
 * chunk 256, two alternating rounds: asynchronous 64K 1.262 / 1.238 ms and 1M 18.16 / 18.32, register-staged 1.545 /
 * 1.526 and 22.48 / 22.43; the chunk scan alone asynchronous 1.415 and 20.56, the chunk state alone 1.387 and 19.85.
 *
 * <p>C B^T ({@link #CB_ASYNC_PROPERTY}): {@link SsdCbAsyncKernels} (both tiles staged by asynchronous copies, the
 * default up to dstate 128) or {@link SsdFragKernels#chunkCbFrag}. H100, session 8, with {@code --cuda-graphs}: 64K
 * 0.855 / 0.866 ms against 0.913 / 0.918, 1M 13.26 / 13.13 against 13.81 / 13.76; the kernel 24 against 72 us at 64K.
 * <pre>{@code
 * SsdConfig cfg = SsdConfig.of(1, 65536, 24, 64, 1, 128, 256).withDtSoftplus(true);
 * SsdScanBf16.addTo(graph, grids, "l0_ssd", cfg, inputs, out, finalStates, workspace);
 * }</pre>
 */
public final class SsdScanBf16 {
    private SsdScanBf16() {
    }

    /**
     * System property choosing the asynchronously staged kernels ({@link AsyncStaging}): unset, "true" or "all" both
     * (the default), "scan" the chunk scan alone, "state" the chunk state alone, "false" neither; other values are an
     * error ({@link AsyncStaging#parse}).
     */
    public static final String ASYNC_PROPERTY = "jmamba.ssd.bf16.async";

    /**
     * System property: "false" computes C B^T with {@link SsdFragKernels#chunkCbFrag} (operands through registers)
     * instead of {@link SsdCbAsyncKernels#chunkCbAsync} (tiles staged by asynchronous copies, the default where dstate
     * is at most {@link SsdCbAsyncKernels#MAX_DSTATE}). Read when a graph is built.
     */
    public static final String CB_ASYNC_PROPERTY = "jmamba.ssd.bf16.cbAsync";

    /**
     * Which tensor-core products stage their tiles by asynchronous copies with ldmatrix fragments
     * ({@link SsdFragAsyncKernels#chunkScanAsync}, {@link SsdStateAsyncKernels#chunkStateAsync}) instead of
     * through registers ({@link SsdFragKernels#chunkScanFrag}, {@link SsdBf16StateKernels#chunkStateBf16}).
     */
    public enum AsyncStaging {
        /** Neither: the register-staged kernels. */
        NONE(false, false),
        /** The chunk scan only. */
        SCAN(true, false),
        /** The chunk state only. */
        STATE(false, true),
        /** Both (the default). */
        ALL(true, true);

        private final boolean scan;
        private final boolean state;

        AsyncStaging(boolean scan, boolean state) {
            this.scan = scan;
            this.state = state;
        }

        /** Whether the chunk scan is the asynchronously staged one. */
        public boolean scan() {
            return scan;
        }

        /** Whether the chunk state is the asynchronously staged one. */
        public boolean state() {
            return state;
        }

        /** The choice of {@link #ASYNC_PROPERTY} (unset: ALL). */
        public static AsyncStaging fromProperty() {
            return parse(System.getProperty(ASYNC_PROPERTY));
        }

        /**
         * A value of {@link #ASYNC_PROPERTY}: null, "true" or "all": ALL; "false", "off" or "none": NONE; "scan"; "state".
         *
         * @throws IllegalArgumentException for anything else, naming the property
         */
        public static AsyncStaging parse(String value) {
            if (value == null) {
                return ALL;
            }
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "false", "off", "none" -> NONE;
                case "true", "all" -> ALL;
                case "scan" -> SCAN;
                case "state" -> STATE;
                default -> throw new IllegalArgumentException(ASYNC_PROPERTY + " must be true (or all), scan, state or false"
                        + " (or off, none), got \"" + value + "\"");
            };
        }
    }

    /**
     * The device-resident intermediates of a bf16 SSD call: {@link SsdScan}'s fp32 ones and the state
     * entering each chunk in bf16 (batch, nchunks, heads, headdim, dstate). Shareable between calls of
     * one graph as {@link SsdScan.Workspace} is.
     */
    public record Workspace(SsdScan.Workspace fp32, BFloat16Array statesIn) {

        /** A workspace large enough for {@code cfg} and any call with smaller sizes. */
        public static Workspace allocate(SsdConfig cfg) {
            return new Workspace(SsdScan.Workspace.allocate(cfg), new BFloat16Array(ShapeCheck.elements("states_in",
                    cfg.batch(), cfg.nchunks(), cfg.heads(), cfg.headdim(), cfg.dstate())));
        }

        void requireFits(SsdConfig cfg) {
            fp32.requireFits(cfg);
            long needed = (long) cfg.batch() * cfg.nchunks() * cfg.heads() * cfg.headdim() * cfg.dstate();
            if (statesIn == null || statesIn.getSize() < needed) {
                throw new IllegalArgumentException("workspace.states_in has " + (statesIn == null ? "no array"
                        : statesIn.getSize() + " elements") + ", this SSD call needs " + needed);
            }
        }
    }

    /**
     * Checks what the tensor-core kernels need beyond {@link SsdConfig#validate}: whole 64-token tiles
     * per chunk and 16-wide fragments over headdim and dstate (every Mamba-2 model has chunk 256,
     * headdim 64, dstate 64 or 128).
     */
    public static SsdConfig validate(SsdConfig cfg) {
        cfg.validate();
        if (cfg.chunkSize() % SsdTensorKernels.TILE != 0) {
            throw new IllegalArgumentException("chunk_size: the bf16 SSD kernels need a multiple of " + SsdTensorKernels.TILE
                    + ", got " + cfg.chunkSize());
        }
        if (cfg.headdim() % 16 != 0) {
            throw new IllegalArgumentException("headdim: the bf16 SSD kernels need a multiple of 16, got " + cfg.headdim());
        }
        if (cfg.dstate() % 16 != 0) {
            throw new IllegalArgumentException("dstate: the bf16 SSD kernels need a multiple of 16, got " + cfg.dstate());
        }
        return cfg;
    }

    /**
     * Appends the SSD tasks {@code prefix + "_" + phase} to {@code graph} and their grids to {@code grids}.
     *
     * @param out         (batch, seqlen, heads, headdim), bf16
     * @param finalStates (batch, heads, headdim, dstate), fp32, or null to leave it in the workspace
     * @param workspace   the intermediates (null: a new one), shareable between calls as in {@link SsdScan}
     */
    public static Workspace addTo(TaskGraph graph, GridScheduler grids, String prefix, SsdConfig cfg,
                                  SsdBf16Inputs in, BFloat16Array out, FloatArray finalStates, Workspace workspace) {
        return addTo(graph, grids, prefix, cfg, in, out, finalStates, workspace, AsyncStaging.fromProperty());
    }

    /** {@link #addTo(TaskGraph, GridScheduler, String, SsdConfig, SsdBf16Inputs, BFloat16Array, FloatArray, Workspace)} with the kernels {@code async} chooses. */
    public static Workspace addTo(TaskGraph graph, GridScheduler grids, String prefix, SsdConfig cfg, SsdBf16Inputs in,
                                  BFloat16Array out, FloatArray finalStates, Workspace workspace, AsyncStaging async) {
        Objects.requireNonNull(async, "async");
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(grids, "grids");
        GraphParts.checkPrefix(prefix);
        validate(cfg);
        SsdInputs.DMode dMode = in.validate(cfg);
        int batch = cfg.batch(), seqlen = cfg.seqlen(), heads = cfg.heads(), headdim = cfg.headdim();
        int groups = cfg.groups(), dstate = cfg.dstate(), chunk = cfg.chunkSize(), nchunks = cfg.nchunks();
        ShapeCheck.requireShape("out", out, "(batch, seqlen, heads, headdim)", batch, seqlen, heads, headdim);
        Workspace both = workspace != null ? workspace : Workspace.allocate(cfg);
        both.requireFits(cfg);
        SsdScan.Workspace ws = both.fp32();
        if (finalStates != null) {
            ShapeCheck.requireShape("final_states", finalStates, "(batch, heads, headdim, dstate)", batch, heads, headdim, dstate);
        } else {
            finalStates = ws.finalStates();
        }
        FloatArray dtBias = GraphParts.orPlaceholder(graph, in.dtBias());
        FloatArray initial = GraphParts.orPlaceholder(graph, in.initialStates());
        FloatArray d = GraphParts.orPlaceholder(graph, in.D());
        BFloat16Array z = in.z();
        if (z == null) { // a pair, so that the kernel's (never taken) pair load would stay in bounds
            z = new BFloat16Array(2);
            graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, z);
        }

        String g = graph.getName() + ".";
        int bch = ShapeCheck.intProduct("batch * nchunks * heads", batch, nchunks, heads);
        long[] tiles = SsdTensorKernels.groups(cfg);
        ShapeCheck.intProduct("cumsum work-items", bch, SsdCumsumKernel.GROUP);
        for (int k = 0; k < tiles.length; k++) {
            ShapeCheck.intProduct(SsdScan.PHASES.get(k == 0 ? 1 : k + 2) + " work-items", tiles[k], SsdTensorKernels.GROUP);
        }

        String t = prefix + "_cumsum";
        graph.task(t, SsdCumsumKernel::chunkCumsumBf16, new KernelContext(), in.dt(), dtBias, in.A(), ws.dtOut(),
                ws.dACumsum(), batch, seqlen, heads, chunk, nchunks, in.dtBias() != null, cfg.dtSoftplus(), cfg.clampsDt(),
                cfg.dtMin(), cfg.dtMax());
        grids.addWorkerGrid(g + t, SsdScan.tiledGrid(bch, SsdCumsumKernel.GROUP));

        // the chunks' own states in bf16 in statesIn, replaced there by the passed states (no fp32 states)
        t = prefix + "_state";
        if (async.state()) {
            graph.task(t, SsdStateAsyncKernels::chunkStateAsync, new KernelContext(), in.x(), in.B(), ws.dtOut(),
                    ws.dACumsum(), both.statesIn(), batch, seqlen, heads, headdim, groups, dstate, chunk, nchunks);
        } else {
            graph.task(t, SsdBf16StateKernels::chunkStateBf16, new KernelContext(), in.x(), in.B(), ws.dtOut(),
                    ws.dACumsum(), both.statesIn(), batch, seqlen, heads, headdim, groups, dstate, chunk, nchunks);
        }
        grids.addWorkerGrid(g + t, SsdScan.tiledGrid(tiles[0], SsdTensorKernels.GROUP));

        t = prefix + "_passing";
        graph.task(t, SsdBf16StateKernels::statePassingInPlace, both.statesIn(), ws.dACumsum(), initial, finalStates,
                batch, seqlen, heads, headdim, dstate, chunk, nchunks, in.initialStates() != null);
        grids.addWorkerGrid(g + t, GraphParts.loopGrid((long) headdim * dstate / 2, (long) batch * heads));

        // the bf16 fragment-ordered C B^T (half the floats) in the fp32 cb scratch
        t = prefix + "_cb";
        if (dstate <= SsdCbAsyncKernels.MAX_DSTATE && !"false".equals(System.getProperty(CB_ASYNC_PROPERTY))) {
            graph.task(t, SsdCbAsyncKernels::chunkCbAsync, new KernelContext(), in.C(), in.B(), ws.cb(), batch, seqlen, groups,
                    dstate, chunk, nchunks);
        } else {
            graph.task(t, SsdFragKernels::chunkCbFrag, new KernelContext(), in.C(), in.B(), ws.cb(), batch, seqlen, groups,
                    dstate, chunk, nchunks);
        }
        grids.addWorkerGrid(g + t, SsdScan.tiledGrid(tiles[1], SsdTensorKernels.GROUP));

        t = prefix + "_scan";
        if (async.scan()) {
            graph.task(t, SsdFragAsyncKernels::chunkScanAsync, new KernelContext(), in.x(), z, d, in.C(), ws.cb(), ws.dtOut(),
                    ws.dACumsum(), both.statesIn(), out, batch, seqlen, heads, headdim, groups, dstate, chunk, nchunks,
                    dMode.ordinal(), in.z() != null);
        } else {
            graph.task(t, SsdFragKernels::chunkScanFrag, new KernelContext(), in.x(), z, d, in.C(), ws.cb(), ws.dtOut(),
                    ws.dACumsum(), both.statesIn(), out, batch, seqlen, heads, headdim, groups, dstate, chunk, nchunks,
                    dMode.ordinal(), in.z() != null);
        }
        grids.addWorkerGrid(g + t, SsdScan.tiledGrid(tiles[2], SsdTensorKernels.GROUP));
        return both;
    }

    /** Runs one bf16 SSD call on {@code device}: inputs in, five kernels, {@code out} and {@code finalStates} (when not null) back. */
    public static void run(ComputeDevice device, SsdConfig cfg, SsdBf16Inputs in, BFloat16Array out, FloatArray finalStates) {
        run(device, cfg, in, out, finalStates, AsyncStaging.fromProperty());
    }

    /** {@link #run(ComputeDevice, SsdConfig, SsdBf16Inputs, BFloat16Array, FloatArray)} with the kernels {@code async} chooses. */
    public static void run(ComputeDevice device, SsdConfig cfg, SsdBf16Inputs in, BFloat16Array out, FloatArray finalStates,
                           AsyncStaging async) {
        in.validate(validate(cfg));
        FloatArray fin = SsdScan.finalStatesOrNew(cfg, finalStates);
        GraphParts.runOnce(device, "ssd_bf16",
                GraphParts.arrays(in.x(), in.dt(), in.A(), in.B(), in.C(), in.D(), in.z(), in.dtBias(), in.initialStates()),
                List.of(out, fin), (graph, grids) -> addTo(graph, grids, "ssd", cfg, in, out, fin, null, async));
    }
}
