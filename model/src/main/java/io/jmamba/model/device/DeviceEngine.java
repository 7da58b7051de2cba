package io.jmamba.model.device;

import io.jmamba.kernels.nn.Linear;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.inference.InferenceEngine;
import io.jmamba.model.inference.InferenceState;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.backend.ComputeDevice;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs the model as task graphs on one device. Each forward shape (batch, seqlen, and what comes
 * back: all logits, last logits, or greedy ids) gets its own execution plan, kept in a small cache:
 * decode steps reuse one plan, so their state stays on the device from step to step and only ids
 * and logits (greedy: only ids) cross. A batch of prompts of different lengths is prefilled one
 * sequence at a time.
 *
 * <p>On CUDA the decode plans replay a CUDA graph (every per-step input travels in device arrays).
 * Each plan holds its own copy of the weights on the device; the cache bound keeps that in check.
 */
public final class DeviceEngine implements InferenceEngine {
    /** Plans kept at once; the least recently used is closed beyond this. */
    static final int MAX_PLANS = 4;
    /** Default bound on the tokens (all sequences together) one prefill graph processes. */
    public static final int DEFAULT_MAX_PREFILL_TOKENS = 1 << 16;

    private final ModelWeights weights;
    private final MambaConfig config;
    private final ComputeDevice device;
    private final KernelSet kernels;
    private KernelChoices choices;
    private StackTasks stack;
    /** bf16 twins of the linear weights, made on first use of {@link WeightPrecision#BF16}. */
    private java.util.Map<FloatArray, io.jmamba.runtime.api.BFloat16Array> bf16;
    private final boolean cudaGraphs;
    private final Map<PlanKey, ForwardPlan> plans = new LinkedHashMap<>(16, 0.75f, true);
    private int maxPrefillTokens = DEFAULT_MAX_PREFILL_TOKENS;
    private boolean closed;

    /** The fast kernels, with CUDA graphs for decode on CUDA. */
    public DeviceEngine(ModelWeights weights, ComputeDevice device) {
        this(weights, device, true);
    }

    /** {@code cudaGraphs}: replay decode steps from a CUDA graph when the device is a CUDA one. */
    public DeviceEngine(ModelWeights weights, ComputeDevice device, boolean cudaGraphs) {
        this(weights, device, cudaGraphs, KernelSet.FAST);
    }

    public DeviceEngine(ModelWeights weights, ComputeDevice device, boolean cudaGraphs, KernelSet kernels) {
        this.weights = weights;
        this.config = weights.config();
        this.device = device;
        this.kernels = kernels;
        this.choices = KernelChoices.defaultFor(device);
        this.stack = newStack();
        this.cudaGraphs = cudaGraphs;
    }

    /**
     * Longer prompts are prefilled in pieces of about this many tokens (all sequences together), the
     * state carried between pieces: activation memory stays bounded at the cost of one plan per piece
     * length. Returns this engine.
     */
    public synchronized DeviceEngine withMaxPrefillTokens(int tokens) {
        if (tokens < 1) {
            throw new IllegalArgumentException("max prefill tokens must be >= 1, got " + tokens);
        }
        this.maxPrefillTokens = tokens;
        return this;
    }

    /**
     * How the fast kernels' linear layers are computed; the default is {@link Linear.Path#autoFor} the
     * device (cuBLAS for many rows on CUDA, the JIT GEMM elsewhere). {@link Linear.Path#AUTO} keeps the
     * JIT kernels on CUDA too, to time one against the other. Only before the first forward pass.
     * Returns this engine.
     */
    public synchronized DeviceEngine withLinear(Linear.Path path) {
        return withChoices(choices.withLinear(path));
    }

    /**
     * The fast kernels' variants (linear path, tiled transposes); the default is
     * {@link KernelChoices#defaultFor} the device. Only before the first forward pass. Returns this engine.
     */
    public synchronized DeviceEngine withChoices(KernelChoices choices) {
        java.util.Objects.requireNonNull(choices, "choices");
        if (!plans.isEmpty()) {
            throw new IllegalStateException("the kernel choices are fixed once a forward pass has run");
        }
        this.choices = choices;
        this.stack = newStack();
        return this;
    }

    /**
     * Stores the in_proj, out_proj and lm_head weights in {@code precision} on the device (fast kernels
     * only; {@link WeightPrecision#BF16}: rounded once here, products accumulated in fp32). Only before the
     * first forward pass. Returns this engine.
     */
    public synchronized DeviceEngine withWeights(WeightPrecision precision) {
        return withChoices(choices.withWeights(precision));
    }

    /**
     * Mamba-2 decode steps through the fused kernels (fewer launches per layer) or one kernel per op.
     * Only before the first forward pass. Returns this engine.
     */
    public synchronized DeviceEngine withFusedDecode(boolean fused) {
        return withChoices(choices.withFusedDecode(fused));
    }

    /**
     * Mamba-2 prefill with bf16 activations and the tensor-core SSD ({@link KernelChoices#bf16Activations}).
     * Only before the first forward pass. Returns this engine.
     */
    public synchronized DeviceEngine withBf16Activations(boolean bf16Activations) {
        return withChoices(choices.withBf16Activations(bf16Activations));
    }

    private StackTasks newStack() {
        if (kernels == KernelSet.FAST && choices.weights() == WeightPrecision.BF16) {
            if (bf16 == null) {
                bf16 = Bf16Weights.of(weights);
            }
            return new StackTasks(weights, kernels, choices, bf16, device);
        }
        return new StackTasks(weights, kernels, choices, java.util.Map.of(), device);
    }

    /** The linear-layer path the graphs are built with. */
    public synchronized Linear.Path linear() {
        return choices.linear();
    }

    /** The fast kernels' variants the graphs are built with. */
    public synchronized KernelChoices choices() {
        return choices;
    }

    @Override
    public MambaConfig config() {
        return config;
    }

    public ComputeDevice device() {
        return device;
    }

    @Override
    public String deviceDescription() {
        return device.id() + " (" + device.name() + "), " + kernels.name().toLowerCase(java.util.Locale.ROOT) + " kernels"
                + (kernels == KernelSet.FAST ? ", linear " + choices.linear().name().toLowerCase(java.util.Locale.ROOT)
                + (choices.tiledTranspose() ? "" : ", plain transposes")
                + ", " + choices.weights().name().toLowerCase(java.util.Locale.ROOT) + " weights"
                + (choices.fusedDecode() ? ", fused decode" : "") : "");
    }

    @Override
    public InferenceState newState(int batch) {
        return new DeviceState(this, config, batch);
    }

    @Override
    public synchronized float[][][] prefill(InferenceState state, int[][] tokens, boolean allPositions) {
        DeviceState s = own(state, tokens.length);
        int len = tokens[0].length;
        boolean rectangular = true;
        for (int b = 0; b < tokens.length; b++) {
            if (tokens[b].length == 0) {
                throw new IllegalArgumentException("sequence " + b + " has no tokens to prefill");
            }
            rectangular &= tokens[b].length == len;
        }
        if (rectangular) {
            return prefillInPieces(s, tokens, allPositions);
        }
        // different lengths: one sequence at a time through a one-sequence state
        sync(s);
        float[][][] out = new float[tokens.length][][];
        for (int b = 0; b < tokens.length; b++) {
            DeviceState one = new DeviceState(this, config, 1);
            s.copySlot(b, one, true);
            out[b] = prefillInPieces(one, new int[][] {tokens[b]}, allPositions)[0];
            sync(one);
            s.copySlot(b, one, false);
            s.positions[b] += tokens[b].length;
        }
        return out;
    }

    @Override
    public synchronized float[][] decode(InferenceState state, int[] tokens) {
        DeviceState s = own(state, tokens.length);
        int[][] rows = new int[tokens.length][];
        for (int b = 0; b < tokens.length; b++) {
            rows[b] = new int[] {tokens[b]};
        }
        float[][][] logits = split(forward(s, rows, Output.LAST_LOGITS).arrays.logits, s.batch, 1);
        float[][] out = new float[tokens.length][];
        for (int b = 0; b < tokens.length; b++) {
            out[b] = logits[b][0];
        }
        return out;
    }

    /**
     * A rectangular prefill in pieces of at most {@link #maxPrefillTokens} tokens per sequence, the
     * state carried from piece to piece, so that the activations of a very long prompt stay bounded.
     */
    private float[][][] prefillInPieces(DeviceState s, int[][] tokens, boolean allPositions) {
        int len = tokens[0].length;
        int piece = Math.max(1, maxPrefillTokens / s.batch);
        float[][][] out = new float[s.batch][allPositions ? len : 1][];
        for (int from = 0; from < len; from += piece) {
            int to = Math.min(len, from + piece);
            int[][] part = new int[s.batch][];
            for (int b = 0; b < s.batch; b++) {
                part[b] = java.util.Arrays.copyOfRange(tokens[b], from, to);
            }
            boolean last = to == len;
            if (!allPositions && !last) {
                // only the state matters before the last piece; its last-position logits are dropped
                forward(s, part, Output.LAST_LOGITS);
                continue;
            }
            float[][][] logits = split(forward(s, part, outputOf(allPositions)).arrays.logits, s.batch,
                    allPositions ? to - from : 1);
            for (int b = 0; b < s.batch; b++) {
                System.arraycopy(logits[b], 0, out[b], allPositions ? from : 0, logits[b].length);
            }
        }
        return out;
    }

    /**
     * A decode step whose argmax is taken on the device: only the ids cross. When {@code tokens} are
     * the ids the previous greedy step returned, they are already on the device and are not copied.
     */
    @Override
    public synchronized int[] decodeGreedy(InferenceState state, int[] tokens) {
        DeviceState s = own(state, tokens.length);
        int[][] rows = new int[tokens.length][];
        for (int b = 0; b < tokens.length; b++) {
            rows[b] = new int[] {tokens[b]};
        }
        ForwardPlan p = forward(s, rows, Output.GREEDY_IDS);
        int[] next = new int[tokens.length];
        for (int b = 0; b < next.length; b++) {
            next[b] = p.arrays.ids.get(b);
        }
        p.deviceIds = next.clone(); // the caller may change next; what the device holds must not
        return next;
    }

    private static Output outputOf(boolean allPositions) {
        return allPositions ? Output.ALL_LOGITS : Output.LAST_LOGITS;
    }

    /** Runs one rectangular forward for state {@code s} on the plan for its shape and output; returns that plan. */
    private ForwardPlan forward(DeviceState s, int[][] tokens, Output output) {
        int batch = s.batch;
        int len = tokens[0].length;
        ForwardPlan p = plan(batch, len, output);
        if (s.resident != p) {
            sync(s);
            if (p.owner != null && p.owner.resident == p) {
                sync(p.owner);
            }
            s.copy(p.arrays, true);
            p.run(ForwardPlan.LOAD);
            p.deviceIds = null;
            p.owner = s;
            s.resident = p;
        }
        IntArray ids = p.arrays.ids;
        boolean onDevice = output == Output.GREEDY_IDS && len == 1 && sameColumn(p.deviceIds, tokens);
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < len; t++) {
                int id = tokens[b][t];
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                            + config.vocabSize() + ")");
                }
                ids.set(b * len + t, id);
            }
        }
        if (output == Output.GREEDY_IDS && !onDevice) {
            p.run(ForwardPlan.IDS);
        }
        p.deviceIds = null;
        p.run(ForwardPlan.FORWARD);
        for (int b = 0; b < batch; b++) {
            s.positions[b] += len;
        }
        return p;
    }

    /** Whether {@code ids} (one per sequence, or null) are the single tokens of {@code tokens}; allocates nothing. */
    private static boolean sameColumn(int[] ids, int[][] tokens) {
        if (ids == null || ids.length != tokens.length) {
            return false;
        }
        for (int b = 0; b < ids.length; b++) {
            if (tokens[b].length != 1 || tokens[b][0] != ids[b]) {
                return false;
            }
        }
        return true;
    }

    /** Brings the host copy of {@code s} up to date if a plan holds newer values on the device. */
    private void sync(DeviceState s) {
        ForwardPlan p = s.resident;
        if (p == null) {
            return;
        }
        p.run(ForwardPlan.STORE);
        s.copy(p.arrays, false);
        s.resident = null;
        p.owner = null;
    }

    /** Task ids of the cached plans' forward graphs (tests check which kernels a step runs). */
    synchronized java.util.List<String> forwardTaskIds() {
        java.util.List<String> ids = new java.util.ArrayList<>();
        for (ForwardPlan p : plans.values()) {
            for (io.jmamba.runtime.graph.GraphAction a : p.forwardGraph.actions()) {
                if (a instanceof io.jmamba.runtime.graph.GraphAction.Task t) {
                    ids.add(t.id());
                }
            }
        }
        return ids;
    }

    private ForwardPlan plan(int batch, int len, Output output) {
        if (closed) {
            throw new IllegalStateException("engine is closed");
        }
        PlanKey key = new PlanKey(batch, len, output);
        ForwardPlan p = plans.get(key);
        if (p == null) {
            if (plans.size() >= MAX_PLANS) {
                Iterator<Map.Entry<PlanKey, ForwardPlan>> it = plans.entrySet().iterator();
                ForwardPlan old = it.next().getValue();
                it.remove();
                if (old.owner != null) {
                    sync(old.owner);
                }
                old.close();
            }
            boolean graphs = cudaGraphs && len == 1 && device.backendName().equals("cuda");
            p = new ForwardPlan(stack, config, device, batch, len, output, graphs);
            plans.put(key, p);
        }
        return p;
    }

    /** Rows of the logits, copied straight from the off-heap array (no intermediate heap copy). */
    private float[][][] split(FloatArray flat, int batch, int positions) {
        int v = config.vocabSize();
        float[][][] out = new float[batch][positions][v];
        MemorySegment seg = flat.getSegment();
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < positions; t++) {
                MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT, ((long) b * positions + t) * v * Float.BYTES, out[b][t], 0, v);
            }
        }
        return out;
    }

    /** A plan's shape and output: the cache key, built without strings on every step. */
    private record PlanKey(int batch, int len, Output output) {
    }

    private DeviceState own(InferenceState state, int rows) {
        if (!(state instanceof DeviceState s) || s.engine != this) {
            throw new IllegalArgumentException("state was not made by this engine");
        }
        if (rows != s.batch) {
            throw new IllegalArgumentException("got " + rows + " sequences for a state of batch " + s.batch);
        }
        return s;
    }

    @Override
    public synchronized void close() {
        closed = true;
        plans.values().forEach(ForwardPlan::close);
        plans.clear();
    }

    /** Weights as loaded, for callers that need them. */
    public ModelWeights weights() {
        return weights;
    }

}
