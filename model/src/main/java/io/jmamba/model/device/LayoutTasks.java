package io.jmamba.model.device;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.TaskGraph;

/** The layout moves between token-major and channel-major activations, as one-line task adds. */
public final class LayoutTasks {
    private LayoutTasks() {
    }

    /** dst [tokens, n] = src [tokens, srcCols][:, c0 : c0 + n]. */
    public static void columns(TaskGraph g, String id, FloatArray src, int srcCols, int c0, int n, FloatArray dst, int tokens) {
        g.task(id, ModelKernels::columns, src, dst, tokens, srcCols, c0, n);
    }

    /** Three column ranges [offK, offK + nK) of src [tokens, srcCols] into dst0, dst1, dst2, in one task. */
    public static void columns3(TaskGraph g, String id, FloatArray src, int srcCols, int tokens, FloatArray dst0, int off0,
                                int n0, FloatArray dst1, int off1, int n1, FloatArray dst2, int off2, int n2) {
        g.task(id, ModelKernels::columns3, src, tokens, srcCols, dst0, off0, n0, dst1, off1, n1, dst2, off2, n2);
    }

    /** dst [batch, n, seqlen] = src [batch * seqlen, srcCols][:, c0 : c0 + n], transposed per sequence. */
    public static void toChannels(TaskGraph g, String id, FloatArray src, int srcCols, int c0, int n, FloatArray dst,
                                  int batch, int seqlen) {
        g.task(id, ModelKernels::tokensToChannels, src, dst, batch, seqlen, srcCols, c0, n);
    }

    /** dst [batch * seqlen, n] = src [batch, channels, seqlen][:, c0 : c0 + n, :], transposed per sequence. */
    public static void toTokens(TaskGraph g, String id, FloatArray src, int channels, int c0, int n, FloatArray dst,
                                int batch, int seqlen) {
        g.task(id, ModelKernels::channelsToTokens, src, dst, batch, channels, seqlen, c0, n);
    }

    /** dst = src (the first n floats): a final state becomes the state the next call starts from. */
    public static void copy(TaskGraph g, String id, FloatArray src, FloatArray dst, long n) {
        g.task(id, ModelKernels::copy, src, dst, Math.toIntExact(n));
    }
}
