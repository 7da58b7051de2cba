package io.jmamba.model.device;

import io.jmamba.model.inference.InferenceState;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.concurrent.Callable;

/**
 * What the decode-switch model tests share: the plain bf16 fused engine beside one that decodes with a system property
 * set, both prefilled with one prompt, and the logits steps that compare them row by row.
 */
final class SwitchedDecode implements AutoCloseable {
    /** Compares one row of one step: the plain engine's logits, the switched engine's. */
    interface RowCheck {
        void check(int step, int row, float[] want, float[] got);
    }

    final DeviceEngine plain;
    final DeviceEngine switched;
    final InferenceState plainState;
    final InferenceState switchedState;
    private final String property;
    private final String value;
    private final int batch;
    private final int vocab;

    private SwitchedDecode(ModelWeights w, ComputeDevice d, int batch, String property, String value) {
        this.plain = DecodeSwitches.bf16FusedEngine(w, d);
        this.switched = DecodeSwitches.bf16FusedEngine(w, d);
        this.plainState = plain.newState(batch);
        this.switchedState = switched.newState(batch);
        this.property = property;
        this.value = value;
        this.batch = batch;
        this.vocab = w.config().vocabSize();
    }

    /** Both engines, each prefilled with the same 5-token prompt per row. */
    static SwitchedDecode prefilled(ModelWeights w, ComputeDevice d, int batch, String property, String value) {
        SwitchedDecode s = new SwitchedDecode(w, d, batch, property, value);
        int[][] prompt = new int[batch][5];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < 5; t++) {
                prompt[b][t] = (b * 31 + t * 7 + 3) % s.vocab;
            }
        }
        s.plain.prefill(s.plainState, prompt, false);
        s.switched.prefill(s.switchedState, prompt, false);
        return s;
    }

    /** {@code steps} logits steps on the same tokens in both engines, the switched one under its property. */
    void logitSteps(int steps, RowCheck rows) throws Exception {
        int[] next = new int[batch];
        for (int step = 0; step < steps; step++) {
            for (int b = 0; b < batch; b++) {
                next[b] = (step * 13 + b * 3 + 1) % vocab;
            }
            float[][] want = plain.decode(plainState, next);
            float[][] got = underSwitch(() -> switched.decode(switchedState, next));
            for (int b = 0; b < batch; b++) {
                rows.check(step, b, want[b], got[b]);
            }
        }
    }

    /** {@code body} with this pair's property set. */
    <T> T underSwitch(Callable<T> body) throws Exception {
        return DecodeSwitches.with(property, value, body);
    }

    @Override
    public void close() {
        try {
            plain.close();
        } finally {
            switched.close();
        }
    }
}
