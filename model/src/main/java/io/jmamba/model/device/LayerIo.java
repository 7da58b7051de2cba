package io.jmamba.model.device;

import io.jmamba.runtime.api.FloatArray;

/**
 * What a mixer's tasks read and write in one forward graph: the normalised input and the output
 * ([batch * seqlen, d_model], token-major), the layer's recurrent state (updated in place) and the
 * graph's scratch arrays. seqlen 1 is a decode step.
 */
public record LayerIo(FloatArray in, FloatArray out, FloatArray convState, FloatArray ssmState, int batch, int seqlen,
                      Scratch scratch) {
    public int tokens() {
        return batch * seqlen;
    }
}
