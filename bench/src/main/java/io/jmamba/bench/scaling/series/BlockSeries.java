package io.jmamba.bench.scaling.series;

import io.jmamba.bench.scaling.MeasuredStep;
import io.jmamba.bench.scaling.SeriesKind;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.device.DeviceEngine;
import io.jmamba.model.inference.InferenceState;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.function.Supplier;

/**
 * A whole Mamba block (in_proj, conv1d, the scan, gating/norm, out_proj) timed as the prefill of a
 * one-layer model with random weights through the model's device engine: the block plus an
 * embedding lookup, two RMSNorms and a 256-row lm_head on the last position, which are negligible
 * beside it. The prompt ids cross to the device each run (4 bytes a token). The engine prefills long
 * prompts in pieces of {@link DeviceEngine#DEFAULT_MAX_PREFILL_TOKENS} tokens (state carried), so its
 * activation memory stops growing there; that is how a 1M-token prompt fits.
 */
public final class BlockSeries extends LayerSeries {
    private final Supplier<ModelWeights> weights;
    private final long activationFloatsPerToken;
    private final long bytesPerToken;
    private final String formula;

    private BlockSeries(String id, String label, Supplier<ModelWeights> weights, long activationFloatsPerToken,
                        long bytesPerToken, String formula) {
        super(id, label, SeriesKind.SCAN, 1);
        this.weights = weights;
        this.activationFloatsPerToken = activationFloatsPerToken;
        this.bytesPerToken = bytesPerToken;
        this.formula = formula;
    }

    /** Mamba-1 block, d_model 768, d_inner 1536, d_state 16. */
    public static BlockSeries mamba1(int dInner, int dState) {
        int dm = RandomLayer.D_MODEL;
        int dtRank = (dm + 15) / 16;
        // prefill activations per token (model.mamba1.Mamba1Tasks' scratch and the stream's hidden,
        // residual and normed rows): xz, dt, y, x/z/xc (both layouts), delta, y channel-major; x_proj, dt_low, B, C
        long floats = 3L * dm + 10L * dInner + 2L * dtRank + 4L * dState;
        // essential traffic: read the block input, write its output, and the scan's own in/out
        long bytes = FLOAT * (2L * dm + 4L * dInner + 2L * dState);
        return new BlockSeries("mamba1-block", "Mamba-1 block, d_model " + dm + ", d_inner " + dInner + ", d_state " + dState,
                () -> RandomLayer.mamba1(dInner, dState), floats, bytes,
                "4 B x L x (2 d_model + 4 d_inner + 2 n): block input and output, the scan's u, delta, z, y and B, C"
                        + " (GEMM operand re-reads and weights not counted)");
    }

    /** Mamba-2 block, d_model 768, heads x headdim = d_inner, d_state 128, chunk 256. */
    public static BlockSeries mamba2(int heads, int headdim, int dState, int chunk) {
        int dm = RandomLayer.D_MODEL;
        long dInner = (long) heads * headdim;
        long conv = dInner + 2L * dState;
        long inRows = 2 * dInner + 2L * dState + heads;
        // prefill activations per token (model.mamba2.Mamba2Tasks' scratch, the SSD workspace, the stream):
        // zxbcdt, z, dt, x, B, C, y, y normed, three xBC copies; SSD chunk states, C.B^T, dt cumsums
        long floats = 3L * dm + inRows + 5L * dInner + heads + 2L * dState + 3L * conv
                + dInner * dState / chunk + chunk + 2L * heads;
        long bytes = FLOAT * (2L * dm + 2L * dInner + heads + 2L * dState);
        return new BlockSeries("mamba2-block", "Mamba-2 block, d_model " + dm + ", " + heads + " heads x " + headdim
                        + ", d_state " + dState + ", chunk " + chunk,
                () -> RandomLayer.mamba2(heads, headdim, dState, chunk), floats, bytes,
                "4 B x L x (2 d_model + 2 d_inner + h + 2 n): block input and output, the SSD's x, dt, B, C, y"
                        + " (GEMM operand re-reads and weights not counted)");
    }

    @Override
    public long bytesMoved(long length) {
        return bytesPerToken * length;
    }

    @Override
    public String bytesFormula() {
        return formula;
    }

    @Override
    public long deviceBytes(long length) {
        long piece = Math.min(length, DeviceEngine.DEFAULT_MAX_PREFILL_TOKENS);
        return FLOAT * (activationFloatsPerToken * piece + length); // + the prompt ids
    }

    @Override
    public MeasuredStep prepare(ComputeDevice device, long length) {
        int len = seqlen(id(), length);
        ModelWeights w = weights.get();
        MambaConfig c = w.config();
        int[][] ids = new int[1][len];
        for (int t = 0; t < len; t++) {
            ids[0][t] = (int) ((t * 2654435761L) % c.vocabSize());
        }
        DeviceEngine engine = new DeviceEngine(w, device, false);
        try {
            InferenceState state = engine.newState(1);
            engine.prefill(state, ids, false); // compiles, allocates, copies the weights
            return new MeasuredStep() {
                @Override
                public void run() {
                    engine.prefill(state, ids, false);
                }

                @Override
                public void close() {
                    engine.close();
                }
            };
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        }
    }
}
