package io.jmamba.runtime.api;

/**
 * A kernel could not be compiled: the method uses a construct the JIT does not support, or the
 * device compiler rejected the generated source. The message names the class, method, bytecode
 * offset and construct where the JIT found the problem; for a device build failure it carries the
 * generated source and the driver's build log.
 */
public class KernelCompilationException extends RuntimeException {
    private final String className;
    private final String methodName;
    private final int bytecodeOffset;
    private final String construct;

    public KernelCompilationException(String className, String methodName, int bytecodeOffset, String construct) {
        super(className + "." + methodName + " at bytecode offset " + bytecodeOffset + ": " + construct);
        this.className = className;
        this.methodName = methodName;
        this.bytecodeOffset = bytecodeOffset;
        this.construct = construct;
    }

    /** A failure that belongs to no single bytecode offset (a device build log, say). */
    public KernelCompilationException(String message, Throwable cause) {
        super(message, cause);
        this.className = null;
        this.methodName = null;
        this.bytecodeOffset = -1;
        this.construct = message;
    }

    public KernelCompilationException(String message) {
        this(message, null);
    }

    public String className() { return className; }
    public String methodName() { return methodName; }
    /** The offset of the offending instruction in the method's code, or -1 when none applies. */
    public int bytecodeOffset() { return bytecodeOffset; }
    public String construct() { return construct; }
}
