package io.jmamba.runtime.backend.jvm;

import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.backend.CompiledKernel;
import io.jmamba.runtime.jit.GeneratedKernel;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;

/** A kernel "compiled" for the JVM: a spreading method handle on the Java method. */
final class JvmKernel implements CompiledKernel {
    final Method method;
    final MethodHandle handle;
    /** Index of the KernelContext parameter, or -1. */
    final int contextIndex;
    final boolean usesBarrier;
    /** Whether the kernel calls warp operations (its launches then need a warp-shaped local size). */
    final boolean usesWarpOps;
    /** Whether the kernel calls KernelContext.gridBarrier (every work-item of a launch then runs at once). */
    final boolean usesGridBarrier;

    JvmKernel(Method method) {
        this.method = method;
        try {
            method.setAccessible(true);
            this.handle = MethodHandles.lookup().unreflect(method).asSpreader(Object[].class, method.getParameterCount())
                    .asType(java.lang.invoke.MethodType.methodType(void.class, Object[].class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException("cannot call kernel " + method + " on the JVM: " + e.getMessage(), e);
        }
        int ctx = -1;
        Class<?>[] types = method.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            if (types[i] == KernelContext.class) {
                ctx = i;
            }
        }
        this.contextIndex = ctx;
        this.usesBarrier = ctx >= 0 && BarrierScan.usesBarrier(method);
        this.usesWarpOps = ctx >= 0 && BarrierScan.usesWarpOps(method);
        this.usesGridBarrier = ctx >= 0 && BarrierScan.usesGridBarrier(method);
    }

    @Override
    public GeneratedKernel generated() {
        return null;
    }

    @Override
    public String source() {
        return "// JVM backend: runs " + method.getDeclaringClass().getName() + "." + method.getName()
                + " as Java bytecode" + (usesGridBarrier ? " (every work-item of the launch on its own thread at once: the kernel "
                + "uses a grid barrier)" : usesBarrier ? " (one thread per work-item: the kernel uses barriers)" : "");
    }

    @Override
    public long compileNanos() {
        return 0;
    }
}
