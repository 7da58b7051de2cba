package io.jmamba.runtime.api;

import java.util.Map;

/**
 * Times of the last execution of a plan, in nanoseconds: each kernel (device time where the backend
 * has events, else wall time), copies each way, compilation (non-zero on a cold cache) and the whole.
 *
 * @param kernelNanos per task, keyed "graph.task"
 */
public record ProfileReport(Map<String, Long> kernelNanos, long copyToDeviceNanos, long copyToHostNanos,
                            long compileNanos, long totalNanos) {
    public long kernelTotalNanos() {
        return kernelNanos.values().stream().mapToLong(Long::longValue).sum();
    }
}
