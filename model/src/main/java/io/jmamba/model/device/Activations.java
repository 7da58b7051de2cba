package io.jmamba.model.device;

import io.jmamba.model.config.MambaConfig;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;

/**
 * The arrays of one forward shape (batch sequences of seqlen tokens) that the engine reads or
 * writes from the host: token ids, the per-layer recurrent state and the logits (or, for greedy
 * steps, the next ids written over the ids); plus the residual
 * stream and the scratch arrays the layers share, which stay on the device.
 */
final class Activations {
    final int batch;
    final int seqlen;
    final int tokens;
    final Output output;
    final boolean allPositions;
    final IntArray ids;
    final FloatArray[] convState;
    final FloatArray[] ssmState;
    final FloatArray hidden;
    final FloatArray residual;
    /** The fused decode step's second residual array: its layers alternate between the two (a kernel may not read and write one). */
    final FloatArray residualB;
    final FloatArray normed;
    final FloatArray lastRows;
    final FloatArray logits;
    final Scratch scratch = new Scratch();

    Activations(MambaConfig c, int batch, int seqlen, Output output) {
        this.batch = batch;
        this.seqlen = seqlen;
        this.tokens = Math.multiplyExact(batch, seqlen);
        this.output = output;
        this.allPositions = output == Output.ALL_LOGITS;
        long t = tokens;
        ids = new IntArray(t);
        convState = new FloatArray[c.nLayer()];
        ssmState = new FloatArray[c.nLayer()];
        for (int l = 0; l < c.nLayer(); l++) {
            convState[l] = new FloatArray(batch * c.convStateSize());
            ssmState[l] = new FloatArray(batch * c.ssmStateSize());
        }
        hidden = new FloatArray(t * c.dModel());
        residual = new FloatArray(t * c.dModel());
        residualB = new FloatArray(t * c.dModel());
        normed = new FloatArray(t * c.dModel());
        lastRows = allPositions ? null : new FloatArray((long) batch * c.dModel());
        logits = new FloatArray((allPositions ? t : batch) * (long) c.vocabSize());
    }

    LayerIo layer(int l) {
        return new LayerIo(normed, hidden, convState[l], ssmState[l], batch, seqlen, scratch);
    }

    FloatArray[] states() {
        FloatArray[] all = new FloatArray[convState.length * 2];
        for (int l = 0; l < convState.length; l++) {
            all[2 * l] = convState[l];
            all[2 * l + 1] = ssmState[l];
        }
        return all;
    }
}
