package io.jmamba.model.mamba2;

import io.jmamba.kernels.conv.CausalConv1d;
import io.jmamba.kernels.fused.FusedGemv;
import io.jmamba.kernels.fused.Mamba2Decode;
import io.jmamba.kernels.fused.PersistentDecode;
import io.jmamba.kernels.fused.SplitDecode;
import io.jmamba.kernels.nn.Linear;
import io.jmamba.kernels.norm.GatedRmsNorm;
import io.jmamba.kernels.scan.SelectiveStateUpdate;
import io.jmamba.kernels.ssd.SsdConfig;
import io.jmamba.kernels.ssd.SsdInputs;
import io.jmamba.kernels.ssd.SsdBf16Inputs;
import io.jmamba.kernels.ssd.SsdScan;
import io.jmamba.kernels.ssd.SsdScanBf16;
import io.jmamba.kernels.ssd.SsdTensorKernels;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.device.KernelChoices;
import io.jmamba.model.device.LayerIo;
import io.jmamba.model.device.LinearLayers;
import io.jmamba.model.device.MixerTasks;
import io.jmamba.model.device.Scratch;
import io.jmamba.model.weights.Mamba2LayerWeights;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.List;

import static io.jmamba.model.device.LayoutTasks.columnsBf16;
import static io.jmamba.model.device.LayoutTasks.columns3;
import static io.jmamba.model.device.LayoutTasks.copy;
import static io.jmamba.model.device.LayoutTasks.toChannels;
import static io.jmamba.model.device.LayoutTasks.toTokens;
import static io.jmamba.model.device.LayoutTasks.toTokensBf16;

/**
 * The Mamba-2 mixer as tasks of the kernels module. Prefill: in_proj (GEMM) -> z, xBC, dt -> conv
 * over xBC + SiLU (from and to the conv state) -> x, B, C -> SSD chunked scan (dt_bias, softplus,
 * dt_limit, D; from and to the SSM state) -> grouped gated RMSNorm -> out_proj. Decode (seqlen 1):
 * the conv update and the selective state update in its Mamba-2 form, states in place.
 */
public final class Mamba2Tasks implements MixerTasks {
    private final MambaConfig c;
    private final Mamba2LayerWeights w;

    private final LinearLayers linears;
    private final boolean tiled;
    private final boolean fusedDecode;
    private final boolean bf16Activations;
    private final SsdScan.Variant ssdVariant;

    public Mamba2Tasks(MambaConfig config, Mamba2LayerWeights weights) {
        this(config, weights, KernelChoices.PORTABLE_DEFAULT);
    }

    /** {@code choices}: the linear path ({@link Linear.Path#AUTO_CUBLAS} on CUDA) and the transposes. */
    public Mamba2Tasks(MambaConfig config, Mamba2LayerWeights weights, KernelChoices choices) {
        this(config, weights, choices, new LinearLayers(choices.linear()));
    }

    /** As above, the linear layers added by {@code linears} (which may read bf16 twins of the weights). */
    public Mamba2Tasks(MambaConfig config, Mamba2LayerWeights weights, KernelChoices choices, LinearLayers linears) {
        this.c = config;
        this.w = weights;
        this.linears = linears;
        this.tiled = choices.tiledTranspose();
        this.fusedDecode = choices.fusedDecode();
        this.bf16Activations = choices.bf16Activations();
        this.ssdVariant = choices.ssd();
    }

    /**
     * The whole layer of a decode step (seqlen 1, few rows) in three launches: residual add + RMSNorm +
     * in_proj; conv + SSM; gated RMSNorm + out_proj (+ the conv-state shift). {@code residualIn} null for
     * the first layer; {@code residualOut} receives hidden + residualIn and must be another array.
     */
    public void addFusedStep(TaskGraph g, GridScheduler grids, String p, LayerIo io, FloatArray residualIn,
                             FloatArray residualOut) {
        addFusedStep(g, grids, p, io, residualIn, residualOut, null, null, 0);
    }

    private void addFusedStep(TaskGraph g, GridScheduler grids, String p, LayerIo io, FloatArray residualIn,
                              FloatArray residualOut, io.jmamba.runtime.api.IntArray ids, FloatArray table, int vocab) {
        int d = c.dModel();
        int dI = c.dInner();
        int gr = c.nGroups();
        int b = io.batch();
        Scratch s = io.scratch();
        Mamba2Decode.Shape shape = new Mamba2Decode.Shape(b, c.nHeads(), c.headDim(), gr, c.dState(), c.dConv(), true,
                c.dtLimitLow(), c.dtLimitHigh());
        FloatArray zxbcdt = s.get("m2_zxbcdt", (long) b * shape.inRows());
        FloatArray y = s.get("m2_y", (long) b * dI);
        if (ids != null) {
            linears.addEmbedNormGemv(g, grids, p + "in", b, d, shape.inRows(), ids, table, vocab, w.norm(), w.inProj(),
                    w.inProjBias(), zxbcdt, residualOut, c.normEps());
        } else {
            linears.addNormGemv(g, grids, p + "in", b, d, shape.inRows(), io.out(), residualIn, w.norm(), w.inProj(),
                    w.inProjBias(), zxbcdt, residualOut, c.normEps());
        }
        // the gate in convSsm where the out_proj GEMV takes a pre-gated y (bf16 W, batch 1-2, norm after the gate)
        boolean gated = FusedGemv.preGated(b, linears.isBf16(w.outProj()), dI / gr, c.normBeforeGate());
        Mamba2Decode.addConvSsm(g, grids, p + "f", shape, zxbcdt, io.convState(), w.convWeight(), w.convBias(),
                io.ssmState(), w.a(), w.d(), w.dtBias(), y, gated);
        linears.addGatedNormGemv(g, grids, p + "out", shape, d, y, zxbcdt, w.gateNorm(), w.outProj(), w.outProjBias(), io.out(),
                io.convState(), dI / gr, c.normEps(), c.normBeforeGate(), gated);
    }

    /**
     * {@link #addFusedStep} for the first layer with the embedding lookup folded into its in_proj: the input rows are
     * {@code table[ids]} (no embedding launch before; {@link LayerIo#out} is not read), written to {@code residualOut}
     * as the layer's residual. Needs {@link #embedFits}.
     */
    public void addFusedStep(TaskGraph g, GridScheduler grids, String p, LayerIo io, io.jmamba.runtime.api.IntArray ids,
                             FloatArray table, int vocab, FloatArray residualOut) {
        addFusedStep(g, grids, p, io, null, residualOut, ids, table, vocab);
    }

    /**
     * Whether {@link #addPersistentStep} takes this layer at {@code batch} rows: the fused step fits, in_proj and
     * out_proj are read as packed bf16, and the layer has the pre-gated few-row form ({@link PersistentDecode#fits}).
     */
    public boolean persistentFits(int batch) {
        return fusedStepFits(batch) && linears.isBf16(w.inProj()) && linears.isBf16(w.outProj())
                && PersistentDecode.fits(decodeShape(batch), c.dModel(), c.dInner() / c.nGroups(), c.normBeforeGate());
    }

    /**
     * The layer's decode step as {@link PersistentDecode}'s phases: one launch with grid barriers on CUDA
     * ({@link PersistentDecode#formFor}; {@code counter} is their int), otherwise (or with no device) the same phases as
     * three launches. Same contract as {@link #addFusedStep}; needs {@link #persistentFits}.
     */
    public void addPersistentStep(TaskGraph g, GridScheduler grids, String p, LayerIo io, FloatArray residualIn,
                                  FloatArray residualOut, ComputeDevice device, IntArray counter) {
        addPersistentStep(g, grids, p, io, null, residualIn, residualOut, device, counter);
    }

    /**
     * As above; {@code embedding} not null: the first layer, its input rows looked up in the embedding table inside
     * its in_proj phase ({@link LayerIo#out} is not read; {@code residualIn} must be null).
     */
    public void addPersistentStep(TaskGraph g, GridScheduler grids, String p, LayerIo io, PersistentDecode.Embedding embedding,
                                  FloatArray residualIn, FloatArray residualOut, ComputeDevice device, IntArray counter) {
        Mamba2Decode.Shape shape = decodeShape(io.batch());
        boolean oneLaunch = device != null && PersistentDecode.formFor(device) == PersistentDecode.Form.LAYER;
        PersistentDecode.addTo(g, grids, p + "persist", shape, c.dModel(), persistentLayer(io, residualIn, residualOut), embedding,
                c.dInner() / c.nGroups(), c.normEps(), oneLaunch ? PersistentDecode.Form.LAYER : PersistentDecode.Form.PHASES,
                oneLaunch ? PersistentDecode.layerGroups(device, shape, c.dModel()) : 1, counter);
    }

    /**
     * Consecutive layers' decode steps in one launch ({@link PersistentDecode#addLayersTo}: 1, 2 or 4 layers of one
     * config): layer i reads layer i - 1's output and residualOut ({@code residualOuts.get(i - 1)}; the first reads
     * {@code residualIn}); {@code embedding} as in {@link #addPersistentStep}. Needs {@link #persistentFits} of each and a
     * device whose form is {@link PersistentDecode.Form#LAYER}.
     */
    public static void addPersistentLaunch(TaskGraph g, GridScheduler grids, String p, List<Mamba2Tasks> layers, List<LayerIo> ios,
                                           PersistentDecode.Embedding embedding, FloatArray residualIn,
                                           List<FloatArray> residualOuts, ComputeDevice device, IntArray counter) {
        if (layers.isEmpty() || layers.size() != ios.size() || layers.size() != residualOuts.size()) {
            throw new IllegalArgumentException("one layer io and one residualOut per layer: " + layers.size() + " layers, "
                    + ios.size() + " ios, " + residualOuts.size() + " residualOuts");
        }
        Mamba2Tasks first = layers.getFirst();
        Mamba2Decode.Shape shape = first.decodeShape(ios.getFirst().batch());
        List<PersistentDecode.Layer> steps = new java.util.ArrayList<>();
        FloatArray in = residualIn;
        for (int i = 0; i < layers.size(); i++) {
            steps.add(layers.get(i).persistentLayer(ios.get(i), in, residualOuts.get(i)));
            in = residualOuts.get(i);
        }
        MambaConfig c = first.c;
        PersistentDecode.addLayersTo(g, grids, p + "persist", shape, c.dModel(), steps, embedding, c.dInner() / c.nGroups(),
                c.normEps(), PersistentDecode.layerGroups(device, shape, c.dModel()), counter);
    }

    /**
     * Whether the split decode layer ({@link SplitDecode}: two launches per layer) takes this layer at {@code batch} rows:
     * {@link #persistentFits} and the split layer's channel blocks ({@link SplitDecode#fits}).
     */
    public boolean splitFits(int batch) {
        return persistentFits(batch) && SplitDecode.fits(decodeShape(batch), c.dModel(), c.dInner() / c.nGroups(), c.normBeforeGate());
    }

    /**
     * The layer's arrays in the split form: {@code parts} and {@code partSq} of sizes {@link SplitDecode#partsSize} and
     * {@link SplitDecode#partSqSize} must be this layer's own; out_proj is read transposed (a host-made copy).
     */
    public SplitDecode.Layer splitLayer(LayerIo io, FloatArray residualIn, FloatArray residualOut, FloatArray parts,
                                        FloatArray partSq) {
        int b = io.batch();
        FloatArray zxbcdt = io.scratch().get("m2_zxbcdt", (long) b * c.inProjRows());
        return new SplitDecode.Layer(residualIn, residualOut, w.norm(), linears.fusedW(w.inProj()), w.inProjBias(), zxbcdt,
                io.convState(), w.convWeight(), w.convBias(), io.ssmState(), w.a(), w.d(), w.dtBias(), w.gateNorm(),
                linears.transposedPacked(w.outProj(), c.dModel(), c.dInner()), w.outProjBias(), parts, partSq);
    }

    /** Floats of {@link #splitLayer}'s parts and partSq at {@code batch} rows. */
    public long[] splitPartSizes(int batch) {
        int groupSize = c.dInner() / c.nGroups();
        int copies = SplitDecode.copies();
        return new long[] {SplitDecode.partsSize(batch, c.dInner(), groupSize, c.dModel(), copies),
                SplitDecode.partSqSize(batch, c.dInner(), groupSize, copies)};
    }

    /**
     * The layer's decode step as {@link SplitDecode#addLayer}: input from exactly one of {@code hidden}, {@code embedding}
     * or {@code previous} (the layer before in split form). Needs {@link #splitFits}.
     */
    public void addSplitStep(TaskGraph g, GridScheduler grids, String p, int batch, SplitDecode.Layer layer, FloatArray hidden,
                             PersistentDecode.Embedding embedding, SplitDecode.Layer previous) {
        SplitDecode.addLayer(g, grids, p + "split", decodeShape(batch), c.dModel(), layer, hidden, embedding, previous,
                c.dInner() / c.nGroups(), c.normEps());
    }

    /** The last split layer's output rows into {@code out} (for the head). */
    public void addSplitCombine(TaskGraph g, GridScheduler grids, String p, int batch, SplitDecode.Layer layer, FloatArray out) {
        SplitDecode.addCombine(g, grids, p + "split", decodeShape(batch), c.dModel(), layer, c.dInner() / c.nGroups(), c.normEps(),
                out);
    }

    private PersistentDecode.Layer persistentLayer(LayerIo io, FloatArray residualIn, FloatArray residualOut) {
        int b = io.batch();
        Scratch s = io.scratch();
        FloatArray zxbcdt = s.get("m2_zxbcdt", (long) b * c.inProjRows());
        FloatArray y = s.get("m2_y", (long) b * c.dInner());
        return new PersistentDecode.Layer(io.out(), residualIn, residualOut, w.norm(), linears.fusedW(w.inProj()),
                w.inProjBias(), zxbcdt, io.convState(), w.convWeight(), w.convBias(), io.ssmState(), w.a(), w.d(), w.dtBias(), y,
                w.gateNorm(), linears.fusedW(w.outProj()), w.outProjBias(), io.out());
    }

    private Mamba2Decode.Shape decodeShape(int batch) {
        return new Mamba2Decode.Shape(batch, c.nHeads(), c.headDim(), c.nGroups(), c.dState(), c.dConv(), true,
                c.dtLimitLow(), c.dtLimitHigh());
    }

    /** Whether the first layer's fused step can look its rows up itself at {@code batch} rows (bf16 in_proj, staged form). */
    public boolean embedFits(int batch) {
        return fusedStepFits(batch) && FusedGemv.embedFits(batch, linears.isBf16(w.inProj()));
    }

    /** Whether {@link #addFusedStep} takes this model at {@code batch} rows (the GEMV's few rows, local rows wide enough). */
    public boolean fusedStepFits(int batch) {
        return fusedDecode && batch <= io.jmamba.kernels.fused.FusedGemvKernels.ROWS
                && c.dModel() % 8 == 0 && c.dInner() % 8 == 0 // the packed bf16 loads
                && c.nGroups() <= io.jmamba.kernels.fused.FusedGemvKernels.MAX_NORM_GROUPS
                && io.jmamba.kernels.fused.FusedGemv.fits(c.dModel()) && io.jmamba.kernels.fused.FusedGemv.fits(c.dInner());
    }

    /**
     * The bf16 copy of the layer input that in_proj reads instead of {@link LayerIo#in} (the RMSNorm before the
     * layer must write it: {@link io.jmamba.kernels.norm.RmsNorm#addToBf16Out}), or null where in_proj reads
     * the fp32 input: a bf16-activation prefill whose in_proj runs on cuBLAS in bf16 (no cast kernel then).
     */
    public BFloat16Array bf16Input(LayerIo io) {
        if (!linears.takesBf16Input(w.inProj(), io.tokens())) {
            return null;
        }
        boolean decode = io.seqlen() == 1;
        if (decode ? !(fusedDecode && DECODE_BF16_GEMM_INPUTS) : !bf16Activations) {
            return null;
        }
        return io.scratch().getBf16("m2_in16", (long) io.tokens() * c.dModel());
    }

    /**
     * Decode steps beyond the fused GEMVs' rows (fused decode, bf16 weights on cuBLAS): the norms before in_proj and
     * out_proj write their output in bf16 for the GEMMs, instead of fp32 that a cast kernel then rounds to the same
     * bf16 values (two launches fewer per layer). {@code -Djmamba.decode.bf16GemmInputs=false} keeps the casts.
     */
    static final boolean DECODE_BF16_GEMM_INPUTS = !"false".equals(System.getProperty("jmamba.decode.bf16GemmInputs"));

    @Override
    public void add(TaskGraph g, GridScheduler grids, String p, LayerIo io) {
        int d = c.dModel();
        int dI = c.dInner();
        int n = c.dState();
        int gr = c.nGroups();
        int gn = gr * n;
        int heads = c.nHeads();
        int hd = c.headDim();
        int convDim = c.convChannels();
        int inRows = c.inProjRows();
        int width = c.dConv();
        int b = io.batch();
        int len = io.seqlen();
        int t = io.tokens();
        Scratch s = io.scratch();
        FloatArray zxbcdt = s.get("m2_zxbcdt", (long) t * inRows);
        FloatArray z = s.get("m2_z", (long) t * dI);
        FloatArray dt = s.get("m2_dt", (long) t * heads);
        FloatArray xbcConv = s.get("m2_xbcconv", (long) t * convDim);
        FloatArray x = s.get("m2_x", (long) t * dI);
        FloatArray bm = s.get("m2_b", (long) t * gn);
        FloatArray cm = s.get("m2_c", (long) t * gn);
        FloatArray y = s.get("m2_y", (long) t * dI);
        FloatArray yn = s.get("m2_yn", (long) t * dI);
        Tensor weight = Tensor.of(w.convWeight(), convDim, width);
        Tensor bias = w.convBias() == null ? null : Tensor.of(w.convBias(), convDim);
        Tensor convState = Tensor.of(io.convState(), b, convDim, width - 1);
        boolean clamp = c.dtLimitLow() > 0 || c.dtLimitHigh() != Float.POSITIVE_INFINITY;

        BFloat16Array in16 = bf16Input(io);
        if (in16 != null) {
            linears.addBf16Input(g, grids, p + "in", t, d, inRows, in16, w.inProj(), w.inProjBias(), zxbcdt);
        } else {
            linears.add(g, grids, p + "in", t, d, inRows, io.in(), w.inProj(), w.inProjBias(), zxbcdt);
        }
        if (len == 1 && fusedDecode) {
            // two kernels between the linear layers, reading zxbcdt in place (see Mamba2DecodeKernels)
            Mamba2Decode.Shape shape = new Mamba2Decode.Shape(b, heads, hd, gr, n, width, true, c.dtLimitLow(), c.dtLimitHigh());
            // convSsm writes y * silu(z) where the norm after it takes the gated y (no exps, one pass there)
            boolean preGated = Mamba2Decode.preGatedNormFits(dI / gr, c.normBeforeGate());
            Mamba2Decode.addConvSsm(g, grids, p + "f", shape, zxbcdt, io.convState(), w.convWeight(), w.convBias(),
                    io.ssmState(), w.a(), w.d(), w.dtBias(), y, preGated);
            boolean bf16Out = DECODE_BF16_GEMM_INPUTS && linears.takesBf16Input(w.outProj(), t);
            BFloat16Array yn16 = bf16Out ? s.getBf16("m2_yn16", (long) t * dI) : null;
            if (preGated) {
                Mamba2Decode.addPreGatedNormShift(g, grids, p + "f", shape, y, zxbcdt, w.gateNorm(), bf16Out ? yn16 : yn,
                        io.convState(), dI / gr, c.normEps());
            } else if (bf16Out) {
                Mamba2Decode.addGatedNormShiftBf16Out(g, grids, p + "f", shape, y, zxbcdt, w.gateNorm(), yn16, io.convState(),
                        dI / gr, c.normEps(), c.normBeforeGate());
            } else {
                Mamba2Decode.addGatedNormShift(g, grids, p + "f", shape, y, zxbcdt, w.gateNorm(), yn, io.convState(), dI / gr,
                        c.normEps(), c.normBeforeGate());
            }
            if (bf16Out) {
                linears.addBf16Input(g, grids, p + "out", t, dI, d, yn16, w.outProj(), w.outProjBias(), io.out());
            } else {
                linears.add(g, grids, p + "out", t, dI, d, yn, w.outProj(), w.outProjBias(), io.out());
            }
            return;
        }
        if (len == 1) {
            FloatArray xbc = s.get("m2_xbc", (long) t * convDim);
            columns3(g, p + "split", zxbcdt, inRows, t, z, 0, dI, xbc, dI, convDim, dt, dI + convDim, heads);
            CausalConv1d.update(convState, Tensor.of(xbc, b, convDim, 1), weight).bias(bias).silu(true).build()
                    .addTo(g, p + "conv", grids, Tensor.of(xbcConv, b, convDim, 1), convState);
            columns3(g, p + "xbcsplit", xbcConv, convDim, t, x, 0, dI, bm, dI, gn, cm, dI + gn, gn);
            SelectiveStateUpdate.Builder step = SelectiveStateUpdate.mamba2(Tensor.of(io.ssmState(), b, heads, hd, n),
                            Tensor.of(x, b, heads, hd), Tensor.of(dt, b, heads), Tensor.of(w.a(), heads),
                            Tensor.of(bm, b, gr, n), Tensor.of(cm, b, gr, n))
                    .d(Tensor.of(w.d(), heads)).dtBias(Tensor.of(w.dtBias(), heads)).dtSoftplus(true);
            if (clamp) {
                step.dtLimit(c.dtLimitLow(), c.dtLimitHigh());
            }
            step.build().addTo(g, p + "ssm", grids, Tensor.of(y, b, heads, hd));
        } else if (bf16Activations) {
            addPrefillBf16(g, grids, p, io, zxbcdt, weight, bias, convState);
            return;
        } else {
            // z and dt token-major (the third range is empty); xBC channel-major for the conv
            columns3(g, p + "zdt", zxbcdt, inRows, t, z, 0, dI, dt, dI + convDim, heads, dt, 0, 0);
            FloatArray xbcCm = s.get("m2_xbccm", (long) t * convDim);
            FloatArray xbcConvCm = s.get("m2_xbcconvcm", (long) t * convDim);
            FloatArray convFinal = s.get("m2_convfinal", io.convState().getSize());
            FloatArray ssmFinal = s.get("m2_ssmfinal", io.ssmState().getSize());
            toChannels(g, grids, p + "xbc", zxbcdt, inRows, dI, convDim, xbcCm, b, len, tiled);
            CausalConv1d.forward(Tensor.of(xbcCm, b, convDim, len), weight).bias(bias).silu(true).initialStates(convState)
                    .build()
                    .addTo(g, p + "conv", grids, Tensor.of(xbcConvCm, b, convDim, len), Tensor.of(convFinal, b, convDim, width - 1));
            copy(g, p + "convstate", convFinal, io.convState(), convFinal.getSize());
            toTokens(g, grids, p + "x", xbcConvCm, convDim, 0, dI, x, b, len, tiled);
            toTokens(g, grids, p + "b", xbcConvCm, convDim, dI, gn, bm, b, len, tiled);
            toTokens(g, grids, p + "c", xbcConvCm, convDim, dI + gn, gn, cm, b, len, tiled);
            SsdConfig cfg = SsdConfig.of(b, len, heads, hd, gr, n, c.chunkSize()).withDtSoftplus(true)
                    .withDtLimit(c.dtLimitLow(), c.dtLimitHigh());
            SsdScan.addTo(g, grids, p + "ssd", cfg, new SsdInputs(x, dt, w.a(), bm, cm, w.d(), null, w.dtBias(), io.ssmState()),
                    y, ssmFinal, ssdVariant);
            copy(g, p + "ssmstate", ssmFinal, io.ssmState(), ssmFinal.getSize());
        }
        GatedRmsNorm.addTo(g, grids, p + "gn", new GatedRmsNorm.Config(t, dI, dI / gr, c.normEps(), c.normBeforeGate()),
                y, z, w.gateNorm(), yn);
        linears.add(g, grids, p + "out", t, dI, d, yn, w.outProj(), w.outProjBias(), io.out());
    }

    /**
     * Prefill with bf16 activations, as mamba_ssm's bf16 layer: the dt split and the conv's transposes round
     * dt, x, B and C to bf16 as they write them, the tensor-core SSD ({@link SsdScanBf16}) writes y in bf16,
     * and the gated norm reads y in bf16 and z in place from in_proj's fp32 output (no split copy; fp32
     * statistics), writing out_proj's input in bf16 where cuBLAS reads it so (no cast kernel). States stay fp32.
     */
    private void addPrefillBf16(TaskGraph g, GridScheduler grids, String p, LayerIo io, FloatArray zxbcdt, Tensor weight,
                                Tensor bias, Tensor convState) {
        int dI = c.dInner();
        int n = c.dState();
        int gr = c.nGroups();
        int gn = gr * n;
        int heads = c.nHeads();
        int convDim = c.convChannels();
        int inRows = c.inProjRows();
        int width = c.dConv();
        int b = io.batch();
        int len = io.seqlen();
        int t = io.tokens();
        Scratch s = io.scratch();
        // the tensor-core kernels tile a chunk by 64 tokens; the chunked scan's result does not depend on the
        // chunk size (it only splits the work), so a smaller model chunk (the tiny fixtures' 16) is rounded up
        int tile = SsdTensorKernels.TILE;
        int chunk = (c.chunkSize() + tile - 1) / tile * tile;
        SsdConfig cfg = SsdScanBf16.validate(SsdConfig.of(b, len, heads, c.headDim(), gr, n, chunk)
                .withDtSoftplus(true).withDtLimit(c.dtLimitLow(), c.dtLimitHigh()));
        BFloat16Array dt = s.getBf16("m2_dt16", (long) t * heads);
        BFloat16Array x = s.getBf16("m2_x16", (long) t * dI);
        BFloat16Array bm = s.getBf16("m2_b16", (long) t * gn);
        BFloat16Array cm = s.getBf16("m2_c16", (long) t * gn);
        BFloat16Array y = s.getBf16("m2_y16", (long) t * dI);
        FloatArray xbcCm = s.get("m2_xbccm", (long) t * convDim);
        FloatArray xbcConvCm = s.get("m2_xbcconvcm", (long) t * convDim);
        FloatArray convFinal = s.get("m2_convfinal", io.convState().getSize());
        FloatArray ssmFinal = s.get("m2_ssmfinal", io.ssmState().getSize());
        // one workspace for every layer: the layers' SSD tasks run one after another
        SsdScanBf16.Workspace ws = s.shared("m2_ssd16_ws", SsdScanBf16.Workspace.class, () -> SsdScanBf16.Workspace.allocate(cfg));

        // z is not split out: the gated norm reads it in place from zxbcdt
        columnsBf16(g, p + "dt", zxbcdt, inRows, dI + convDim, heads, dt, t);
        toChannels(g, grids, p + "xbc", zxbcdt, inRows, dI, convDim, xbcCm, b, len, tiled);
        CausalConv1d.forward(Tensor.of(xbcCm, b, convDim, len), weight).bias(bias).silu(true).initialStates(convState)
                .build()
                .addTo(g, p + "conv", grids, Tensor.of(xbcConvCm, b, convDim, len), Tensor.of(convFinal, b, convDim, width - 1));
        copy(g, p + "convstate", convFinal, io.convState(), convFinal.getSize());
        toTokensBf16(g, grids, p + "x", xbcConvCm, convDim, 0, dI, x, b, len);
        toTokensBf16(g, grids, p + "b", xbcConvCm, convDim, dI, gn, bm, b, len);
        toTokensBf16(g, grids, p + "c", xbcConvCm, convDim, dI + gn, gn, cm, b, len);
        SsdScanBf16.addTo(g, grids, p + "ssd", cfg, new SsdBf16Inputs(x, dt, w.a(), bm, cm, w.d(), null, w.dtBias(),
                io.ssmState()), y, ssmFinal, ws);
        copy(g, p + "ssmstate", ssmFinal, io.ssmState(), ssmFinal.getSize());
        GatedRmsNorm.Config norm = new GatedRmsNorm.Config(t, dI, dI / gr, c.normEps(), c.normBeforeGate());
        if (linears.takesBf16Input(w.outProj(), t)) {
            // cuBLAS reads out_proj's input in bf16: the norm writes it so, and no cast kernel runs
            BFloat16Array yn = s.getBf16("m2_yn16", (long) t * dI);
            GatedRmsNorm.addToBf16(g, grids, p + "gn", norm, y, zxbcdt, inRows, w.gateNorm(), null, yn);
            linears.addBf16Input(g, grids, p + "out", t, dI, c.dModel(), yn, w.outProj(), w.outProjBias(), io.out());
        } else {
            FloatArray yn = s.get("m2_yn", (long) t * dI);
            GatedRmsNorm.addToBf16(g, grids, p + "gn", norm, y, zxbcdt, inRows, w.gateNorm(), yn, null);
            linears.add(g, grids, p + "out", t, dI, c.dModel(), yn, w.outProj(), w.outProjBias(), io.out());
        }
    }
}
