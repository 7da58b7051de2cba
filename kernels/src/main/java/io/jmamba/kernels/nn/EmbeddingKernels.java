package io.jmamba.kernels.nn;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.Parallel;

/** Embedding lookup: out[t, :] = table[ids[t], :]. */
public final class EmbeddingKernels {
    private EmbeddingKernels() {
    }

    /**
     * Gathers rows of {@code table} (vocab, dim). A kernel cannot throw, so an id outside [0, vocab)
     * (the ids may be produced on the device, by argmax during decoding) yields a row of NaN, which
     * shows in the logits instead of passing silently.
     */
    public static void gather(IntArray ids, FloatArray table, FloatArray out, int tokens, int dim, int vocab) {
        // the column loop is launch dimension 0: neighbouring work-items copy neighbouring elements
        for (@Parallel int c = 0; c < dim; c++) {
            for (@Parallel int t = 0; t < tokens; t++) {
                int id = ids.get(t);
                float v = Float.NaN;
                if (id >= 0 && id < vocab) {
                    v = table.get((long) id * dim + c);
                }
                out.set((long) t * dim + c, v);
            }
        }
    }
}
