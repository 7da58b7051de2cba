package io.jmamba.model.device;

import io.jmamba.kernels.nn.Argmax;
import io.jmamba.kernels.nn.GemvArgmax;
import io.jmamba.kernels.nn.Embedding;
import io.jmamba.kernels.norm.RmsNorm;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.mamba1.Mamba1Tasks;
import io.jmamba.model.mamba2.Mamba2Tasks;
import io.jmamba.model.weights.LayerWeights;
import io.jmamba.model.weights.Mamba1LayerWeights;
import io.jmamba.model.weights.Mamba2LayerWeights;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.ArrayList;
import java.util.List;

/**
 * Adds the tasks of one forward pass of a Mamba stack to a task graph: embedding; per layer the
 * residual add + RMSNorm and the mixer; the final norm and the lm_head. Weights go to the device on
 * the first execution and stay; activations never leave it.
 */
final class StackTasks {
    private final MambaConfig c;
    private final ModelWeights w;
    private final KernelSet kernels;
    private final KernelChoices choices;
    private final LinearLayers linears;
    /** Stands in for absent optional weights (a kernel argument cannot be null; a flag says not to read it). */
    private final FloatArray placeholder = new FloatArray(1);
    private final List<MixerTasks> mixers = new ArrayList<>();

    /**
     * Decode steps whose lm_head runs on the cuBLAS bf16 GEMM: the final norm writes bf16 for it instead of fp32 that a
     * cast kernel rounds to the same values; {@code -Djmamba.decode.bf16GemmInputs=false} keeps the cast (as for the
     * layers' GEMMs, {@link Mamba2Tasks}).
     */
    static final boolean DECODE_BF16_HEAD_INPUT = !"false".equals(System.getProperty("jmamba.decode.bf16GemmInputs"));

    /**
     * {@code -Djmamba.decode.headArgmax}: how a greedy batch-1 fused decode step ends. {@code true}: lm_head and the first
     * argmax stage in one kernel ({@link GemvArgmax}: two launches after the final norm instead of three); {@code norm}:
     * the final norm folded in as well (two launches after the last layer instead of four), the default; {@code false}:
     * the norm, the GEMV and both argmax stages. On the H100 (session 5, one run each) {@code norm} took the batch-1
     * step from 0.423 to 0.411 ms/token ({@code true}: 0.416); read when a plan's tasks are built.
     */
    static String headArgmax() {
        String v = System.getProperty("jmamba.decode.headArgmax");
        return v == null ? "norm" : v;
    }

    /**
     * {@code -Djmamba.decode.embedGemv=true}: a fused decode step at the staged GEMV's few rows (bf16 in_proj) folds the
     * embedding lookup into the first layer's norm + in_proj ({@link io.jmamba.kernels.fused.FusedEmbedGemvKernels}):
     * one launch fewer per step. Off by default until timed on the H100; read when a plan's tasks are built.
     */
    static boolean embedGemv() {
        return "true".equals(System.getProperty("jmamba.decode.embedGemv"));
    }

    /**
     * {@code -Djmamba.decode.persistent=true}: a fused decode step whose layers all take the persistent form
     * ({@link Mamba2Tasks#persistentFits}: batch 1-2, bf16 in_proj and out_proj) runs each layer as
     * {@link io.jmamba.kernels.fused.PersistentDecode}'s phases: one launch per layer with grid barriers on a device
     * that runs them (CUDA), the same phases as three launches elsewhere; the first layer looks its rows up in the
     * embedding itself (no embedding launch) unless {@code -Djmamba.decode.embedGemv=false}. Off by default until timed
     * on the H100; read when a plan's tasks are built (a plan keeps what it was built with).
     */
    static boolean persistentDecode() {
        return persistentLayersPerLaunch() > 0;
    }

    /**
     * Layers per launch of the persistent decode where layers take one launch each (CUDA): {@code true} 1, {@code pair}
     * 2, {@code quad} 4 ({@link io.jmamba.kernels.fused.PersistentDecodeKernels#layerPairStep}, {@code layerQuadStep}:
     * half and a quarter of the launches); 0: off. The last layers of a stack not divisible by it take smaller launches.
     * {@code phases} counts as 1 but runs the phases as three launches per layer on every device ({@link #persistentPhases}).
     */
    static int persistentLayersPerLaunch() {
        return switch (String.valueOf(System.getProperty("jmamba.decode.persistent"))) {
            case "true", "phases" -> 1;
            case "pair" -> 2;
            case "quad" -> 4;
            default -> 0;
        };
    }

    /**
     * {@code -Djmamba.decode.persistent=phases}: the persistent layer's phases as three launches per layer on every
     * device, CUDA included (no grid barriers). On the H100 the phase kernels took a 24-layer batch-1 step (layers only,
     * CUDA graph) to 0.354 ms against the fused kernels' 0.416 and one launch per layer's 0.457 (session 5,
     * PersistentDecodeBench): their units are smaller and each kernel loads its weights before the wait.
     */
    static boolean persistentPhases() {
        return "phases".equals(System.getProperty("jmamba.decode.persistent"));
    }

    /**
     * {@code -Djmamba.decode.split=true}: a fused decode step whose layers all take the split form
     * ({@link Mamba2Tasks#splitFits}: the persistent layer's shapes) runs each layer as two launches
     * ({@link io.jmamba.kernels.fused.SplitDecode}: norm + in_proj + conv; SSM + gate + out_proj into per-layer partial
     * sums with atomics) instead of three, plus one launch before the head; out_proj's sums then vary in the last bits
     * from run to run. It takes precedence over {@code jmamba.decode.persistent}. Off by default until timed on the
     * H100; read when a plan's tasks are built.
     */
    static boolean splitDecode() {
        return "true".equals(System.getProperty("jmamba.decode.split"));
    }

    /** The device the graphs are built for (the persistent decode layer sizes its grid by it), or null: not known. */
    private final ComputeDevice device;

    /** {@code choices}: variants of the fast kernels (the portable set has its own kernels); fp32 weights. */
    StackTasks(ModelWeights weights, KernelSet kernels, KernelChoices choices) {
        this(weights, kernels, choices, java.util.Map.of());
    }

    /**
     * {@code bf16}: bf16 twins of weights ({@link Bf16Weights}) that the fast kernels read instead (the
     * portable set always reads fp32); the device then holds the twin, not the fp32 array.
     */
    StackTasks(ModelWeights weights, KernelSet kernels, KernelChoices choices,
               java.util.Map<FloatArray, io.jmamba.runtime.api.BFloat16Array> bf16) {
        this(weights, kernels, choices, bf16, null);
    }

    /** As above, for graphs that run on {@code device} (null: not known; the persistent decode then takes three launches). */
    StackTasks(ModelWeights weights, KernelSet kernels, KernelChoices choices,
               java.util.Map<FloatArray, io.jmamba.runtime.api.BFloat16Array> bf16, ComputeDevice device) {
        this.device = device;
        this.w = weights;
        this.c = weights.config();
        this.kernels = kernels;
        this.choices = choices;
        this.linears = kernels == KernelSet.FAST ? new LinearLayers(choices.linear(), bf16) : new LinearLayers(choices.linear());
        for (LayerWeights lw : w.layers()) {
            mixers.add(switch (lw) {
                case Mamba1LayerWeights m -> kernels == KernelSet.FAST ? new Mamba1Tasks(c, m, choices, linears)
                        : PortableMixers.mamba1(c, m, placeholder);
                case Mamba2LayerWeights m -> kernels == KernelSet.FAST ? new Mamba2Tasks(c, m, choices, linears)
                        : PortableMixers.mamba2(c, m, placeholder);
            });
        }
    }

    /**
     * The forward pass's tasks. The weights are not named here: {@link ForwardPlan} copies them in with a
     * graph of their own, once, so that a decode step does not walk the few hundred weight arrays
     * (their FIRST_EXECUTION bookkeeping) every time it runs.
     */
    void addTo(TaskGraph g, GridScheduler grids, Activations a) {
        if (a.output != Output.GREEDY_IDS) {
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, a.ids); // greedy steps read the last step's argmax
        }
        int d = c.dModel();
        boolean fast = kernels == KernelSet.FAST;
        boolean fused = fusedSteps(a);
        // -Djmamba.decode.embedGemv=true: the first layer's in_proj looks its rows up itself (no embedding launch)
        // the persistent layers fold the lookup in unless -Djmamba.decode.embedGemv=false
        boolean split = fused && splitDecode() && splitSteps(a);
        boolean persistent = !split && fused && persistentDecode() && persistentSteps(a);
        boolean embedInLayer0 = persistent || split ? !"false".equals(System.getProperty("jmamba.decode.embedGemv"))
                : fused && embedGemv() && ((Mamba2Tasks) mixers.get(0)).embedFits(a.tokens);
        if (embedInLayer0) {
            // nothing here: l0_in_embgemv (or the first persistent layer) reads the ids and the embedding table
        } else if (fast) {
            Embedding.addTo(g, grids, "embed", a.tokens, d, c.vocabSize(), a.ids, w.embedding(), a.hidden);
        } else {
            g.task("embed", ModelKernels::embed, a.ids, w.embedding(), a.hidden, a.tokens, d);
        }
        if (fused) {
            // three launches per layer (one with the persistent layer on CUDA); the residual alternates between two arrays
            boolean phasesOnly = persistentPhases();
            boolean oneLaunch = persistent && !phasesOnly && device != null
                    && io.jmamba.kernels.fused.PersistentDecode.formFor(device) == io.jmamba.kernels.fused.PersistentDecode.Form.LAYER;
            int perLaunch = persistentLayersPerLaunch();
            IntArray counter = persistent ? a.scratch.shared("persistent_barrier", IntArray.class, () -> new IntArray(1)) : null;
            FloatArray residualIn = split ? addSplitLayers(g, grids, a, embedInLayer0) : null;
            for (int l = 0; !split && l < c.nLayer(); l++) {
                FloatArray residualOut = l % 2 == 0 ? a.residual : a.residualB;
                Mamba2Tasks m2 = (Mamba2Tasks) mixers.get(l);
                // the first layer's rows from the embedding table where the lookup is folded in
                io.jmamba.kernels.fused.PersistentDecode.Embedding embedding = l == 0 && embedInLayer0
                        ? new io.jmamba.kernels.fused.PersistentDecode.Embedding(a.ids, w.embedding(), c.vocabSize()) : null;
                if (oneLaunch) {
                    // layers l .. l + k - 1 in one launch (each reads the one before's output and residualOut)
                    int k = perLaunch;
                    while (l + k > c.nLayer()) {
                        k /= 2;
                    }
                    List<Mamba2Tasks> layers = new ArrayList<>();
                    List<LayerIo> ios = new ArrayList<>();
                    List<FloatArray> outs = new ArrayList<>();
                    for (int i = l; i < l + k; i++) {
                        layers.add((Mamba2Tasks) mixers.get(i));
                        ios.add(a.layer(i));
                        outs.add(i % 2 == 0 ? a.residual : a.residualB);
                    }
                    Mamba2Tasks.addPersistentLaunch(g, grids, "l" + l + "_", layers, ios, embedding, residualIn, outs, device, counter);
                    residualIn = outs.getLast();
                    l += k - 1;
                    continue;
                } else if (persistent) {
                    // no device: the phases as three launches (what phasesOnly asks for on a device with grid barriers)
                    m2.addPersistentStep(g, grids, "l" + l + "_", a.layer(l), embedding, residualIn, residualOut,
                            phasesOnly ? null : device, counter);
                } else if (l == 0 && embedInLayer0) {
                    m2.addFusedStep(g, grids, "l0_", a.layer(0), a.ids, w.embedding(), c.vocabSize(), residualOut);
                } else {
                    m2.addFusedStep(g, grids, "l" + l + "_", a.layer(l), residualIn, residualOut);
                }
                residualIn = residualOut;
            }
            String headMode = headArgmax();
            boolean fusedHead = a.output == Output.GREEDY_IDS && a.tokens == 1 && !headMode.equals("false")
                    && linears.takesGemvArgmax(w.lmHead(), d);
            if (fusedHead && headMode.equals("norm")) {
                // the head's 1,572 work-groups each normalise the row (6 KB from L2), so no norm launch
                linears.addNormGemvArgmax(g, grids, "lm_head", a.tokens, d, c.vocabSize(), a.hidden, residualIn, w.normF(),
                        c.normEps(), w.lmHead(), null, a.logits, a.ids);
                g.transferToHost(DataTransferMode.EVERY_EXECUTION, a.ids);
                return;
            }
            // the plain head keeps its own norm launch: its 12,570 GEMV work-groups would each re-normalise the row
            RmsNorm.addTo(g, grids, "norm_f", a.tokens, d, c.normEps(), a.hidden, residualIn, w.normF(), a.normed,
                    residualIn == a.residual ? a.residualB : a.residual);
            if (fusedHead) {
                // the lm_head GEMV writes the argmax partials as well; only the combine follows
                linears.addGemvArgmax(g, grids, "lm_head", a.tokens, d, c.vocabSize(), a.normed, w.lmHead(), null, a.logits,
                        a.ids);
                g.transferToHost(DataTransferMode.EVERY_EXECUTION, a.ids);
                return;
            }
            linears.add(g, grids, "lm_head", a.tokens, d, c.vocabSize(), a.normed, w.lmHead(), null, a.logits);
            output(g, grids, a, fast);
            return;
        }
        for (int l = 0; l < c.nLayer(); l++) {
            LayerWeights lw = w.layers().get(l);
            // a bf16 prefill's in_proj on cuBLAS reads the norm's output in bf16: the norm writes it so
            BFloat16Array in16 = mixers.get(l) instanceof Mamba2Tasks m2 ? m2.bf16Input(a.layer(l)) : null;
            if (in16 != null) {
                RmsNorm.addToBf16Out(g, grids, "l" + l + "_norm", a.tokens, c.dModel(), c.normEps(), a.hidden,
                        l == 0 ? null : a.residual, lw.norm(), in16, a.residual);
            } else {
                norm(g, grids, "l" + l + "_norm", a, lw.norm(), l == 0);
            }
            mixers.get(l).add(g, grids, "l" + l + "_", a.layer(l));
        }
        FloatArray headIn = a.normed;
        int rows = a.tokens;
        if (fast && a.seqlen == 1 && DECODE_BF16_HEAD_INPUT && linears.takesBf16Input(w.lmHead(), rows)) {
            // a decode step's head on the cuBLAS bf16 GEMM: the norm writes its input in bf16 (no cast launch), and one
            // position per sequence needs no last-position copy
            BFloat16Array head16 = a.scratch.getBf16("head_in16", (long) rows * d);
            RmsNorm.addToBf16Out(g, grids, "norm_f", a.tokens, d, c.normEps(), a.hidden, a.residual, w.normF(), head16,
                    a.residual);
            linears.addBf16Input(g, grids, "lm_head", rows, d, c.vocabSize(), head16, w.lmHead(), null, a.logits);
            output(g, grids, a, fast);
            return;
        }
        norm(g, grids, "norm_f", a, w.normF(), false);
        if (!a.allPositions && a.seqlen > 1) {
            g.task("last", ModelKernels::lastPositions, a.normed, a.lastRows, a.batch, a.seqlen, d);
            headIn = a.lastRows;
            rows = a.batch;
        }
        if (fast) {
            linears.add(g, grids, "lm_head", rows, d, c.vocabSize(), headIn, w.lmHead(), null, a.logits);
        } else {
            PortableMixers.linear(g, "lm_head", headIn, w.lmHead(), null, a.logits, rows, d, c.vocabSize(), d, 0, 0, 1,
                    false, placeholder);
        }
        output(g, grids, a, fast);
    }

    /** Whether a forward of this shape runs the fused decode layers: fast Mamba-2 kernels, fused decode chosen, one token of few sequences. */
    private boolean fusedSteps(Activations a) {
        if (kernels != KernelSet.FAST || !choices.fusedDecode() || a.seqlen != 1) {
            return false;
        }
        for (MixerTasks m : mixers) {
            if (!(m instanceof Mamba2Tasks m2) || !m2.fusedStepFits(a.batch)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The fused step's layers in the split form ({@link io.jmamba.kernels.fused.SplitDecode}, two launches per layer, each
     * layer's out_proj left as partial sums that the next layer combines), then the last layer's output into
     * {@code a.hidden}; returns the last layer's residual. Layer 0 looks its rows up in the embedding when
     * {@code embedInLayer0}, else reads {@code a.hidden} (the embedding launch's output).
     */
    private FloatArray addSplitLayers(TaskGraph g, GridScheduler grids, Activations a, boolean embedInLayer0) {
        FloatArray residualIn = null;
        io.jmamba.kernels.fused.SplitDecode.Layer previous = null;
        Mamba2Tasks m2 = null;
        for (int l = 0; l < c.nLayer(); l++) {
            FloatArray residualOut = l % 2 == 0 ? a.residual : a.residualB;
            m2 = (Mamba2Tasks) mixers.get(l);
            long[] sizes = m2.splitPartSizes(a.batch);
            // every layer its own partial sums: a layer zeroes its own while it reads the previous layer's
            io.jmamba.kernels.fused.SplitDecode.Layer layer = m2.splitLayer(a.layer(l), residualIn, residualOut,
                    a.scratch.get("split_parts_" + l, sizes[0]), a.scratch.get("split_sq_" + l, sizes[1]));
            io.jmamba.kernels.fused.PersistentDecode.Embedding embedding = l == 0 && embedInLayer0
                    ? new io.jmamba.kernels.fused.PersistentDecode.Embedding(a.ids, w.embedding(), c.vocabSize()) : null;
            FloatArray hidden = l == 0 && embedding == null ? a.hidden : null;
            m2.addSplitStep(g, grids, "l" + l + "_", a.batch, layer, hidden, embedding, previous);
            previous = layer;
            residualIn = residualOut;
        }
        m2.addSplitCombine(g, grids, "l" + (c.nLayer() - 1) + "_", a.batch, previous, a.hidden);
        return residualIn;
    }

    /** Whether every layer of a fused step takes the split form at this batch. */
    private boolean splitSteps(Activations a) {
        for (MixerTasks m : mixers) {
            if (!(m instanceof Mamba2Tasks m2) || !m2.splitFits(a.batch)) {
                return false;
            }
        }
        return true;
    }

    /** Whether every layer of a fused step takes the persistent form at this batch. */
    private boolean persistentSteps(Activations a) {
        for (MixerTasks m : mixers) {
            if (!(m instanceof Mamba2Tasks m2) || !m2.persistentFits(a.batch)) {
                return false;
            }
        }
        return true;
    }

    /** The step's result: the argmax ids (greedy) or the logits back to the host. */
    private void output(TaskGraph g, GridScheduler grids, Activations a, boolean fast) {
        if (a.output == Output.GREEDY_IDS) {
            if (fast) {
                Argmax.addTo(g, grids, "next", a.batch, c.vocabSize(), a.logits, a.ids);
            } else {
                g.task("next", ModelKernels::argmax, a.logits, a.ids, a.batch, c.vocabSize());
            }
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, a.ids);
        } else {
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, a.logits);
        }
    }

    /** residual = hidden (+ residual), normed = RMSNorm(residual) * weight. */
    private void norm(TaskGraph g, GridScheduler grids, String id, Activations a, FloatArray weight, boolean first) {
        if (kernels == KernelSet.FAST) {
            RmsNorm.addTo(g, grids, id, a.tokens, c.dModel(), c.normEps(), a.hidden, first ? null : a.residual, weight,
                    a.normed, a.residual);
        } else {
            g.task(id, ModelKernels::residualRmsNorm, a.hidden, a.residual, weight, a.normed, a.tokens, c.dModel(),
                    c.normEps(), first ? 1 : 0);
        }
    }

    /**
     * Every weight array the device reads, once each (a tied fp32 lm_head is the embedding), and the
     * placeholder: a weight read as bf16 is there as its bf16 twin instead (with a tied head, the fp32
     * embedding stays for the lookup).
     */
    List<NativeArray> weightArrays() {
        List<NativeArray> out = new ArrayList<>();
        for (FloatArray a : fp32WeightArrays()) {
            NativeArray dev = linears.onDevice(a);
            if (!out.contains(dev)) {
                out.add(dev);
            }
        }
        if (linears.isBf16(w.lmHead()) && w.lmHead() == w.embedding()) {
            out.add(w.embedding());
        }
        out.addAll(linears.packedViews());
        out.addAll(linears.transposedViews());
        return out;
    }

    private List<FloatArray> fp32WeightArrays() {
        List<FloatArray> out = new ArrayList<>();
        out.add(placeholder);
        out.add(w.embedding());
        for (LayerWeights lw : w.layers()) {
            switch (lw) {
                case Mamba1LayerWeights m -> addAll(out, m.norm(), m.inProj(), m.inProjBias(), m.convWeight(), m.convBias(),
                        m.xProj(), m.dtProjWeight(), m.dtProjBias(), m.a(), m.d(), m.outProj(), m.outProjBias());
                case Mamba2LayerWeights m -> addAll(out, m.norm(), m.inProj(), m.inProjBias(), m.convWeight(), m.convBias(),
                        m.dtBias(), m.a(), m.d(), m.gateNorm(), m.outProj(), m.outProjBias());
            }
        }
        out.add(w.normF());
        if (w.lmHead() != w.embedding()) {
            out.add(w.lmHead());
        }
        return out;
    }

    private static void addAll(List<FloatArray> out, FloatArray... arrays) {
        for (FloatArray a : arrays) {
            if (a != null) {
                out.add(a);
            }
        }
    }
}
