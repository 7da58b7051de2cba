package io.jmamba.runtime.backend;

import io.jmamba.runtime.jit.GeneratedKernel;

/** A kernel built for one device, ready to launch. */
public interface CompiledKernel {
    /** What the JIT generated; null on the JVM backend, which runs the Java method itself. */
    GeneratedKernel generated();

    /** Source the device compiled (CUDA C / OpenCL C), or a description for the JVM. */
    String source();

    /** Wall time spent generating and building it, in nanoseconds (0 when it came from the cache). */
    long compileNanos();
}
