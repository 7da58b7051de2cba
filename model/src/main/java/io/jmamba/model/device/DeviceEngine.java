package io.jmamba.model.device;

import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.inference.InferenceEngine;
import io.jmamba.model.inference.InferenceState;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs the model as task graphs on one device. Each forward shape (batch, seqlen, all or last
 * logits) gets its own execution plan, kept in a small cache: decode steps reuse one plan, so their
 * state stays on the device from step to step and only ids and logits cross. A batch of prompts of
 * different lengths is prefilled one sequence at a time.
 *
 * <p>On CUDA the decode plans replay a CUDA graph (every per-step input travels in device arrays).
 * Each plan holds its own copy of the weights on the device; the cache bound keeps that in check.
 */
public final class DeviceEngine implements InferenceEngine {
    /** Plans kept at once; the least recently used is closed beyond this. */
    static final int MAX_PLANS = 4;

    private final ModelWeights weights;
    private final MambaConfig config;
    private final ComputeDevice device;
    private final StackTasks stack;
    private final boolean cudaGraphs;
    private final Map<String, ForwardPlan> plans = new LinkedHashMap<>(16, 0.75f, true);
    private boolean closed;

    public DeviceEngine(ModelWeights weights, ComputeDevice device) {
        this(weights, device, true);
    }

    /** {@code cudaGraphs}: replay decode steps from a CUDA graph when the device is a CUDA one. */
    public DeviceEngine(ModelWeights weights, ComputeDevice device, boolean cudaGraphs) {
        this.weights = weights;
        this.config = weights.config();
        this.device = device;
        this.stack = new StackTasks(weights);
        this.cudaGraphs = cudaGraphs;
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
        return device.id() + " (" + device.name() + ")";
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
            float[] logits = forward(s, tokens, allPositions);
            return split(logits, s.batch, allPositions ? len : 1);
        }
        // different lengths: one sequence at a time through a one-sequence state
        sync(s);
        float[][][] out = new float[tokens.length][][];
        for (int b = 0; b < tokens.length; b++) {
            DeviceState one = new DeviceState(this, config, 1);
            s.copySlot(b, one, true);
            float[] logits = forward(one, new int[][] {tokens[b]}, allPositions);
            sync(one);
            s.copySlot(b, one, false);
            s.positions[b] += tokens[b].length;
            out[b] = split(logits, 1, allPositions ? tokens[b].length : 1)[0];
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
        float[][][] logits = split(forward(s, rows, false), s.batch, 1);
        float[][] out = new float[tokens.length][];
        for (int b = 0; b < tokens.length; b++) {
            out[b] = logits[b][0];
        }
        return out;
    }

    /** Runs one rectangular forward for state {@code s}; returns the flat logits. */
    private float[] forward(DeviceState s, int[][] tokens, boolean allPositions) {
        int batch = s.batch;
        int len = tokens[0].length;
        ForwardPlan p = plan(batch, len, allPositions);
        if (s.resident != p) {
            sync(s);
            if (p.owner != null && p.owner.resident == p) {
                sync(p.owner);
            }
            s.copy(p.arrays, true);
            p.run(ForwardPlan.LOAD);
            p.owner = s;
            s.resident = p;
        }
        IntArray ids = p.arrays.ids;
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
        p.run(ForwardPlan.FORWARD);
        for (int b = 0; b < batch; b++) {
            s.positions[b] += len;
        }
        return p.arrays.logits.toHeapArray();
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

    private ForwardPlan plan(int batch, int len, boolean allPositions) {
        if (closed) {
            throw new IllegalStateException("engine is closed");
        }
        String key = batch + "x" + len + (allPositions ? "all" : "last");
        ForwardPlan p = plans.get(key);
        if (p == null) {
            if (plans.size() >= MAX_PLANS) {
                Iterator<Map.Entry<String, ForwardPlan>> it = plans.entrySet().iterator();
                ForwardPlan old = it.next().getValue();
                it.remove();
                if (old.owner != null) {
                    sync(old.owner);
                }
                old.close();
            }
            boolean graphs = cudaGraphs && len == 1 && device.backendName().equals("cuda");
            p = new ForwardPlan(stack, config, device, batch, len, allPositions, graphs);
            plans.put(key, p);
        }
        return p;
    }

    private float[][][] split(float[] flat, int batch, int positions) {
        int v = config.vocabSize();
        float[][][] out = new float[batch][positions][v];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < positions; t++) {
                System.arraycopy(flat, (b * positions + t) * v, out[b][t], 0, v);
            }
        }
        return out;
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
