package io.jmamba.runtime.backend.jvm;

/** A kernel threw while running on the JVM backend (an index out of bounds, say). */
public final class KernelExecutionException extends RuntimeException {
    KernelExecutionException(String message, Throwable cause) {
        super(message, cause);
    }
}
