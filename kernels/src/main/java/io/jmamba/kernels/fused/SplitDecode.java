package io.jmamba.kernels.fused;

import io.jmamba.kernels.nn.GraphParts;
import io.jmamba.kernels.nn.LinearBf16;
import io.jmamba.kernels.nn.ShapeCheck;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;

import java.util.Objects;

/**
 * Host API of {@link SplitDecodeKernels}: a Mamba-2 decode layer in two launches (norm + in_proj + conv; SSM + gate +
 * out_proj split along its input into per-layer partial sums), the next layer (or {@link #addCombine} before the head)
 * applying the gated norm's scales to the partial sums as it reads them.
 * <pre>{@code
 * SplitDecode.addLayer(g, grids, "l0", shape, dModel, layer0, hidden, null, null, groupSize, eps);
 * SplitDecode.addLayer(g, grids, "l1", shape, dModel, layer1, null, null, layer0, groupSize, eps);
 * SplitDecode.addCombine(g, grids, "l1", shape, dModel, layer1, groupSize, eps, out);
 * }</pre>
 * The layer must take the pre-gated few-row form ({@link #fits}). Its out_proj is read transposed
 * ({@link #transposedPacked}).
 */
public final class SplitDecode {
    private SplitDecode() {
    }

    /**
     * The arrays of one layer's step. {@code residualIn} null: the first layer (no residual add); {@code residualOut}
     * must be another array than {@code residualIn}. Biases, convBias, d and dtBias may be null.
     *
     * @param inW    in_proj's packed bf16 view (inRows, dModel / 2)
     * @param zxbcdt scratch (rows, inRows): z | silu(conv(xBC)) | dt
     * @param outWt  out_proj transposed, packed bf16 (dInner, dModel / 2): {@link #transposedPacked}
     * @param parts  this layer's out_proj partial sums (rows, dInner / groupSize, copies, dModel): {@link #partsSize}
     * @param partSq its gated y's sums of squares (rows, dInner / groupSize, copies); copies: their sizes say it
     */
    public record Layer(FloatArray residualIn, FloatArray residualOut, FloatArray normW, FloatArray inW, FloatArray inBias,
                        FloatArray zxbcdt, FloatArray convState, FloatArray convW, FloatArray convBias, FloatArray ssmState,
                        FloatArray a, FloatArray d, FloatArray dtBias, FloatArray gateW, FloatArray outWt, FloatArray outBias,
                        FloatArray parts, FloatArray partSq) {
    }

    /** Lanes per state row from which {@link SplitDecodeKernels#ssmOutProj} may choose: its channels are 128 / lanes. */
    static final int[] LANES = {8, 16, 32};

    /** The most W floats an item of {@link SplitDecodeKernels#ssmOutProj} keeps in registers (channels x pair slots). */
    static final int MAX_W_REGISTERS = 64;

    /**
     * Lanes per state row of {@link SplitDecodeKernels#ssmOutProj} for this shape, or 0 where none fits: the fewest
     * (most channels per work-group, fewest atomics) whose channel count divides headdim and the norm group and whose W
     * slice fits {@link #MAX_W_REGISTERS}. The 130M layer: 8 lanes, 16 channels, 96 work-groups and 74K atomic adds at
     * batch 1.
     */
    public static int lanes(Mamba2Decode.Shape s, int dModel, int groupSize) {
        int pairSlots = (dModel / 2 + SplitDecodeKernels.GROUP - 1) / SplitDecodeKernels.GROUP;
        for (int lanes : LANES) {
            int chans = SplitDecodeKernels.channels(lanes);
            if (s.headdim() % chans == 0 && groupSize % chans == 0 && chans * pairSlots <= MAX_W_REGISTERS) {
                return lanes;
            }
        }
        return 0;
    }

    /** Whether the split layer takes this shape: {@link PersistentDecode#fits}, an even dModel and {@link #lanes} found. */
    public static boolean fits(Mamba2Decode.Shape s, int dModel, int groupSize, boolean normBeforeGate) {
        return PersistentDecode.fits(s, dModel, groupSize, normBeforeGate) && dModel % 2 == 0 && groupSize > 0
                && lanes(s, dModel, groupSize) > 0;
    }

    /**
     * {@code -Djmamba.decode.splitCopies=n}: copies of each layer's partial sums (the SSM work-groups add into copy
     * {@code group % n}, the readers add the copies up); read when a layer's arrays are sized.
     */
    public static final String COPIES_PROPERTY = "jmamba.decode.splitCopies";

    /**
     * Copies of the partial sums: {@link #COPIES_PROPERTY}, default 4. Atomics to one address serialise in L2: at batch 1
     * the 130M layer's 96 work-groups each add into all 768 outputs, so one copy means 96-deep chains on 3 KB.
     */
    public static int copies() {
        int n = Integer.getInteger(COPIES_PROPERTY, 4);
        if (n < 1 || n > 64) {
            throw new IllegalArgumentException(COPIES_PROPERTY + " must be 1..64, got " + n);
        }
        return n;
    }

    /** Floats of a layer's {@link Layer#parts}: rows x norm groups x {@code copies} x dModel. */
    public static long partsSize(int rows, int dInner, int groupSize, int dModel, int copies) {
        return (long) rows * (dInner / groupSize) * copies * dModel;
    }

    /** Floats of a layer's {@link Layer#partSq}: rows x norm groups x {@code copies}. */
    public static long partSqSize(int rows, int dInner, int groupSize, int copies) {
        return (long) rows * (dInner / groupSize) * copies;
    }

    /**
     * out_proj's bf16 weight {@code w} (out, in), row-major, as the transposed packed view {@link SplitDecodeKernels#ssmOutProj}
     * reads: (in, out / 2) floats, float (c, j) holding W[2j, c] in its low half and W[2j + 1, c] in its high half.
     */
    public static FloatArray transposedPacked(BFloat16Array w, int out, int in) {
        Objects.requireNonNull(w, "out_proj W");
        ShapeCheck.requireShape("out_proj W (bf16)", w, "(dModel, dInner)", out, in);
        if (out % 2 != 0) {
            throw new IllegalArgumentException("the transposed packed out_proj needs an even dModel, got " + out);
        }
        BFloat16Array t = new BFloat16Array((long) in * out);
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < in; c++) {
                t.setBits((long) c * out + o, w.getBits((long) o * in + c));
            }
        }
        return LinearBf16.packedView(t);
    }

    /**
     * Adds the layer's two launches, tasks {@code prefix + "_sa"} and {@code "_sb"}. Its input rows come from exactly one
     * of {@code hidden} (rows, dModel), {@code embedding} (a first layer: no residualIn) or {@code previous} (the layer
     * before, also a split layer: its parts combined; its residualOut must be this layer's residualIn).
     */
    public static void addLayer(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int dModel, Layer l,
                                FloatArray hidden, PersistentDecode.Embedding embedding, Layer previous, int groupSize,
                                float eps) {
        addLaunches(g, grids, prefix, s, dModel, l, hidden, embedding, previous, groupSize, eps, 3, null, 0);
    }

    /**
     * {@link #addLayer} adding only the launches of {@code launches} (bits: 1 the first, 2 the second; benchmarks);
     * {@code trace} not null: with {@code -Djmamba.decode.splitTrace=true} the launches stamp their work-groups' times
     * into it from slot {@code traceAt} (launch 1) and {@code traceAt + }{@link #TRACE_SLOTS} (launch 2).
     */
    static void addLaunches(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int dModel, Layer l,
                            FloatArray hidden, PersistentDecode.Embedding embedding, Layer previous, int groupSize, float eps,
                            int launches, io.jmamba.runtime.api.LongArray trace, int traceAt) {
        Objects.requireNonNull(s, "shape");
        Objects.requireNonNull(l, "layer");
        GraphParts.checkPrefix(prefix);
        int sources = (hidden != null ? 1 : 0) + (embedding != null ? 1 : 0) + (previous != null ? 1 : 0);
        if (sources != 1) {
            throw new IllegalArgumentException("a split layer reads its input from exactly one of hidden, an embedding or the"
                    + " previous layer; got " + sources);
        }
        check(s, dModel, l, groupSize);
        int rows = s.batch();
        if (hidden != null) {
            ShapeCheck.requireShape("hidden", hidden, "(rows, dModel)", rows, dModel);
        }
        if (embedding != null) {
            ShapeCheck.requireShape("ids", embedding.ids(), "(rows)", rows);
            ShapeCheck.requireShape("embedding", embedding.table(), "(vocab, dModel)", embedding.vocab(), dModel);
            if (l.residualIn() != null) {
                throw new IllegalArgumentException("a layer that looks its rows up in the embedding is a first layer: no residualIn");
            }
            Objects.requireNonNull(l.residualOut(), "residualOut (the looked-up rows, the first layer's residual)");
        }
        if (previous != null) {
            check(s, dModel, previous, groupSize);
            if (copiesOf(s, dModel, previous, groupSize) != copiesOf(s, dModel, l, groupSize)) {
                throw new IllegalArgumentException("consecutive split layers need as many copies of their parts: "
                        + copiesOf(s, dModel, previous, groupSize) + " and " + copiesOf(s, dModel, l, groupSize));
            }
            if (previous.parts() == l.parts() || previous.partSq() == l.partSq()) {
                throw new IllegalArgumentException("consecutive split layers need their own parts and partSq: a layer zeroes"
                        + " its own while it reads the previous layer's");
            }
        }
        int normGroups = s.dInner() / groupSize;
        int flags = (l.residualIn() != null ? SplitDecodeKernels.HAS_RESIDUAL : 0)
                | (l.residualOut() != null ? SplitDecodeKernels.WRITE_RESIDUAL : 0)
                | (l.inBias() != null ? SplitDecodeKernels.IN_BIAS : 0)
                | (embedding != null ? SplitDecodeKernels.EMBED : 0)
                | (previous != null ? SplitDecodeKernels.FROM_PARTS : 0)
                | (previous != null && previous.outBias() != null ? SplitDecodeKernels.PREV_BIAS : 0);
        int ssmFlags = (l.convBias() != null ? Mamba2DecodeKernels.CONV_BIAS : 0) | (l.d() != null ? Mamba2DecodeKernels.HAS_D : 0)
                | (s.dtSoftplus() ? Mamba2DecodeKernels.DT_SOFTPLUS : 0) | (s.dtLimit() ? Mamba2DecodeKernels.DT_LIMIT : 0)
                | (l.dtBias() != null ? Mamba2DecodeKernels.DT_BIAS : 0);
        FloatArray rin = l.residualIn() != null ? l.residualIn() : GraphParts.orPlaceholder(g, null);
        FloatArray rout = l.residualOut() != null ? l.residualOut() : GraphParts.orPlaceholder(g, null);
        FloatArray prevParts = previous != null ? previous.parts() : GraphParts.orPlaceholder(g, null);
        FloatArray prevSq = previous != null ? previous.partSq() : GraphParts.orPlaceholder(g, null);
        FloatArray prevBias = GraphParts.orPlaceholder(g, previous != null ? previous.outBias() : null);
        IntArray ids = embedding != null ? embedding.ids() : intPlaceholder(g);
        FloatArray table = GraphParts.orPlaceholder(g, embedding != null ? embedding.table() : null);
        int vocab = embedding != null ? embedding.vocab() : 1;
        int inRows = s.inRows();
        io.jmamba.runtime.api.LongArray tr = trace != null ? trace : longPlaceholder(g);
        int slots = trace != null ? (int) Math.min(Integer.MAX_VALUE, trace.getSize() / 3) : 0;
        String a = prefix + "_sa";
        if ((launches & 1) != 0) {
            g.task(a, SplitDecodeKernels.class, "inProjConv", new KernelContext(), GraphParts.orPlaceholder(g, hidden), prevParts, prevSq,
                    prevBias, rin, l.normW(), l.inW(), GraphParts.orPlaceholder(g, l.inBias()), l.zxbcdt(), rout, l.convState(),
                    l.convW(), GraphParts.orPlaceholder(g, l.convBias()), l.parts(), l.partSq(), ids, table, rows, dModel, inRows,
                    s.dInner(), s.convDim(), normGroups, copiesOf(s, dModel, l, groupSize), groupSize, eps, flags, ssmFlags, vocab,
                    s.width(), tr, traceAt, slots);
            grids.addWorkerGrid(g.getName() + "." + a, groups(rows * SplitDecodeKernels.inProjBlocks(inRows)));
        }
        int lanes = lanes(s, dModel, groupSize);
        String b = prefix + "_sb";
        if ((launches & 2) == 0) {
            return;
        }
        g.task(b, SplitDecodeKernels.class, "ssmOutProj", new KernelContext(), l.zxbcdt(), l.ssmState(), l.a(),
                GraphParts.orPlaceholder(g, l.d()), GraphParts.orPlaceholder(g, l.dtBias()), l.gateW(), l.outWt(), l.parts(),
                l.partSq(), s.heads(), s.headdim(), s.groups(), s.dtMin(), s.dtMax(), s.dstate(), lanes, dModel, normGroups,
                copiesOf(s, dModel, l, groupSize), groupSize, ssmFlags, tr, traceAt + TRACE_SLOTS, slots);
        grids.addWorkerGrid(g.getName() + "." + b, groups(SplitDecodeKernels.ssmUnits(rows, s.heads(), s.headdim(), lanes)));
    }

    /** Adds task {@code prefix + "_comb"}: the layer's output (rows, dModel) into {@code out} from its parts. */
    public static void addCombine(TaskGraph g, GridScheduler grids, String prefix, Mamba2Decode.Shape s, int dModel, Layer l,
                                  int groupSize, float eps, FloatArray out) {
        Objects.requireNonNull(s, "shape");
        Objects.requireNonNull(l, "layer");
        GraphParts.checkPrefix(prefix);
        check(s, dModel, l, groupSize);
        int rows = s.batch();
        ShapeCheck.requireShape("out", out, "(rows, dModel)", rows, dModel);
        String id = prefix + "_comb";
        g.task(id, SplitDecodeKernels.class, "combine", new KernelContext(), l.parts(), l.partSq(),
                GraphParts.orPlaceholder(g, l.outBias()), out, rows, dModel, s.dInner() / groupSize, copiesOf(s, dModel, l, groupSize),
                groupSize, eps, l.outBias() != null);
        long items = ShapeCheck.intProduct("split decode combine work-items", rows, dModel);
        long groups = (items + SplitDecodeKernels.GROUP - 1) / SplitDecodeKernels.GROUP;
        grids.addWorkerGrid(g.getName() + "." + id, groups((int) groups));
    }

    private static io.jmamba.runtime.api.WorkerGrid groups(int groups) {
        ShapeCheck.intProduct("split decode work-items", groups, SplitDecodeKernels.GROUP);
        return new WorkerGrid1D((long) groups * SplitDecodeKernels.GROUP).setLocalWork(SplitDecodeKernels.GROUP);
    }

    /** Trace slots (work-groups) per launch that {@link #addLaunches} leaves for each of a layer's two launches. */
    static final int TRACE_SLOTS = 512;

    /** A three-long stand-in for an absent trace (the kernels write it only with tracing on and slots given). */
    private static io.jmamba.runtime.api.LongArray longPlaceholder(TaskGraph g) {
        io.jmamba.runtime.api.LongArray p = new io.jmamba.runtime.api.LongArray(3);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, p);
        return p;
    }

    /** A one-int stand-in for absent ids (sent to the device once; the kernel reads it only with EMBED). */
    private static IntArray intPlaceholder(TaskGraph g) {
        IntArray p = new IntArray(1);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, p);
        return p;
    }

    private static void check(Mamba2Decode.Shape s, int dModel, Layer l, int groupSize) {
        ShapeCheck.requirePositive("dModel", dModel);
        ShapeCheck.requirePositive("groupSize", groupSize);
        if (!fits(s, dModel, groupSize, false)) {
            throw new IllegalArgumentException("the split decode layer needs the persistent layer's shapes (at most "
                    + FusedGemv.WARP_FORM_MAX_ROWS + " rows, dModel and dInner multiples of 8 up to " + FusedGemvKernels.MAX_IN
                    + ", norm groups of a multiple of 8 columns, at most " + FusedGemvKernels.MAX_NORM_GROUPS + ") and a channel"
                    + " block of 4, 8 or 16 dividing headdim and the norm group with dModel <= " + 2 * SplitDecodeKernels.GROUP
                    * MAX_W_REGISTERS / 4 + "; got rows " + s.batch() + ", dModel " + dModel + ", dInner " + s.dInner()
                    + ", headdim " + s.headdim() + ", groupSize " + groupSize);
        }
        int rows = s.batch();
        int dInner = s.dInner();
        DecodeLayerChecks.requireLayerArrays(s, dModel, l.residualIn(), l.residualOut(), l.normW(), l.inW(), l.inBias(), l.zxbcdt(),
                l.convState(), l.convW(), l.convBias(), l.ssmState(), l.a(), l.d(), l.dtBias(), l.gateW(), l.outBias());
        ShapeCheck.requireShape("out_proj W^T (packed bf16)", l.outWt(), "(dInner, dModel / 2)", dInner, dModel / 2);
        int normGroups = dInner / groupSize;
        long perCopy = (long) rows * normGroups * dModel;
        if (l.parts().getSize() < perCopy || l.parts().getSize() % perCopy != 0) {
            throw new IllegalArgumentException("parts must be (rows, normGroups, copies, dModel) = (" + rows + ", " + normGroups
                    + ", copies, " + dModel + "), got " + l.parts().getSize() + " floats");
        }
        int copies = (int) (l.parts().getSize() / perCopy);
        ShapeCheck.requireShape("partSq", l.partSq(), "(rows, normGroups, copies)", rows, normGroups, copies);
    }

    /** Copies of the layer's partial sums, as its arrays' sizes say ({@link #check} has checked them). */
    private static int copiesOf(Mamba2Decode.Shape s, int dModel, Layer l, int groupSize) {
        return (int) (l.parts().getSize() / ((long) s.batch() * (s.dInner() / groupSize) * dModel));
    }
}
