package io.jmamba.runtime.jit;

import java.lang.reflect.Method;
import java.util.Map;

/** Entry point of the JIT: class file -> typed IR -> checks -> specialisation -> C source. */
public final class KernelJit {
    private KernelJit() {
    }

    /**
     * Compiles a static kernel method to C source in {@code dialect}.
     *
     * @param specialized values of the method's {@code @Specialize} parameters by Java parameter index
     * @throws io.jmamba.runtime.api.KernelCompilationException naming class, method, bytecode offset and
     *         construct for anything a device cannot run
     */
    public static GeneratedKernel compile(Method method, Map<Integer, Object> specialized, Dialect dialect) {
        throw new io.jmamba.runtime.api.KernelCompilationException("JIT front end not written yet");
    }
}
