package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.jit.Dialect;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelParam;
import io.jmamba.runtime.jit.KernelParam.Kind;
import io.jmamba.runtime.jit.ParallelLoop;

import java.util.List;

/**
 * OpenCL C written by hand in the shape the JIT generates (array -> pointer + long size; scalar -> value;
 * context -> nothing), so the backend can be tested without the JIT.
 */
final class HandWrittenKernels {
    private HandWrittenKernels() {
    }

    static GeneratedKernel of(String entry, String source, List<KernelParam> params, boolean barriers, long localBytes) {
        return new GeneratedKernel(entry, source, Dialect.OPENCL, params, List.of(), true, barriers, localBytes);
    }

    /**
     * y[i] = a * x[i] + y[i]. No FP_CONTRACT pragma: the backend adds one, so the result is Java's unfused
     * a*x+y (PoCL would otherwise fuse it into an fma and differ in the last bit).
     */
    static GeneratedKernel axpy() {
        String src = """
                __kernel void axpy(__global float* x, long x_size, __global float* y, long y_size, float a) {
                    long i = get_global_id(0);
                    if (i < y_size) {
                        y[i] = a * x[i] + y[i];
                    }
                }
                """;
        return of("axpy", src, List.of(
                new KernelParam(0, "x", Kind.ARRAY, "float"),
                new KernelParam(1, "y", Kind.ARRAY, "float"),
                new KernelParam(2, "a", Kind.SCALAR, "float")), false, 0);
    }

    /**
     * Sums each work-group's slice of {@code in} through __local memory and barriers (tree reduction);
     * the KernelContext parameter comes first and has no C parameter.
     */
    static GeneratedKernel groupSum(int groupSize) {
        String src = """
                __kernel void groupSum(__global int* in, long in_size, __global int* out, long out_size) {
                    __local int scratch[%d];
                    int lid = get_local_id(0);
                    long gid = get_global_id(0);
                    scratch[lid] = gid < in_size ? in[gid] : 0;
                    barrier(CLK_LOCAL_MEM_FENCE);
                    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
                        if (lid < s) {
                            scratch[lid] += scratch[lid + s];
                        }
                        barrier(CLK_LOCAL_MEM_FENCE);
                    }
                    if (lid == 0) {
                        out[get_group_id(0)] = scratch[0];
                    }
                }
                """.formatted(groupSize);
        return of("groupSum", src, List.of(
                new KernelParam(0, "ctx", Kind.CONTEXT, "KernelContext"),
                new KernelParam(1, "in", Kind.ARRAY, "int"),
                new KernelParam(2, "out", Kind.ARRAY, "int")), true, 4L * groupSize);
    }

    /** out[i] = (base + i) * scale (+ 1 when flag), with a 64-bit base, a double scale and a specialised param. */
    static GeneratedKernel longDouble() {
        String src = """
                #pragma OPENCL EXTENSION cl_khr_fp64 : enable
                #pragma OPENCL FP_CONTRACT OFF
                __kernel void longDouble(__global double* out, long out_size, __global long* ids, long ids_size,
                                         long base, double scale, int flag) {
                    long i = get_global_id(0);
                    if (i < out_size) {
                        ids[i] = base + i;
                        out[i] = (double) (base + i) * scale + (flag ? 1.0 : 0.0);
                    }
                }
                """;
        return of("longDouble", src, List.of(
                new KernelParam(0, "out", Kind.ARRAY, "double"),
                new KernelParam(1, "ids", Kind.ARRAY, "long"),
                new KernelParam(2, "base", Kind.SCALAR, "long"),
                new KernelParam(3, "width", Kind.SPECIALIZED, "int"),
                new KernelParam(4, "scale", Kind.SCALAR, "double"),
                new KernelParam(5, "flag", Kind.SCALAR, "boolean")), false, 0);
    }

    /** out[y * width + x] = y * 1000 + x over a 2-D grid. */
    static GeneratedKernel grid2d() {
        String src = """
                __kernel void grid2d(__global int* out, long out_size, int width) {
                    int x = get_global_id(0);
                    int y = get_global_id(1);
                    out[(long) y * width + x] = y * 1000 + x;
                }
                """;
        return of("grid2d", src, List.of(
                new KernelParam(0, "out", Kind.ARRAY, "int"),
                new KernelParam(1, "width", Kind.SCALAR, "int")), false, 0);
    }

    /**
     * What the JIT makes of a {@code @Parallel} loop: a grid-stride loop, out[i] = i * i for i < out_size.
     * Marked as a parallel-loop kernel without KernelContext, so the backend may shape its grid.
     */
    static GeneratedKernel gridStrideSquares() {
        String src = """
                __kernel void squares(__global long* out, long out_size) {
                    for (long i = get_global_id(0); i < out_size; i += get_global_size(0)) {
                        out[i] = i * i;
                    }
                }
                """;
        return new GeneratedKernel("squares", src, Dialect.OPENCL, List.of(new KernelParam(0, "out", Kind.ARRAY, "long")),
                List.of(new ParallelLoop(0, new ParallelLoop.Bound.ArraySize(0))), false, false, 0);
    }

    /** Not OpenCL C: an undeclared identifier, on line 3. */
    static GeneratedKernel broken() {
        String src = """
                __kernel void broken(__global float* x, long x_size) {
                    long i = get_global_id(0);
                    x[i] = undeclared_thing_42 * 2.0f;
                }
                """;
        return of("broken", src, List.of(new KernelParam(0, "x", Kind.ARRAY, "float")), false, 0);
    }
}
