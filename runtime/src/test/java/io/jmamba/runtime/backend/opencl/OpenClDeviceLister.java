package io.jmamba.runtime.backend.opencl;

/** Prints what OpenCL discovery finds, one line per note and per device; run in a child JVM by tests. */
public final class OpenClDeviceLister {
    private OpenClDeviceLister() {
    }

    public static void main(String[] args) {
        OpenClBackend backend = new OpenClBackend();
        backend.discoveryNotes().forEach(n -> System.out.println("note: " + n));
        backend.unavailableReason().ifPresent(r -> System.out.println("unavailable: " + r));
        backend.devices().forEach(d -> System.out.println("device: " + d.id() + " | " + ((OpenClDevice) d).platformName()
                + " | " + d.name()));
    }
}
