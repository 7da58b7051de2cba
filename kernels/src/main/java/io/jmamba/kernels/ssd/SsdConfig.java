package io.jmamba.kernels.ssd;

import io.jmamba.kernels.nn.ShapeCheck;

/**
 * Sizes and flags of one SSD (Mamba-2 chunked scan) call, following mamba_ssm's
 * {@code mamba_chunk_scan_combined}: x (batch, seqlen, heads, headdim), dt (batch, seqlen, heads),
 * A (heads), B and C (batch, seqlen, groups, dstate), states (batch, heads, headdim, dstate).
 *
 * @param dtSoftplus whether dt (after adding dt_bias) goes through softplus
 * @param dtMin      lower clamp of dt after softplus (0 with {@code dtMax} = +inf means no clamp, as in mamba_ssm)
 * @param dtMax      upper clamp of dt after softplus ({@link Float#POSITIVE_INFINITY} for none)
 */
public record SsdConfig(int batch, int seqlen, int heads, int headdim, int groups, int dstate, int chunkSize,
                        boolean dtSoftplus, float dtMin, float dtMax) {

    /** Largest headdim, dstate and chunk the kernels are tested for; the CB scratch grows with chunk^2. */
    public static final int MAX_HEADDIM = 256;
    public static final int MAX_DSTATE = 256;
    public static final int MAX_CHUNK = 512;

    /** A config without softplus and without a dt clamp. */
    public static SsdConfig of(int batch, int seqlen, int heads, int headdim, int groups, int dstate, int chunkSize) {
        return new SsdConfig(batch, seqlen, heads, headdim, groups, dstate, chunkSize, false, 0f, Float.POSITIVE_INFINITY);
    }

    public SsdConfig withDtSoftplus(boolean on) {
        return new SsdConfig(batch, seqlen, heads, headdim, groups, dstate, chunkSize, on, dtMin, dtMax);
    }

    public SsdConfig withDtLimit(float min, float max) {
        return new SsdConfig(batch, seqlen, heads, headdim, groups, dstate, chunkSize, dtSoftplus, min, max);
    }

    public SsdConfig withSeqlen(int newSeqlen) {
        return new SsdConfig(batch, newSeqlen, heads, headdim, groups, dstate, chunkSize, dtSoftplus, dtMin, dtMax);
    }

    /** mamba_ssm clamps only when the limit differs from its default (0, inf): a clamp at 0 would change dt < 0 without softplus. */
    public boolean clampsDt() {
        return !(dtMin == 0f && dtMax == Float.POSITIVE_INFINITY);
    }

    public int nchunks() {
        return (int) ((seqlen + (long) chunkSize - 1) / chunkSize);
    }

    public int headsPerGroup() {
        return heads / groups;
    }

    /** Checks sizes and kernel limits; every message names the offending value. */
    public SsdConfig validate() {
        ShapeCheck.requirePositive("batch", batch);
        ShapeCheck.requirePositive("seqlen", seqlen);
        ShapeCheck.requirePositive("heads", heads);
        ShapeCheck.requirePositive("groups", groups);
        if (heads % groups != 0) {
            throw new IllegalArgumentException("groups: heads (" + heads + ") must be a multiple of groups (" + groups
                    + "); head h uses group h / (heads / groups)");
        }
        ShapeCheck.requireRange("headdim", headdim, 1, MAX_HEADDIM, "SSD kernel limit");
        ShapeCheck.requireRange("dstate", dstate, 1, MAX_DSTATE, "SSD kernel limit");
        ShapeCheck.requireRange("chunk_size", chunkSize, 1, MAX_CHUNK, "SSD kernel limit; the C*B^T scratch is chunk^2 per chunk");
        if (Float.isNaN(dtMin) || Float.isNaN(dtMax) || dtMin > dtMax) {
            throw new IllegalArgumentException("dt_limit: need low <= high, got [" + dtMin + ", " + dtMax + "]");
        }
        // every kernel loop bound below must fit an int
        ShapeCheck.intProduct("batch * nchunks * heads", batch, nchunks(), heads);
        ShapeCheck.intProduct("batch * nchunks * groups", batch, nchunks(), groups);
        ShapeCheck.intProduct("batch * heads", batch, heads);
        return this;
    }
}
