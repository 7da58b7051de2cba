package io.jmamba.model.config;

import java.util.List;

/**
 * The shape of a Mamba-1 or Mamba-2 language model, whichever config format it came from.
 *
 * <p>{@code vocabSize} is the number of embedding rows (already padded where the format pads);
 * {@code dtRank} is used by Mamba-1 only; {@code headDim}, {@code nHeads}, {@code nGroups},
 * {@code chunkSize}, the dt limits and {@code normBeforeGate} by Mamba-2 only ({@code nGroups} is 1
 * for Mamba-1). All arithmetic runs in float32, so {@code residualInFp32} changes nothing here; it is
 * kept so that a caller can see what the checkpoint asked for.
 */
public record MambaConfig(
        Architecture architecture,
        int dModel,
        int nLayer,
        int vocabSize,
        int dState,
        int dConv,
        int dInner,
        int dtRank,
        int headDim,
        int nHeads,
        int nGroups,
        int chunkSize,
        float dtLimitLow,
        float dtLimitHigh,
        boolean normBeforeGate,
        boolean useBias,
        boolean useConvBias,
        float normEps,
        boolean residualInFp32,
        boolean tieEmbeddings,
        List<Integer> eosTokenIds) {

    public MambaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        positive("d_model", dModel);
        positive("n_layer", nLayer);
        positive("vocab_size", vocabSize);
        positive("d_state", dState);
        positive("d_conv", dConv);
        positive("d_inner", dInner);
        if (!(normEps > 0)) {
            throw new ConfigException("layer_norm_epsilon must be > 0, got " + normEps);
        }
        if (architecture == Architecture.MAMBA1) {
            positive("dt_rank", dtRank);
        } else {
            positive("head_dim", headDim);
            positive("num_heads", nHeads);
            positive("n_groups", nGroups);
            positive("chunk_size", chunkSize);
            if ((long) nHeads * headDim != dInner) {
                throw new ConfigException("num_heads * head_dim (" + nHeads + " * " + headDim
                        + ") must equal the inner width expand * hidden_size (" + dInner + ")");
            }
            if (nHeads % nGroups != 0) {
                throw new ConfigException("num_heads (" + nHeads + ") must be a multiple of n_groups (" + nGroups + ")");
            }
            if (!(dtLimitLow <= dtLimitHigh)) {
                throw new ConfigException("time_step_limit must be [low, high] with low <= high, got ["
                        + dtLimitLow + ", " + dtLimitHigh + "]");
            }
        }
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new ConfigException(name + " must be > 0, got " + value);
        }
    }

    /** Rows of in_proj: x and z for Mamba-1; z, xBC and dt for Mamba-2. */
    public int inProjRows() {
        return architecture == Architecture.MAMBA1 ? 2 * dInner : 2 * dInner + 2 * nGroups * dState + nHeads;
    }

    /** Channels the causal conv1d runs over: x for Mamba-1; x, B and C for Mamba-2. */
    public int convChannels() {
        return architecture == Architecture.MAMBA1 ? dInner : dInner + 2 * nGroups * dState;
    }

    /** Rows of Mamba-1's x_proj: dt (low rank), B and C. */
    public int xProjRows() {
        return dtRank + 2 * dState;
    }

    /** Floats of recurrent SSM state per layer and sequence. */
    public long ssmStateSize() {
        return (long) dInner * dState;
    }

    /** Floats of conv state (the last d_conv - 1 inputs) per layer and sequence. */
    public long convStateSize() {
        return (long) convChannels() * (dConv - 1);
    }

    /** Rounds {@code vocab} up to a multiple of {@code multiple} (mamba_ssm's vocabulary padding). */
    public static int padVocab(int vocab, int multiple) {
        if (multiple <= 1) {
            return vocab;
        }
        return (vocab + multiple - 1) / multiple * multiple;
    }
}
