package io.jmamba.runtime.graph;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.Parallel;

/** Small kernels for the task-graph tests. */
final class GraphKernels {
    private GraphKernels() {
    }

    static void add(FloatArray a, FloatArray b, FloatArray c) {
        for (@Parallel int i = 0; i < c.getSize(); i++) {
            c.set(i, a.get(i) + b.get(i));
        }
    }

    /** Adds one to every element: run twice, the device copy shows state kept between executions. */
    static void increment(FloatArray a) {
        for (@Parallel int i = 0; i < a.getSize(); i++) {
            a.set(i, a.get(i) + 1f);
        }
    }

    static void scale(FloatArray in, FloatArray out, float factor) {
        for (@Parallel int i = 0; i < in.getSize(); i++) {
            out.set(i, in.get(i) * factor);
        }
    }

    static void scaleBf16(BFloat16Array in, BFloat16Array out, float factor) {
        for (@Parallel int i = 0; i < in.getSize(); i++) {
            out.set(i, in.get(i) * factor);
        }
    }

    /** Work-group sum with local memory and barriers: out[group] = sum of its items' inputs. */
    static void groupSum(KernelContext ctx, FloatArray in, FloatArray out) {
        float[] scratch = ctx.allocateFloatLocalArray(64);
        int l = ctx.localIdx;
        scratch[l] = in.get(ctx.globalIdx);
        for (int stride = ctx.localGroupSizeX / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (l < stride) {
                scratch[l] += scratch[l + stride];
            }
        }
        ctx.localBarrier();
        if (l == 0) {
            out.set(ctx.groupIdx, scratch[0]);
        }
    }

    /** Counts items per bucket with global atomics. */
    static void histogram(KernelContext ctx, IntArray values, IntArray counts) {
        int v = values.get(ctx.globalIdx);
        ctx.atomicAdd(counts, (int) (v % counts.getSize()), 1);
    }

    /** Not static: must be rejected. */
    void notStatic(FloatArray a) {
        a.set(0, 1f);
    }
}
