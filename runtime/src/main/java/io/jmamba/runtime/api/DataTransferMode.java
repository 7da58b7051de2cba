package io.jmamba.runtime.api;

/** When a task graph copies an array between the host and the device. Names follow TornadoVM. */
public enum DataTransferMode {
    /** Copy on the first execution of the plan only; later executions reuse the device copy. */
    FIRST_EXECUTION,
    /** Copy on every execution. */
    EVERY_EXECUTION,
    /**
     * Host-bound only: never copied back automatically; the caller asks for it with
     * {@code ExecutionResult.transferToHost(array)} after an execution.
     */
    UNDER_DEMAND
}
