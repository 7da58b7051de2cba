package io.jmamba.model.device;

import io.jmamba.model.config.Architecture;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;

/**
 * The device arrays of one forward shape (batch sequences of seqlen tokens): token ids, the
 * per-layer recurrent state, the activations the layers share, and the logits. Activations are
 * reused from layer to layer: tasks run in order.
 */
final class Activations {
    final int batch;
    final int seqlen;
    final int tokens;
    final boolean allPositions;
    final IntArray ids;
    final FloatArray[] convState;
    final FloatArray[] ssmState;
    final FloatArray hidden;
    final FloatArray residual;
    final FloatArray normed;
    final FloatArray lastRows;
    final FloatArray logits;
    // Mamba-1
    FloatArray xCm, zCm, xcCm, xcTm, dtLow, bCm, cCm, deltaCm, yCm, yTm;
    // Mamba-2
    FloatArray zTm, xbcCm, dtTm, xbcConvCm, xTm, bTm, cTm, ynTm;

    Activations(MambaConfig c, int batch, int seqlen, boolean allPositions) {
        this.batch = batch;
        this.seqlen = seqlen;
        this.tokens = Math.multiplyExact(batch, seqlen);
        this.allPositions = allPositions;
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
        normed = new FloatArray(t * c.dModel());
        lastRows = allPositions ? null : new FloatArray((long) batch * c.dModel());
        logits = new FloatArray((allPositions ? t : batch) * (long) c.vocabSize());
        int dI = c.dInner();
        if (c.architecture() == Architecture.MAMBA1) {
            xCm = new FloatArray(t * dI);
            zCm = new FloatArray(t * dI);
            xcCm = new FloatArray(t * dI);
            xcTm = new FloatArray(t * dI);
            dtLow = new FloatArray(t * c.dtRank());
            bCm = new FloatArray(t * c.dState());
            cCm = new FloatArray(t * c.dState());
            deltaCm = new FloatArray(t * dI);
            yCm = new FloatArray(t * dI);
            yTm = new FloatArray(t * dI);
        } else {
            long gn = (long) c.nGroups() * c.dState();
            zTm = new FloatArray(t * dI);
            xbcCm = new FloatArray(t * c.convChannels());
            dtTm = new FloatArray(t * c.nHeads());
            xbcConvCm = new FloatArray(t * c.convChannels());
            xTm = new FloatArray(t * dI);
            bTm = new FloatArray(t * gn);
            cTm = new FloatArray(t * gn);
            yTm = new FloatArray(t * dI);
            ynTm = new FloatArray(t * dI);
        }
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
