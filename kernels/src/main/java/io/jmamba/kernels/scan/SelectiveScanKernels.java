package io.jmamba.kernels.scan;

import io.jmamba.kernels.support.Activations;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelMath;
import io.jmamba.runtime.api.Parallel;
import io.jmamba.runtime.api.Specialize;

/**
 * The selective scan as three JIT-compiled passes that are parallel over (batch x channel) and along
 * the sequence. The sequence is cut into chunks of {@code chunkLen} tokens; the recurrence
 * {@code h_t = a_t * h_{t-1} + b_t} is linear, so a chunk's end state is
 * {@code decay_c * h_start + S_c}, where {@code S_c} is the end state from a zero start and
 * {@code decay_c = exp(A * sum(dt))} over the chunk:
 * <ol>
 *   <li>{@link #chunkStates}: per (row, chunk), {@code S_c} and {@code sum(dt)};</li>
 *   <li>{@link #carryStates}: per (row, n), walks the chunks in order, replaces each {@code S_c} by the
 *       chunk's true start state and writes the last state;</li>
 *   <li>{@link #chunkOutputs}: per (row, chunk), reruns the chunk from its start state and writes out.</li>
 * </ol>
 * A row is one (batch, channel) pair: {@code row = b * dim + d}. Layouts: u, delta, z, out
 * {@code [batch, dim, seqlen]}; A {@code [dim, dstate]}; B, C {@code [batch, groups, dstate, seqlen]};
 * chunkState {@code [batch*dim, nChunks, dstate]}; chunkDtSum {@code [batch*dim, nChunks]}.
 * All offsets are long. Optional inputs are switched by {@code flags} (the {@code HAS_*} bits); an
 * absent one is passed as a placeholder array that is never read. {@code flags} is a runtime
 * argument, not specialised: its branches are uniform across work-items, and one compiled kernel
 * per dstate then serves every combination (device compiles are what costs).
 */
public final class SelectiveScanKernels {
    /** D (skip connection, per channel) is given. */
    public static final int HAS_D = 1;
    /** z (gate) is given: out *= silu(z). */
    public static final int HAS_Z = 2;
    /** delta_bias is given. */
    public static final int HAS_DELTA_BIAS = 4;
    /** dt = softplus(delta + bias). */
    public static final int DELTA_SOFTPLUS = 8;
    /** initial_state is given (otherwise the scan starts from zero). */
    public static final int HAS_INITIAL_STATE = 16;
    /**
     * The whole sequence is one chunk: {@link #chunkOutputs} alone does the scan, starting from
     * initial_state (not from chunkState) and writing the last state itself.
     */
    public static final int SINGLE_CHUNK = 32;

    private SelectiveScanKernels() {
    }

    /** Pass 1: each chunk's end state from a zero start, and the sum of its dt. */
    public static void chunkStates(FloatArray u, FloatArray delta, FloatArray a, FloatArray b, FloatArray deltaBias,
                                   FloatArray chunkState, FloatArray chunkDtSum,
                                   int batch, int dim, int seqlen, int groups, int chunkLen, int nChunks,
                                   @Specialize int dstate, int flags) {
        float[] h = new float[dstate];
        float[] aRow = new float[dstate];
        int rows = batch * dim;
        int channelsPerGroup = dim / groups;
        for (@Parallel int row = 0; row < rows; row++) {
            for (@Parallel int c = 0; c < nChunks; c++) {
                int bi = row / dim;
                int d = row - bi * dim;
                long rowBase = (long) row * seqlen;
                long bBase = ((long) bi * groups + d / channelsPerGroup) * dstate * (long) seqlen;
                float bias = (flags & HAS_DELTA_BIAS) != 0 ? deltaBias.get(d) : 0f;
                for (int n = 0; n < dstate; n++) {
                    h[n] = 0f;
                    aRow[n] = a.get((long) d * dstate + n);
                }
                int t0 = c * chunkLen;
                int t1 = Math.min(t0 + chunkLen, seqlen);
                float dtSum = 0f;
                for (int t = t0; t < t1; t++) {
                    float dt = delta.get(rowBase + t) + bias;
                    if ((flags & DELTA_SOFTPLUS) != 0) {
                        dt = Activations.softplus(dt);
                    }
                    float dtu = dt * u.get(rowBase + t);
                    dtSum += dt;
                    for (int n = 0; n < dstate; n++) {
                        h[n] = KernelMath.exp(dt * aRow[n]) * h[n] + dtu * b.get(bBase + (long) n * seqlen + t);
                    }
                }
                long chunkRow = (long) row * nChunks + c;
                for (int n = 0; n < dstate; n++) {
                    chunkState.set(chunkRow * dstate + n, h[n]);
                }
                chunkDtSum.set(chunkRow, dtSum);
            }
        }
    }

    /**
     * Pass 2: sequential over chunks, parallel over (row, n). Overwrites each chunk's zero-start end
     * state in {@code chunkState} with the chunk's true start state and writes {@code lastState}
     * {@code [batch*dim, dstate]}.
     */
    public static void carryStates(FloatArray a, FloatArray chunkState, FloatArray chunkDtSum, FloatArray initialState,
                                   FloatArray lastState, int batch, int dim, int nChunks,
                                   @Specialize int dstate, int flags) {
        int rows = batch * dim;
        for (@Parallel int row = 0; row < rows; row++) {
            for (@Parallel int n = 0; n < dstate; n++) {
                int d = row % dim;
                float an = a.get((long) d * dstate + n);
                float h = (flags & HAS_INITIAL_STATE) != 0 ? initialState.get((long) row * dstate + n) : 0f;
                for (int c = 0; c < nChunks; c++) {
                    long chunkRow = (long) row * nChunks + c;
                    long idx = chunkRow * dstate + n;
                    float endFromZero = chunkState.get(idx);
                    chunkState.set(idx, h);
                    h = KernelMath.exp(an * chunkDtSum.get(chunkRow)) * h + endFromZero;
                }
                lastState.set((long) row * dstate + n, h);
            }
        }
    }

    /**
     * Pass 3: reruns each chunk from its true start state and writes the outputs. With
     * {@link #SINGLE_CHUNK} it is the only pass: it starts from {@code initialState} and writes
     * {@code lastState} (which may be the same array: a row's entries are read first, by the same work-item).
     */
    public static void chunkOutputs(FloatArray u, FloatArray delta, FloatArray a, FloatArray b, FloatArray c,
                                    FloatArray dSkip, FloatArray z, FloatArray deltaBias, FloatArray chunkState,
                                    FloatArray initialState, FloatArray lastState, FloatArray out,
                                    int batch, int dim, int seqlen, int groups, int chunkLen, int nChunks,
                                    @Specialize int dstate, int flags) {
        float[] h = new float[dstate];
        float[] aRow = new float[dstate];
        int rows = batch * dim;
        int channelsPerGroup = dim / groups;
        for (@Parallel int row = 0; row < rows; row++) {
            for (@Parallel int ch = 0; ch < nChunks; ch++) {
                int bi = row / dim;
                int d = row - bi * dim;
                long rowBase = (long) row * seqlen;
                long bcBase = ((long) bi * groups + d / channelsPerGroup) * dstate * (long) seqlen;
                float bias = (flags & HAS_DELTA_BIAS) != 0 ? deltaBias.get(d) : 0f;
                float skip = (flags & HAS_D) != 0 ? dSkip.get(d) : 0f;
                long chunkRow = (long) row * nChunks + ch;
                for (int n = 0; n < dstate; n++) {
                    if ((flags & SINGLE_CHUNK) == 0) {
                        h[n] = chunkState.get(chunkRow * dstate + n);
                    } else if ((flags & HAS_INITIAL_STATE) != 0) {
                        h[n] = initialState.get((long) row * dstate + n);
                    } else {
                        h[n] = 0f;
                    }
                    aRow[n] = a.get((long) d * dstate + n);
                }
                int t0 = ch * chunkLen;
                int t1 = Math.min(t0 + chunkLen, seqlen);
                for (int t = t0; t < t1; t++) {
                    float dt = delta.get(rowBase + t) + bias;
                    if ((flags & DELTA_SOFTPLUS) != 0) {
                        dt = Activations.softplus(dt);
                    }
                    float ut = u.get(rowBase + t);
                    float dtu = dt * ut;
                    float y = 0f;
                    for (int n = 0; n < dstate; n++) {
                        long bc = bcBase + (long) n * seqlen + t;
                        h[n] = KernelMath.exp(dt * aRow[n]) * h[n] + dtu * b.get(bc);
                        y += h[n] * c.get(bc);
                    }
                    y += skip * ut;
                    if ((flags & HAS_Z) != 0) {
                        y *= Activations.silu(z.get(rowBase + t));
                    }
                    out.set(rowBase + t, y);
                }
                if ((flags & SINGLE_CHUNK) != 0) {
                    for (int n = 0; n < dstate; n++) {
                        lastState.set((long) row * dstate + n, h[n]);
                    }
                }
            }
        }
    }
}
