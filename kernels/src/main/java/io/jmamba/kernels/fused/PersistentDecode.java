package io.jmamba.kernels.fused;

import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.kernels.nn.ShapeCheck;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Host API of {@link PersistentDecodeKernels}: a Mamba-2 decode layer in one launch with grid barriers
 * ({@link Form#LAYER}), two or four consecutive layers in one launch ({@link #addLayersTo}), or one layer's same three
 * phases as three launches ({@link Form#PHASES}, for backends without grid barriers). The layer must take the
 * pre-gated fused form ({@link #fits}): packed bf16 in_proj and out_proj, the gate before the norm, norm groups in
 * whole 8-column chunks; the first layer may look its rows up in the embedding ({@link Embedding}).
 */
public final class PersistentDecode {
    private PersistentDecode() {
    }

    /** How the layer's three phases are launched. */
    public enum Form {
        /** {@link PersistentDecodeKernels#phaseA}, {@code phaseB}, {@code phaseC}: three launches, any backend. */
        PHASES,
        /** {@link PersistentDecodeKernels#layerStep}: one launch, grid barriers between the phases. */
        LAYER
    }

    /**
     * The arrays of one layer's step. {@code residualIn} null: the first layer (no residual add); {@code residualOut}
     * must be another array than {@code residualIn}; {@code hidden} (read) and {@code out} (written last) may be one
     * array. Biases, convBias, d and dtBias may be null.
     *
     * @param normW  the RMSNorm weight before in_proj (dModel)
     * @param inW    in_proj's packed bf16 view (inRows, dModel / 2)
     * @param zxbcdt in_proj's output (rows, inRows): z | xBC | dt
     * @param g      the gated y that phase B writes and phase C reads (rows, dInner)
     * @param gateW  the grouped RMSNorm weight before out_proj (dInner)
     * @param outW   out_proj's packed bf16 view (dModel, dInner / 2)
     * @param out    the layer's output (rows, dModel)
     */
    public record Layer(FloatArray hidden, FloatArray residualIn, FloatArray residualOut, FloatArray normW, FloatArray inW,
                        FloatArray inBias, FloatArray zxbcdt, FloatArray convState, FloatArray convW, FloatArray convBias,
                        FloatArray ssmState, FloatArray a, FloatArray d, FloatArray dtBias, FloatArray g, FloatArray gateW,
                        FloatArray outW, FloatArray outBias, FloatArray out) {
    }

    /**
     * The embedding lookup folded into a first layer's phase A ({@link PersistentDecodeKernels#EMBED}): its input rows
     * are {@code table[ids[row]]} (the launch before writes the ids: the last step's argmax), written to the layer's
     * residualOut as its residual; the layer's hidden is not read. An id outside [0, vocab) gives a row of NaN.
     *
     * @param table (vocab, dModel), fp32
     */
    public record Embedding(IntArray ids, FloatArray table, int vocab) {
        public Embedding {
            Objects.requireNonNull(ids, "ids");
            Objects.requireNonNull(table, "embedding table");
            ShapeCheck.requirePositive("vocab", vocab);
        }
    }

    /**
     * Whether the persistent layer takes this shape: rows at the fused GEMVs' few-row form, the model and inner widths
     * multiples of 8 within the staged row, norm groups of whole 8-column chunks (at most
     * {@link FusedGemvKernels#MAX_NORM_GROUPS}), the gate before the norm.
     */
    public static boolean fits(Mamba2Decode.Shape s, int dModel, int groupSize, boolean normBeforeGate) {
        int dInner = s.dInner();
        return s.batch() <= FusedGemv.WARP_FORM_MAX_ROWS && !normBeforeGate
                && dModel % 8 == 0 && dInner % 8 == 0 && FusedGemv.fits(dModel) && FusedGemv.fits(dInner)
                && groupSize % 8 == 0 && dInner % groupSize == 0 && dInner / groupSize <= FusedGemvKernels.MAX_NORM_GROUPS;
    }

    /**
     * Whether {@code device} runs {@link PersistentDecodeKernels#layerStep}'s grid barriers: CUDA (a cooperative
     * launch), an OpenCL GPU (one work-group per compute unit) and the JVM backend (every work-item on its own
     * thread); not an OpenCL CPU device (PoCL runs a few work-groups at a time).
     */
    public static boolean gridBarrierSupported(ComputeDevice device) {
        return layerGroupLimit(device) > 0;
    }

    /**
     * The form a model's decode step should take on {@code device}: one launch per layer on CUDA; three launches
     * elsewhere: the JVM backend would run a thread per work-item (tens of thousands per layer at the 130M shapes), and
     * an OpenCL GPU holds one work-group per compute unit only (a quarter of CUDA's grid, its warps emulated through
     * local memory), so its one-launch layer is run by the kernel tests but not chosen for a model.
     */
    public static Form formFor(ComputeDevice device) {
        return device instanceof io.jmamba.runtime.backend.cuda.CudaDevice && gridBarrierSupported(device) ? Form.LAYER
                : Form.PHASES;
    }

    /**
     * The most work-groups a {@link Form#LAYER} launch may have on {@code device} (0: no grid barrier there): on CUDA
     * {@link PersistentDecodeKernels#GROUPS_PER_CU} per multiprocessor (what the kernel's launch bounds leave room for;
     * {@code -Djmamba.decode.persistentGroupsPerCu=n} takes n instead, e.g. beside
     * {@code -Djmamba.cuda.launchBounds.PersistentDecodeKernels.layerStep=128,n}), on an OpenCL GPU one per compute unit (all that
     * OpenCL promises is resident), on the JVM 65,536 work-items (its backend's limit).
     */
    public static int layerGroupLimit(ComputeDevice device) {
        if (device instanceof io.jmamba.runtime.backend.cuda.CudaDevice) {
            int perCu = Math.max(1, GROUPS_PER_CU_OVERRIDE);
            return Math.max(1, device.computeUnits()) * perCu;
        }
        if (device.backendName().equals("jvm")) {
            return (1 << 16) / PersistentDecodeKernels.GROUP;
        }
        if (device.backendName().equals("opencl") && device.kind() == io.jmamba.runtime.backend.DeviceKind.GPU) {
            return Math.max(1, device.computeUnits());
        }
        return 0;
    }

    /**
     * Work-groups of a {@link Form#LAYER} launch on {@code device}: {@link #layerGroupLimit}, no more than the largest
     * phase has units (more would idle throughout).
     */
    public static int layerGroups(ComputeDevice device, Mamba2Decode.Shape s, int dModel) {
        int limit = layerGroupLimit(device);
        if (limit <= 0) {
            throw new IllegalArgumentException(device.id() + " runs no grid barrier: the persistent layer takes Form.PHASES there");
        }
        return (int) Math.max(1, Math.min(limit, maxUnits(s, dModel)));
    }

    static final int GROUPS_PER_CU_OVERRIDE = Integer.getInteger("jmamba.decode.persistentGroupsPerCu",
            PersistentDecodeKernels.GROUPS_PER_CU);

    /** The most units of the three phases: a launch with more work-groups than this leaves some idle throughout. */
    public static long maxUnits(Mamba2Decode.Shape s, int dModel) {
        int rows = s.batch();
        long a = PersistentDecodeKernels.inProjUnits(rows, s.inRows());
        long b = PersistentDecodeKernels.ssmUnits(rows, s.heads(), s.headdim(), Mamba2DecodeKernels.lanes(s.dstate(), rows));
        long c = PersistentDecodeKernels.outProjUnits(rows, dModel);
        return Math.max(a, Math.max(b, c));
    }

    /**
     * Adds the layer's step: {@link Form#PHASES} as tasks {@code prefix + "_pa"}, {@code "_pb"}, {@code "_pc"} (each
     * phase's grid its units), {@link Form#LAYER} as task {@code prefix + "_layer"} on {@code layerGroups} work-groups
     * with the grid barriers' {@code counter} (one int, zero at first; one per plan is enough: launches do not overlap
     * at a barrier).
     */
    public static void addTo(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int dModel, Layer l,
                             int groupSize, float eps, Form form, int layerGroups, IntArray counter) {
        addTo(g, grids, prefix, s, dModel, l, null, groupSize, eps, form, layerGroups, counter, Integer.MAX_VALUE);
    }

    /** As above for a first layer that looks its input rows up itself ({@code embedding}; null: reads hidden). */
    public static void addTo(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int dModel, Layer l,
                             Embedding embedding, int groupSize, float eps, Form form, int layerGroups, IntArray counter) {
        addTo(g, grids, prefix, s, dModel, l, embedding, groupSize, eps, form, layerGroups, counter, Integer.MAX_VALUE);
    }

    /**
     * As above, each {@link Form#PHASES} launch capped at {@code maxPhaseGroups} work-groups (tests: work-groups then
     * walk several units each, as in a persistent grid smaller than the work).
     */
    public static void addTo(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int dModel, Layer l,
                             Embedding embedding, int groupSize, float eps, Form form, int layerGroups, IntArray counter,
                             int maxPhaseGroups) {
        Objects.requireNonNull(s, "shape");
        Objects.requireNonNull(l, "layer");
        Objects.requireNonNull(form, "form");
        GraphParts.checkPrefix(prefix);
        check(s, dModel, l, groupSize);
        checkEmbedding(s, dModel, l, embedding);
        if (form == Form.LAYER) {
            addLayersTo(g, grids, prefix, s, dModel, List.of(l), embedding, groupSize, eps, layerGroups, counter);
            return;
        }
        IntArray ids = embedding != null ? embedding.ids() : intPlaceholder(g);
        FloatArray table = GraphParts.orPlaceholder(g, embedding != null ? embedding.table() : null);
        int vocab = embedding != null ? embedding.vocab() : 1;
        int rows = s.batch();
        int dInner = s.dInner();
        int lanes = Mamba2DecodeKernels.lanes(s.dstate(), rows);
        int ssmFlags = ssmFlags(s, l);
        int gemvFlags = gemvFlags(l) | (embedding != null ? PersistentDecodeKernels.EMBED : 0);
        FloatArray rin = l.residualIn() != null ? l.residualIn() : l.hidden();
        FloatArray rout = l.residualOut() != null ? l.residualOut() : GraphParts.orPlaceholder(g, null);
        FloatArray inBias = GraphParts.orPlaceholder(g, l.inBias());
        FloatArray outBias = GraphParts.orPlaceholder(g, l.outBias());
        FloatArray convBias = GraphParts.orPlaceholder(g, l.convBias());
        FloatArray d = GraphParts.orPlaceholder(g, l.d());
        FloatArray dtBias = GraphParts.orPlaceholder(g, l.dtBias());
        ShapeCheck.requirePositive("maxPhaseGroups", maxPhaseGroups);
        int inRows = s.inRows();
        String a = prefix + "_pa";
        g.task(a, PersistentDecodeKernels::phaseA, new KernelContext(), l.hidden(), rin, l.normW(), l.inW(), inBias, l.zxbcdt(),
                rout, ids, table, rows, dModel, inRows, eps, gemvFlags, vocab);
        grids.addWorkerGrid(g.getName() + "." + a, phaseGrid(PersistentDecodeKernels.inProjUnits(rows, inRows), maxPhaseGroups));
        String b = prefix + "_pb";
        g.task(b, PersistentDecodeKernels::phaseB, new KernelContext(), l.zxbcdt(), l.convState(), l.convW(), convBias,
                l.ssmState(), l.a(), d, dtBias, l.g(), rows, s.heads(), s.headdim(), s.groups(), s.dtMin(), s.dtMax(), s.dstate(),
                s.width(), lanes, ssmFlags);
        grids.addWorkerGrid(g.getName() + "." + b,
                phaseGrid(PersistentDecodeKernels.ssmUnits(rows, s.heads(), s.headdim(), lanes), maxPhaseGroups));
        String c = prefix + "_pc";
        g.task(c, PersistentDecodeKernels::phaseC, new KernelContext(), l.g(), l.zxbcdt(), l.gateW(), l.outW(), outBias, l.out(),
                l.convState(), rows, dInner, dModel, inRows, s.convDim(), groupSize, eps, gemvFlags, s.width());
        grids.addWorkerGrid(g.getName() + "." + c, phaseGrid(PersistentDecodeKernels.outProjUnits(rows, dModel), maxPhaseGroups));
    }

    /**
     * Adds two consecutive layers' steps as one launch ({@link PersistentDecodeKernels#layerPairStep}, task
     * {@code prefix + "_pair"}): half the launches of {@link Form#LAYER}. Both layers have shape {@code s}; in a model
     * {@code second}'s hidden is {@code first}'s out and its residualIn {@code first}'s residualOut. Needs a device with
     * grid barriers ({@link #layerGroups}).
     */
    public static void addPairTo(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int dModel, Layer first,
                                 Layer second, int groupSize, float eps, int layerGroups, IntArray counter) {
        addPairTo(g, grids, prefix, s, dModel, first, null, second, groupSize, eps, layerGroups, counter);
    }

    /** As above, the first layer looking its input rows up itself ({@code embedding}; null: reads its hidden). */
    public static void addPairTo(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int dModel, Layer first,
                                 Embedding embedding, Layer second, int groupSize, float eps, int layerGroups, IntArray counter) {
        addLayersTo(g, grids, prefix, s, dModel, List.of(first, second), embedding, groupSize, eps, layerGroups, counter);
    }

    /** Layers per launch that {@link #addLayersTo} takes: {@code layerStep}, {@code layerPairStep}, {@code layerQuadStep}. */
    public static final List<Integer> LAYERS_PER_LAUNCH = List.of(1, 2, 4);

    /**
     * Adds consecutive layers' steps as one launch with grid barriers: 1, 2 or 4 layers ({@link #LAYERS_PER_LAUNCH};
     * {@link PersistentDecodeKernels#layerStep}, {@code layerPairStep}, {@code layerQuadStep}; task {@code prefix} +
     * {@code "_layer"}, {@code "_pair"} or {@code "_quad"}). All of shape {@code s}; in a model each layer's hidden is the
     * one before's out and its residualIn the one before's residualOut; {@code embedding}: the first looks its rows up.
     * Four layers must agree on which of conv bias, D and dt bias they have. Needs a device with grid barriers
     * ({@link #layerGroups}).
     */
    public static void addLayersTo(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int dModel,
                                   List<Layer> layers, Embedding embedding, int groupSize, float eps, int layerGroups,
                                   IntArray counter) {
        addLayersTo(g, grids, prefix, s, dModel, layers, embedding, groupSize, eps, layerGroups, counter,
                PersistentDecodeKernels.ALL_PHASES);
    }

    /**
     * {@link PersistentDecodeKernels#layerStep} running only the phases of {@code phases} (bits A 1, B 2, C 4; the grid
     * barriers stay), to time one phase inside the one-launch layer; the results are not a layer's then.
     */
    public static void addPartialLayerTo(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int dModel,
                                         Layer layer, int groupSize, float eps, int layerGroups, IntArray counter, int phases) {
        if (phases < 0 || phases > PersistentDecodeKernels.ALL_PHASES) {
            throw new IllegalArgumentException("phases is a mask of A 1, B 2, C 4; got " + phases);
        }
        addLayersTo(g, grids, prefix, s, dModel, List.of(layer), null, groupSize, eps, layerGroups, counter, phases);
    }

    private static void addLayersTo(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int dModel,
                                    List<Layer> layers, Embedding embedding, int groupSize, float eps, int layerGroups,
                                    IntArray counter, int phases) {
        Objects.requireNonNull(s, "shape");
        Objects.requireNonNull(layers, "layers");
        GraphParts.checkPrefix(prefix);
        if (!LAYERS_PER_LAUNCH.contains(layers.size())) {
            throw new IllegalArgumentException("one launch takes " + LAYERS_PER_LAUNCH + " layers, got " + layers.size());
        }
        for (int i = 0; i < layers.size(); i++) {
            Objects.requireNonNull(layers.get(i), "layer " + i);
            check(s, dModel, layers.get(i), groupSize);
        }
        checkEmbedding(s, dModel, layers.getFirst(), embedding);
        requireLayerLaunch(counter, layerGroups);
        IntArray ids = embedding != null ? embedding.ids() : intPlaceholder(g);
        FloatArray table = GraphParts.orPlaceholder(g, embedding != null ? embedding.table() : null);
        int lanes = Mamba2DecodeKernels.lanes(s.dstate(), s.batch());
        List<Object> args = new ArrayList<>();
        args.add(new KernelContext());
        for (Layer l : layers) {
            args.addAll(kernelArrays(g, l));
        }
        args.addAll(List.of(ids, table, counter, s.batch(), dModel, s.dInner(), s.heads(), s.headdim(), s.groups(), s.dtMin(),
                s.dtMax(), s.dstate(), s.width(), lanes));
        List<Integer> gemv = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            gemv.add(gemvFlags(layers.get(i)) | (i == 0 && embedding != null ? PersistentDecodeKernels.EMBED : 0));
        }
        int vocab = embedding != null ? embedding.vocab() : 1;
        String kernel;
        String id;
        switch (layers.size()) {
            case 1 -> {
                kernel = "layerStep";
                id = prefix + "_layer";
                args.addAll(List.of(ssmFlags(s, layers.get(0)), groupSize, eps, gemv.get(0), vocab, phases));
            }
            case 2 -> {
                kernel = "layerPairStep";
                id = prefix + "_pair";
                args.addAll(List.of(ssmFlags(s, layers.get(0)), ssmFlags(s, layers.get(1)), groupSize, eps, gemv.get(0), gemv.get(1),
                        vocab));
            }
            default -> {
                kernel = "layerQuadStep";
                id = prefix + "_quad";
                int ssm = ssmFlags(s, layers.get(0));
                for (int i = 1; i < layers.size(); i++) {
                    if (ssmFlags(s, layers.get(i)) != ssm) {
                        throw new IllegalArgumentException("the four layers of one launch must all have (or all lack) conv bias, D"
                                + " and dt bias; layer " + i + " differs from layer 0");
                    }
                }
                args.addAll(List.of(ssm, groupSize, eps, gemv.get(0), gemv.get(1), gemv.get(2), gemv.get(3), vocab));
            }
        }
        g.task(id, PersistentDecodeKernels.class, kernel, args.toArray());
        int group = PersistentDecodeKernels.GROUP;
        grids.addWorkerGrid(g.getName() + "." + id, new WorkerGrid1D((long) layerGroups * group).setLocalWork(group));
    }

    /** A layer's arrays in the kernels' order, placeholders for the absent ones (residualIn absent: hidden, unread). */
    private static List<Object> kernelArrays(TaskGraph g, Layer l) {
        FloatArray rin = l.residualIn() != null ? l.residualIn() : l.hidden();
        FloatArray rout = l.residualOut() != null ? l.residualOut() : GraphParts.orPlaceholder(g, null);
        return List.of(l.hidden(), rin, l.normW(), l.inW(), GraphParts.orPlaceholder(g, l.inBias()), l.zxbcdt(), rout,
                l.convState(), l.convW(), GraphParts.orPlaceholder(g, l.convBias()), l.ssmState(), l.a(),
                GraphParts.orPlaceholder(g, l.d()), GraphParts.orPlaceholder(g, l.dtBias()), l.g(), l.gateW(), l.outW(),
                GraphParts.orPlaceholder(g, l.outBias()), l.out());
    }

    private static int ssmFlags(Mamba2Decode.Shape s, Layer l) {
        return (l.convBias() != null ? Mamba2DecodeKernels.CONV_BIAS : 0) | (l.d() != null ? Mamba2DecodeKernels.HAS_D : 0)
                | (s.dtSoftplus() ? Mamba2DecodeKernels.DT_SOFTPLUS : 0) | (s.dtLimit() ? Mamba2DecodeKernels.DT_LIMIT : 0)
                | (l.dtBias() != null ? Mamba2DecodeKernels.DT_BIAS : 0) | Mamba2DecodeKernels.GATE_Z;
    }

    private static int gemvFlags(Layer l) {
        return (l.residualIn() != null ? PersistentDecodeKernels.HAS_RESIDUAL : 0)
                | (l.residualOut() != null ? PersistentDecodeKernels.WRITE_RESIDUAL : 0)
                | (l.inBias() != null ? PersistentDecodeKernels.IN_BIAS : 0)
                | (l.outBias() != null ? PersistentDecodeKernels.OUT_BIAS : 0);
    }

    private static void checkEmbedding(Mamba2Decode.Shape s, int dModel, Layer l, Embedding e) {
        if (e == null) {
            return;
        }
        ShapeCheck.requireShape("ids", e.ids(), "(rows)", s.batch());
        ShapeCheck.requireShape("embedding", e.table(), "(vocab, dModel)", e.vocab(), dModel);
        if (l.residualIn() != null) {
            throw new IllegalArgumentException("a layer that looks its rows up in the embedding is a first layer: no residualIn");
        }
        Objects.requireNonNull(l.residualOut(), "residualOut (the looked-up rows, the first layer's residual)");
    }

    /** A one-int stand-in for absent ids (sent to the device once; the kernels read it only with EMBED). */
    private static IntArray intPlaceholder(TaskGraph g) {
        IntArray p = new IntArray(1);
        g.transferToDevice(io.jmamba.runtime.api.DataTransferMode.FIRST_EXECUTION, p);
        return p;
    }

    private static void requireLayerLaunch(IntArray counter, int layerGroups) {
        Objects.requireNonNull(counter, "counter");
        ShapeCheck.requireShape("counter", counter, "(1)", 1);
        ShapeCheck.requirePositive("layerGroups", layerGroups);
    }

    private static io.jmamba.runtime.api.WorkerGrid phaseGrid(int units, int maxGroups) {
        long groups = Math.min(units, maxGroups);
        ShapeCheck.intProduct("persistent decode work-items", groups, PersistentDecodeKernels.GROUP);
        return new WorkerGrid1D(groups * PersistentDecodeKernels.GROUP).setLocalWork(PersistentDecodeKernels.GROUP);
    }

    private static void check(Mamba2Decode.Shape s, int dModel, Layer l, int groupSize) {
        ShapeCheck.requirePositive("dModel", dModel);
        ShapeCheck.requirePositive("groupSize", groupSize);
        if (!fits(s, dModel, groupSize, false)) {
            throw new IllegalArgumentException("the persistent decode layer needs at most " + FusedGemv.WARP_FORM_MAX_ROWS
                    + " rows, dModel and dInner multiples of 8 up to " + FusedGemvKernels.MAX_IN + ", norm groups of a multiple of 8"
                    + " columns (at most " + FusedGemvKernels.MAX_NORM_GROUPS + "); got rows " + s.batch() + ", dModel " + dModel
                    + ", dInner " + s.dInner() + ", groupSize " + groupSize);
        }
        int rows = s.batch();
        int dInner = s.dInner();
        ShapeCheck.requireShape("hidden", l.hidden(), "(rows, dModel)", rows, dModel);
        DecodeLayerChecks.requireLayerArrays(s, dModel, l.residualIn(), l.residualOut(), l.normW(), l.inW(), l.inBias(), l.zxbcdt(),
                l.convState(), l.convW(), l.convBias(), l.ssmState(), l.a(), l.d(), l.dtBias(), l.gateW(), l.outBias());
        ShapeCheck.requireShape("g", l.g(), "(rows, dInner)", rows, dInner);
        ShapeCheck.requireShape("out_proj W (packed bf16)", l.outW(), "(dModel, dInner / 2)", dModel, dInner / 2);
        ShapeCheck.requireShape("out", l.out(), "(rows, dModel)", rows, dModel);
    }
}
