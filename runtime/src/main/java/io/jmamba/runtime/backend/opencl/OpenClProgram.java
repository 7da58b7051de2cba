package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.jit.GeneratedKernel;

import java.lang.foreign.MemorySegment;

/**
 * A built cl_program and its one cl_kernel in a session's context. clSetKernelArg changes the kernel
 * object, so launches lock it from setting the arguments to enqueueing.
 *
 * @param generated         what the JIT produced (or a hand-written stand-in)
 * @param source            the source handed to the compiler (see {@link ProgramBuilder#compiledSource})
 * @param options           the build options used
 * @param maxWorkGroupSize  CL_KERNEL_WORK_GROUP_SIZE: the largest group this kernel can run with here
 */
record OpenClProgram(GeneratedKernel generated, String source, String options, MemorySegment program, MemorySegment kernel,
                     long maxWorkGroupSize) {
}
