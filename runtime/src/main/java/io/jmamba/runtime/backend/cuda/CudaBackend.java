package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.backend.Backend;
import io.jmamba.runtime.backend.ComputeDevice;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The CUDA backend: the CUDA driver (libcuda.so.1) over FFM, kernels compiled by NVRTC from the JIT's
 * CUDA C, cuBLAS for GEMMs. Discovery never throws: when the driver library is missing, cuInit fails
 * or there is no device, {@link #unavailableReason()} says what was looked for and what happened.
 */
public final class CudaBackend implements Backend {
    private final List<ComputeDevice> devices;
    private final String reason;

    public CudaBackend() {
        List<ComputeDevice> found = new ArrayList<>();
        String why = null;
        try {
            CudaLibraries.Lookup lib = CudaLibraries.driver();
            if (!lib.found()) {
                why = lib.missing();
            } else {
                String where = lib.library().location();
                try {
                    CuDriver.init();
                } catch (CudaException e) {
                    why = "CUDA driver library " + where + " loaded, but " + e.getMessage();
                }
                if (why == null) {
                    int n = CuDriver.deviceCount();
                    int driverVersion = CuDriver.driverVersion();
                    for (int i = 0; i < n; i++) {
                        found.add(CudaDevice.probe(i, driverVersion, where));
                    }
                    if (n == 0) {
                        why = "CUDA driver library " + where + " loaded, but cuDeviceGetCount found no device";
                    }
                }
            }
        } catch (Throwable t) {
            // discovery must never throw: a broken install is reported, not raised
            why = "CUDA discovery failed: " + t;
            found.clear();
        }
        this.devices = List.copyOf(found);
        this.reason = why;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public List<ComputeDevice> devices() {
        return devices;
    }

    @Override
    public Optional<String> unavailableReason() {
        return devices.isEmpty() ? Optional.of(reason == null ? "no CUDA device" : reason) : Optional.empty();
    }
}
