package io.jmamba.runtime.backend;

/** What kind of processor a device is; the default choice prefers them in this order. */
public enum DeviceKind { GPU, ACCELERATOR, CPU, JVM }
