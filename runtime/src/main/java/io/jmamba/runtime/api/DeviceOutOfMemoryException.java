package io.jmamba.runtime.api;

/**
 * A device allocation failed for lack of memory. The plan that asked and the process stay usable:
 * free something (close a plan) and try again, or use a smaller problem.
 */
public class DeviceOutOfMemoryException extends RuntimeException {
    private final long requestedBytes;
    private final long freeBytes;

    public DeviceOutOfMemoryException(String device, long requestedBytes, long freeBytes) {
        super("out of memory on " + device + ": asked for " + requestedBytes + " bytes"
                + (freeBytes >= 0 ? ", " + freeBytes + " bytes free" : ""));
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    public long requestedBytes() { return requestedBytes; }
    /** Free bytes the device reported, or -1 when it cannot tell. */
    public long freeBytes() { return freeBytes; }
}
