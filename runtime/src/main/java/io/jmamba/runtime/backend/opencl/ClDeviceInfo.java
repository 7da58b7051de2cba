package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.DeviceKind;

import java.lang.foreign.MemorySegment;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What jmamba needs to know about one OpenCL device, read once at discovery.
 *
 * @param openClCVersion         e.g. "OpenCL C 1.2 PoCL"; decides the -cl-std build option
 * @param fp64                   whether the device has double precision (cl_khr_fp64 or a double FP config)
 * @param correctlyRoundedDivSqrt whether float division and sqrt can be built correctly rounded, as Java's are
 */
record ClDeviceInfo(String platformName,
                    String platformVersion,
                    String name,
                    String vendor,
                    long type,
                    String deviceVersion,
                    String driverVersion,
                    String openClCVersion,
                    int computeUnits,
                    long globalMemoryBytes,
                    long maxAllocationBytes,
                    long maxWorkGroupSize,
                    long localMemoryBytes,
                    boolean fp64,
                    boolean correctlyRoundedDivSqrt) {

    private static final Pattern C_VERSION = Pattern.compile("OpenCL C (\\d+)\\.(\\d+)");

    static ClDeviceInfo query(ClPlatformApi api, MemorySegment platform, MemorySegment device) {
        String extensions = api.deviceString(device, ClConstants.CL_DEVICE_EXTENSIONS);
        long doubleConfig = tryLong(api, device, ClConstants.CL_DEVICE_DOUBLE_FP_CONFIG);
        long singleConfig = tryLong(api, device, ClConstants.CL_DEVICE_SINGLE_FP_CONFIG);
        return new ClDeviceInfo(
                api.platformString(platform, ClConstants.CL_PLATFORM_NAME),
                api.platformString(platform, ClConstants.CL_PLATFORM_VERSION),
                api.deviceString(device, ClConstants.CL_DEVICE_NAME),
                api.deviceString(device, ClConstants.CL_DEVICE_VENDOR),
                api.deviceLong(device, ClConstants.CL_DEVICE_TYPE),
                api.deviceString(device, ClConstants.CL_DEVICE_VERSION),
                api.deviceString(device, ClConstants.CL_DRIVER_VERSION),
                api.deviceString(device, ClConstants.CL_DEVICE_OPENCL_C_VERSION),
                api.deviceInt(device, ClConstants.CL_DEVICE_MAX_COMPUTE_UNITS),
                api.deviceLong(device, ClConstants.CL_DEVICE_GLOBAL_MEM_SIZE),
                api.deviceLong(device, ClConstants.CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                api.deviceLong(device, ClConstants.CL_DEVICE_MAX_WORK_GROUP_SIZE),
                api.deviceLong(device, ClConstants.CL_DEVICE_LOCAL_MEM_SIZE),
                doubleConfig > 0 || extensions.contains("cl_khr_fp64"),
                (singleConfig & ClConstants.CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0);
    }

    /** Optional properties (the double FP config is an error on some devices without fp64): 0 when the query fails. */
    private static long tryLong(ClPlatformApi api, MemorySegment device, int param) {
        try {
            return api.deviceLong(device, param);
        } catch (OpenClException e) {
            return 0;
        }
    }

    DeviceKind kind() {
        if ((type & ClConstants.CL_DEVICE_TYPE_GPU) != 0) {
            return DeviceKind.GPU;
        }
        if ((type & ClConstants.CL_DEVICE_TYPE_ACCELERATOR) != 0) {
            return DeviceKind.ACCELERATOR;
        }
        return DeviceKind.CPU;
    }

    /** OpenCL C major*10+minor (12 for 1.2), or 10 when the string cannot be read. */
    int openClCVersionNumber() {
        Matcher m = C_VERSION.matcher(openClCVersion);
        return m.find() ? Integer.parseInt(m.group(1)) * 10 + Integer.parseInt(m.group(2)) : 10;
    }

    String describe() {
        return String.format(Locale.ROOT,
                "%s (%s); %s, %s, driver %s; %d compute units; %s global memory (max allocation %s); "
                        + "%s local memory; max work-group size %d; fp64 %s",
                platformName, platformVersion, deviceVersion, openClCVersion, driverVersion, computeUnits,
                bytes(globalMemoryBytes), bytes(maxAllocationBytes), bytes(localMemoryBytes), maxWorkGroupSize,
                fp64 ? "yes" : "no");
    }

    static String bytes(long b) {
        if (b >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30));
        }
        if (b >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
        }
        if (b >= 1L << 10) {
            return String.format(Locale.ROOT, "%.1f KiB", b / (double) (1L << 10));
        }
        return b + " B";
    }
}
