package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.util.List;

/**
 * The OpenCL devices the tests run on: every device of every platform (PoCL's CPU here; NVIDIA's GPU too
 * on the GPU machine). With none, tests are skipped with the backend's reason printed, unless
 * JMAMBA_REQUIRE_BACKENDS names opencl: then they fail.
 */
final class OpenClTestDevices {
    private static final OpenClBackend BACKEND = new OpenClBackend();

    private OpenClTestDevices() {
    }

    static OpenClBackend backend() {
        return BACKEND;
    }

    /** Every OpenCL device, or a skip / failure when there is none. */
    static List<OpenClDevice> all() {
        List<ComputeDevice> devices = BACKEND.devices();
        if (devices.isEmpty()) {
            String reason = "no OpenCL device: " + BACKEND.unavailableReason().orElse("(no reason given)");
            if (DeviceMatrix.requiredBackends().contains("opencl")) {
                Assertions.fail("JMAMBA_REQUIRE_BACKENDS contains opencl, but " + reason);
            }
            System.out.println("SKIPPED OpenCL tests: " + reason);
            Assumptions.abort(reason);
        }
        return devices.stream().map(d -> (OpenClDevice) d).toList();
    }
}
