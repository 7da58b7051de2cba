package io.jmamba.model.config;

import java.util.List;

/** Model shapes used for benchmarks: the published 130M Mamba-1 and Mamba-2 shapes, and custom ones. */
public final class ModelPresets {
    private ModelPresets() {
    }

    /** state-spaces/mamba-130m: 24 layers, d_model 768, d_state 16, vocab 50280. */
    public static MambaConfig mamba1(int nLayer, int dModel, int vocab) {
        return new MambaConfig(Architecture.MAMBA1, dModel, nLayer, vocab, 16, 4, 2 * dModel, (dModel + 15) / 16,
                0, 0, 1, 0, 0f, Float.POSITIVE_INFINITY, false, false, true, 1e-5f, true, true, List.of());
    }

    /** state-spaces/mamba2-130m: 24 layers, d_model 768, d_state 128, headdim 64, 1 group, chunk 256. */
    public static MambaConfig mamba2(int nLayer, int dModel, int vocab) {
        int dInner = 2 * dModel;
        return new MambaConfig(Architecture.MAMBA2, dModel, nLayer, vocab, 128, 4, dInner, 0, 64, dInner / 64, 1, 256,
                0f, Float.POSITIVE_INFINITY, false, false, true, 1e-5f, true, true, List.of());
    }

    public static MambaConfig mamba130m(Architecture arch) {
        return arch == Architecture.MAMBA1 ? mamba1(24, 768, 50280) : mamba2(24, 768, 50288);
    }
}
