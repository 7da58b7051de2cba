package io.jmamba.kernels.ssd;

import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.kernels.nn.ShapeCheck;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.List;
import java.util.Objects;

/**
 * Host API of the SSD chunked scan (Mamba-2). {@link #addTo} checks shapes and appends five phase
 * kernels to a task graph (cumsum and state passing from {@link SsdKernels}; chunk states, C*B^T and
 * chunk output from the chosen {@link Variant}: {@link #defaultFor} the device that will run the graph, the
 * tensor-core kernels on CUDA; without a variant the portable {@link SsdWideKernels});
 * their intermediates are arrays no transfer names, so they live on the device only. {@link #run}
 * is the one-call form on a given device, with that device's default.
 * <pre>{@code
 * SsdConfig cfg = SsdConfig.of(1, 4096, 24, 64, 1, 128, 256).withDtSoftplus(true);
 * SsdScan.Workspace ws = SsdScan.addTo(graph, grids, "l0_ssd", cfg, inputs, out, finalStates,
 *         SsdScan.defaultFor(device), null);
 * }</pre>
 */
public final class SsdScan {
    private SsdScan() {
    }

    /**
     * Which kernels compute the three matrix-product phases: {@link SsdKernels}' loop nests (one
     * work-item per output, the readable form and the reference the tests hold the tiles to), or
     * {@link SsdWideKernels}' local-memory tiles with 8 x 4 outputs per work-item of 128, which also take
     * the chunk cumsum from {@link SsdCumsumKernel} (a block scan per chunk and head) instead of
     * {@link SsdKernels#chunkCumsum}. (TILED, BLOCKED and TENSOR_TF32X3 timed slower than BLOCKED_WIDE at
     * every length on the H100 and were removed in session 5; {@link SsdWideKernels} has the numbers.)
     * TENSOR_3XTF32 is BLOCKED_WIDE with the chunk states, C B^T and the chunk scan on tensor cores in three TF32
     * products per float product ({@link SsdTf32StateKernels}, {@link SsdTf32CbKernels}, {@link SsdTf32ScanKernels}:
     * within the fp32 fixtures' tolerance); a shape one of them does not take (their {@code supports}; C B^T goes with
     * the chunk scan) runs BLOCKED_WIDE's kernel for that phase. For bf16 inputs see {@link SsdScanBf16}.
     */
    public enum Variant { LOOPS, BLOCKED_WIDE, TENSOR_3XTF32 }

    /**
     * The variant {@link #addTo} uses when none is given (the graph's device is not known there): BLOCKED_WIDE, which
     * every device runs well. Callers that know the device take {@link #defaultFor}.
     */
    public static final Variant DEFAULT_VARIANT = Variant.BLOCKED_WIDE;

    /** System property naming the variant {@link #defaultFor} returns on every device (for timing one against another). */
    public static final String VARIANT_PROPERTY = "jmamba.ssd.fp32.variant";

    /**
     * The fastest variant on {@code device}: TENSOR_3XTF32 on CUDA (2.3x BLOCKED_WIDE on the H100, session 9), else
     * BLOCKED_WIDE: OpenCL has no tensor-core instruction, and the MMAs' portable form (operands exchanged through
     * local memory) made TENSOR_3XTF32 about 30 times slower than BLOCKED_WIDE on PoCL. {@link #VARIANT_PROPERTY}, when
     * set, overrides both.
     */
    public static Variant defaultFor(ComputeDevice device) {
        String forced = System.getProperty(VARIANT_PROPERTY);
        if (forced != null) {
            try {
                return Variant.valueOf(forced.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-D" + VARIANT_PROPERTY + "=" + forced + " names no SSD variant; variants: "
                        + java.util.Arrays.toString(Variant.values()), e);
            }
        }
        return device.backendName().equals("cuda") ? Variant.TENSOR_3XTF32 : Variant.BLOCKED_WIDE;
    }

    /** Phase task ids, appended to the caller's prefix. */
    public static final List<String> PHASES = List.of("cumsum", "state", "passing", "cb", "scan");

    /**
     * The device-resident intermediates of an SSD call (see {@link SsdKernels} for their layouts).
     * Arrays no transfer names are never copied, but each still has host memory behind it (the cb
     * scratch alone is 1 GB at a million tokens), so a caller that adds many SSD calls to its graphs,
     * one per layer, should {@link #allocate} one workspace for the largest call and pass it to each:
     * tasks run in graph order, so the calls cannot overlap.
     *
     * @param finalStates scratch for the final state when the caller does not want it
     */
    public record Workspace(FloatArray dtOut, FloatArray dACumsum, FloatArray states, FloatArray cb,
                            FloatArray finalStates) {

        /** A workspace large enough for {@code cfg} and any call with smaller sizes. */
        public static Workspace allocate(SsdConfig cfg) {
            cfg.validate();
            long perChunk = ShapeCheck.elements("dt_out", cfg.batch(), cfg.heads(), cfg.nchunks(), cfg.chunkSize());
            return new Workspace(new FloatArray(perChunk), new FloatArray(perChunk),
                    new FloatArray(ShapeCheck.elements("states", cfg.batch(), cfg.nchunks(), cfg.heads(), cfg.headdim(), cfg.dstate())),
                    new FloatArray(ShapeCheck.elements("cb", cfg.batch(), cfg.nchunks(), cfg.groups(), cfg.chunkSize(), cfg.chunkSize())),
                    new FloatArray(ShapeCheck.elements("final_states", cfg.batch(), cfg.heads(), cfg.headdim(), cfg.dstate())));
        }

        /** Checks that every array holds at least what {@code cfg} needs; the message names the array and both sizes. */
        void requireFits(SsdConfig cfg) {
            long perChunk = (long) cfg.batch() * cfg.heads() * cfg.nchunks() * cfg.chunkSize();
            long stateSize = (long) cfg.batch() * cfg.heads() * cfg.headdim() * cfg.dstate();
            fits("dt_out", dtOut, perChunk);
            fits("dA_cumsum", dACumsum, perChunk);
            fits("states", states, stateSize * cfg.nchunks());
            fits("cb", cb, (long) cfg.batch() * cfg.nchunks() * cfg.groups() * cfg.chunkSize() * cfg.chunkSize());
            fits("final_states", finalStates, stateSize);
        }

        private static void fits(String name, FloatArray have, long needed) {
            if (have == null || have.getSize() < needed) {
                throw new IllegalArgumentException("workspace." + name + " has " + (have == null ? "no array" : have.getSize()
                        + " elements") + ", this SSD call needs " + needed);
            }
        }
    }

    /**
     * Appends the SSD tasks {@code prefix + "_" + phase} for each of {@link #PHASES} to {@code graph}
     * and their launch grids to {@code grids}. The caller transfers the inputs in and {@code out} /
     * {@code finalStates} out as its graph needs.
     *
     * @param finalStates (batch, heads, headdim, dstate), or null to leave it in {@link Workspace#finalStates()}
     * @return the intermediates, for a caller that wants to persist, inspect or reuse them
     */
    public static Workspace addTo(TaskGraph graph, GridScheduler grids, String prefix, SsdConfig cfg, SsdInputs in,
                                  FloatArray out, FloatArray finalStates) {
        return addTo(graph, grids, prefix, cfg, in, out, finalStates, DEFAULT_VARIANT);
    }

    /** As {@link #addTo(TaskGraph, GridScheduler, String, SsdConfig, SsdInputs, FloatArray, FloatArray)} with the kernels chosen. */
    public static Workspace addTo(TaskGraph graph, GridScheduler grids, String prefix, SsdConfig cfg, SsdInputs in,
                                  FloatArray out, FloatArray finalStates, Variant variant) {
        return addTo(graph, grids, prefix, cfg, in, out, finalStates, variant, null);
    }

    /**
     * As {@link #addTo(TaskGraph, GridScheduler, String, SsdConfig, SsdInputs, FloatArray, FloatArray, Variant)},
     * with the intermediates in {@code workspace} (null: a new one), which may be shared by every SSD
     * call of the caller's graphs.
     */
    public static Workspace addTo(TaskGraph graph, GridScheduler grids, String prefix, SsdConfig cfg, SsdInputs in,
                                  FloatArray out, FloatArray finalStates, Variant variant, Workspace workspace) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(grids, "grids");
        GraphParts.checkPrefix(prefix);
        cfg.validate();
        SsdInputs.DMode dMode = in.validate(cfg);
        int batch = cfg.batch(), seqlen = cfg.seqlen(), heads = cfg.heads(), headdim = cfg.headdim();
        int groups = cfg.groups(), dstate = cfg.dstate(), chunk = cfg.chunkSize(), nchunks = cfg.nchunks();
        ShapeCheck.requireShape("out", out, "(batch, seqlen, heads, headdim)", batch, seqlen, heads, headdim);
        Workspace ws = workspace != null ? workspace : Workspace.allocate(cfg);
        ws.requireFits(cfg);
        if (finalStates != null) {
            ShapeCheck.requireShape("final_states", finalStates, "(batch, heads, headdim, dstate)", batch, heads, headdim, dstate);
        } else {
            finalStates = ws.finalStates();
        }
        FloatArray dtOut = ws.dtOut();
        FloatArray dACumsum = ws.dACumsum();
        FloatArray states = ws.states();
        FloatArray cb = ws.cb();
        FloatArray dtBias = GraphParts.orPlaceholder(graph, in.dtBias());
        FloatArray initial = GraphParts.orPlaceholder(graph, in.initialStates());
        FloatArray d = GraphParts.orPlaceholder(graph, in.D());
        FloatArray z = GraphParts.orPlaceholder(graph, in.z());

        String g = graph.getName() + ".";
        int bch = ShapeCheck.intProduct("batch * nchunks * heads", batch, nchunks, heads);
        int bcg = ShapeCheck.intProduct("batch * nchunks * groups", batch, nchunks, groups);
        int bh = ShapeCheck.intProduct("batch * heads", batch, heads);

        boolean wide = variant != Variant.LOOPS;
        boolean tf32 = variant == Variant.TENSOR_3XTF32 && SsdTf32ScanKernels.supports(cfg);
        String t = prefix + "_cumsum";
        if (wide) {
            ShapeCheck.intProduct("cumsum work-items", bch, SsdCumsumKernel.GROUP);
            graph.task(t, SsdCumsumKernel::chunkCumsum, new KernelContext(), in.dt(), dtBias, in.A(), dtOut, dACumsum, batch,
                    seqlen, heads, chunk, nchunks, in.dtBias() != null, cfg.dtSoftplus(), cfg.clampsDt(), cfg.dtMin(), cfg.dtMax());
            grids.addWorkerGrid(g + t, tiledGrid(bch, SsdCumsumKernel.GROUP));
        } else {
            graph.task(t, SsdKernels::chunkCumsum, in.dt(), dtBias, in.A(), dtOut, dACumsum, batch, seqlen, heads, chunk,
                    nchunks, in.dtBias() != null, cfg.dtSoftplus(), cfg.clampsDt(), cfg.dtMin(), cfg.dtMax());
            grids.addWorkerGrid(g + t, GraphParts.loopGrid(bch));
        }

        long[] tiled = SsdWideKernels.groups(cfg);
        int groupSize = SsdWideKernels.GROUP;
        for (int k = 0; k < tiled.length; k++) {
            ShapeCheck.intProduct(PHASES.get(k == 0 ? 1 : k + 2) + " work-items", tiled[k], groupSize);
        }
        t = prefix + "_state";
        if (variant == Variant.TENSOR_3XTF32 && SsdTf32StateKernels.supports(cfg)) {
            graph.task(t, SsdTf32StateKernels::chunkState, new KernelContext(), in.x(), in.B(), dtOut, dACumsum, states, batch,
                    seqlen, heads, headdim, groups, dstate, chunk, nchunks);
            grids.addWorkerGrid(g + t, tiledGrid(SsdTensorKernels.groups(cfg)[0], SsdTensorKernels.GROUP));
        } else if (wide) {
            graph.task(t, SsdWideKernels::chunkState, new KernelContext(), in.x(), in.B(), dtOut, dACumsum, states, batch,
                    seqlen, heads, headdim, groups, dstate, chunk, nchunks);
            grids.addWorkerGrid(g + t, tiledGrid(tiled[0], groupSize));
        } else {
            graph.task(t, SsdKernels::chunkState, in.x(), in.B(), dtOut, dACumsum, states, batch, seqlen, heads, headdim,
                    groups, dstate, chunk, nchunks);
            grids.addWorkerGrid(g + t, GraphParts.loopGrid(dstate, headdim, bch));
        }

        t = prefix + "_passing";
        if (wide && passingByFour(headdim, dstate)) {
            graph.task(t, SsdKernels::statePassing4, states, dACumsum, initial, finalStates, batch, seqlen, heads, headdim,
                    dstate, chunk, nchunks, in.initialStates() != null);
            grids.addWorkerGrid(g + t, GraphParts.loopGrid((long) headdim * dstate / 4, bh));
        } else {
            graph.task(t, SsdKernels::statePassing, states, dACumsum, initial, finalStates, batch, seqlen, heads, headdim,
                    dstate, chunk, nchunks, in.initialStates() != null);
            grids.addWorkerGrid(g + t, GraphParts.loopGrid((long) headdim * dstate, bh));
        }

        t = prefix + "_cb";
        if (tf32) {
            graph.task(t, SsdTf32CbKernels::chunkCb, new KernelContext(), in.C(), in.B(), cb, batch, seqlen, groups, dstate,
                    chunk, nchunks);
            grids.addWorkerGrid(g + t, tiledGrid(SsdTensorKernels.groups(cfg)[1], SsdTensorKernels.GROUP));
        } else if (wide) {
            graph.task(t, SsdWideKernels::chunkCb, new KernelContext(), in.C(), in.B(), cb, batch, seqlen, groups, dstate,
                    chunk, nchunks);
            grids.addWorkerGrid(g + t, tiledGrid(tiled[1], groupSize));
        } else {
            graph.task(t, SsdKernels::chunkCb, in.C(), in.B(), cb, batch, seqlen, groups, dstate, chunk, nchunks);
            grids.addWorkerGrid(g + t, GraphParts.loopGrid(chunk, chunk, bcg));
        }

        t = prefix + "_scan";
        if (tf32) {
            graph.task(t, SsdTf32ScanKernels::chunkScanTf32, new KernelContext(), in.x(), z, d, in.C(), cb, dtOut, dACumsum,
                    states, out, batch, seqlen, heads, headdim, groups, dstate, chunk, nchunks, dMode.ordinal(), in.z() != null);
            grids.addWorkerGrid(g + t, tiledGrid(SsdTensorKernels.groups(cfg)[2], SsdTensorKernels.GROUP));
        } else if (wide) {
            graph.task(t, SsdWideKernels::chunkScan, new KernelContext(), in.x(), z, d, in.C(), cb, dtOut, dACumsum, states,
                    out, batch, seqlen, heads, headdim, groups, dstate, chunk, nchunks, dMode.ordinal(), in.z() != null);
            grids.addWorkerGrid(g + t, tiledGrid(tiled[2], groupSize));
        } else {
            graph.task(t, SsdKernels::chunkScan, in.x(), z, d, in.C(), cb, dtOut, dACumsum, states, out, batch, seqlen,
                    heads, headdim, groups, dstate, chunk, nchunks, dMode.ordinal(), in.z() != null);
            grids.addWorkerGrid(g + t, GraphParts.loopGrid(headdim, chunk, bch));
        }

        return ws;
    }

    /**
     * Whether BLOCKED_WIDE carries the states four elements per work-item ({@link SsdKernels#statePassing4}): where
     * {@code headdim * dstate} is a multiple of 4, unless {@code -Djmamba.ssd.statePassing=scalar} (the one-element
     * form, for timing against it; read when a graph is built).
     */
    static boolean passingByFour(int headdim, int dstate) {
        return headdim * dstate % 4 == 0 && !"scalar".equals(System.getProperty("jmamba.ssd.statePassing"));
    }

    /**
     * Runs one SSD call on {@code device} with its {@link #defaultFor} kernels: copies the inputs in, runs the five
     * kernels, copies {@code out} and {@code finalStates} (when not null) back.
     */
    public static void run(ComputeDevice device, SsdConfig cfg, SsdInputs in, FloatArray out, FloatArray finalStates) {
        run(device, cfg, in, out, finalStates, defaultFor(device));
    }

    /** As {@link #run(ComputeDevice, SsdConfig, SsdInputs, FloatArray, FloatArray)} with the kernels chosen. */
    public static void run(ComputeDevice device, SsdConfig cfg, SsdInputs in, FloatArray out, FloatArray finalStates,
                           Variant variant) {
        in.validate(cfg.validate());
        FloatArray fin = finalStatesOrNew(cfg, finalStates);
        GraphParts.runOnce(device, "ssd",
                GraphParts.arrays(in.x(), in.dt(), in.A(), in.B(), in.C(), in.D(), in.z(), in.dtBias(), in.initialStates()),
                List.of(out, fin), (graph, grids) -> addTo(graph, grids, "ssd", cfg, in, out, fin, variant));
    }

    /** {@code finalStates}, or a new (batch, heads, headdim, dstate) array when it is null (the caller does not want it). */
    static FloatArray finalStatesOrNew(SsdConfig cfg, FloatArray finalStates) {
        return finalStates != null ? finalStates
                : new FloatArray((long) cfg.batch() * cfg.heads() * cfg.headdim() * cfg.dstate());
    }

    /** A 1-D grid of {@code workGroups} work-groups of {@code groupSize} items (the tiled kernels of both SSD paths). */
    static WorkerGrid1D tiledGrid(long workGroups, int groupSize) {
        WorkerGrid1D grid = new WorkerGrid1D(workGroups * groupSize);
        grid.setLocalWork(groupSize);
        return grid;
    }
}
