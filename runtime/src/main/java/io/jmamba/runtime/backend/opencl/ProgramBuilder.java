package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.api.KernelCompilationException;
import io.jmamba.runtime.backend.ffm.NativeStrings;
import io.jmamba.runtime.jit.GeneratedKernel;

import java.lang.foreign.MemorySegment;

/**
 * Builds generated OpenCL C into a program and kernel in one context: from the device's binary cache
 * when an earlier session built the same source with the same options, else from source.
 *
 * <p>Build options keep Java semantics: no {@code -cl-fast-relaxed-math} or {@code -cl-mad-enable}
 * (they change results), {@code -cl-std=CL1.2} where the device's OpenCL C is 1.2 or newer (the JIT
 * writes OpenCL C 1.2), and {@code -cl-fp32-correctly-rounded-divide-sqrt} where the device supports it,
 * because Java's float division and sqrt are correctly rounded while OpenCL's defaults allow 2.5-3 ulp.
 *
 * <p>OpenCL C lets the compiler contract {@code a * b + c} into one fused multiply-add unless the source
 * says {@code #pragma OPENCL FP_CONTRACT OFF} (PoCL does contract, and the results then differ from Java's
 * in the last bit). Sources that do not mention FP_CONTRACT get that pragma as their first line; the
 * source shown with a build log is the one compiled, so the log's line numbers match it.
 */
final class ProgramBuilder {
    private ProgramBuilder() {
    }

    static String buildOptions(ClDeviceInfo info) {
        StringBuilder sb = new StringBuilder();
        if (info.openClCVersionNumber() >= 12) {
            sb.append("-cl-std=CL1.2");
        }
        if (info.correctlyRoundedDivSqrt()) {
            sb.append(sb.isEmpty() ? "" : " ").append("-cl-fp32-correctly-rounded-divide-sqrt");
        }
        return sb.toString();
    }

    static final String NO_CONTRACTION = "#pragma OPENCL FP_CONTRACT OFF";

    /** The source as it is handed to the compiler: {@code generated} with Java's no-contraction rule. */
    static String compiledSource(String generated) {
        return generated.contains("FP_CONTRACT") ? generated : NO_CONTRACTION + "\n" + generated;
    }

    static OpenClProgram build(OpenClDevice device, MemorySegment context, GeneratedKernel generated) {
        OpenCl cl = device.cl();
        String options = buildOptions(device.info());
        String source = compiledSource(generated.source());
        String key = ProgramBinaryCache.key(options, source);
        MemorySegment program = fromCachedBinary(device, context, key, options);
        if (program == null) {
            program = fromSource(device, context, generated.entryName(), source, options);
            try {
                byte[] binary = cl.programs().binary(program);
                if (binary != null) {
                    device.binaries().put(key, binary);
                }
            } catch (OpenClException e) {
                // a platform that cannot hand out binaries is still usable: later sessions build from source
            }
        }
        MemorySegment kernel;
        try {
            kernel = cl.kernels().create(program, generated.entryName());
        } catch (OpenClException e) {
            cl.programs().release(program);
            throw new KernelCompilationException("OpenCL kernel \"" + generated.entryName() + "\" could not be created on "
                    + device.id() + " (" + device.name() + "): " + e.getMessage()
                    + "\n--- generated OpenCL C ---\n" + NativeStrings.withLineNumbers(source), e);
        }
        long maxGroup = cl.kernels().workGroupInfo(kernel, device.deviceHandle(), ClConstants.CL_KERNEL_WORK_GROUP_SIZE);
        return new OpenClProgram(generated, source, options, program, kernel, maxGroup);
    }

    /** A built program from the device's cache, or null (not cached, or the binary no longer loads). */
    private static MemorySegment fromCachedBinary(OpenClDevice device, MemorySegment context, String key, String options) {
        byte[] binary = device.binaries().get(key);
        if (binary == null) {
            return null;
        }
        OpenCl cl = device.cl();
        MemorySegment program = null;
        try {
            program = cl.programs().createWithBinary(context, device.deviceHandle(), binary);
            if (cl.programs().build(program, device.deviceHandle(), options) == ClConstants.CL_SUCCESS) {
                device.binaries().countLoad();
                return program;
            }
        } catch (OpenClException e) {
            // fall through: build from source instead
        }
        if (program != null) {
            cl.programs().release(program);
        }
        device.binaries().remove(key);
        return null;
    }

    private static MemorySegment fromSource(OpenClDevice device, MemorySegment context, String entryName, String source,
                                            String options) {
        OpenCl cl = device.cl();
        MemorySegment program = cl.programs().createWithSource(context, source);
        int rc = cl.programs().build(program, device.deviceHandle(), options);
        if (rc != ClConstants.CL_SUCCESS) {
            String log = cl.programs().buildLog(program, device.deviceHandle());
            cl.programs().release(program);
            throw new KernelCompilationException("OpenCL build of kernel \"" + entryName + "\" failed on "
                    + device.id() + " (" + device.name() + ") with options \"" + options + "\": clBuildProgram returned "
                    + ClStatus.name(rc) + " (" + rc + ")"
                    + "\n--- build log ---\n" + (log.isBlank() ? "(empty)" : log)
                    + "\n--- generated OpenCL C ---\n" + NativeStrings.withLineNumbers(source), null);
        }
        return program;
    }
}
