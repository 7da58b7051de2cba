package io.jmamba.runtime.backend.ffm;

/**
 * Invokes downcall handles without the checked {@code Throwable} of {@link java.lang.invoke.MethodHandle#invokeExact}:
 * native calls do not throw Java exceptions, so anything thrown here is a binding bug and is rethrown
 * unchecked.
 */
public final class NativeCall {
    private NativeCall() {
    }

    /** Rethrows what a {@code invokeExact} threw: errors and runtime exceptions as they are, others wrapped. */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed: " + t, t);
    }
}
