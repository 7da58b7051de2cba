package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.CompiledKernel;
import io.jmamba.runtime.jit.GeneratedKernel;

/**
 * A kernel ready to launch in one {@link OpenClSession}.
 *
 * @param built        the program and kernel objects
 * @param session      the session they belong to (a kernel cannot be launched in another)
 * @param compileNanos time spent generating and building; 0 when the session's cache had it
 */
record OpenClKernel(OpenClProgram built, OpenClSession session, long compileNanos) implements CompiledKernel {
    @Override
    public GeneratedKernel generated() {
        return built.generated();
    }

    @Override
    public String source() {
        return built.source();
    }
}
