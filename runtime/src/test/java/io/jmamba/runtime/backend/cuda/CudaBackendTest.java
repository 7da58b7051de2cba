package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.backend.Devices;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Discovery, which must work (and explain itself) on machines without CUDA too. */
class CudaBackendTest {

    @Test
    void discoveryNeverThrowsAndExplainsAnAbsence() {
        CudaBackend b = new CudaBackend();
        assertEquals("cuda", b.name());
        if (b.devices().isEmpty()) {
            String reason = b.unavailableReason().orElseThrow();
            // without the driver the reason names the library and the folders searched
            assertTrue(reason.contains("libcuda.so.1") && reason.contains("/usr/local/nvidia/lib64")
                    || reason.contains("cuInit") || reason.contains("found no device"), reason);
        } else {
            assertTrue(b.unavailableReason().isEmpty());
            assertTrue(b.devices().getFirst().id().startsWith("cuda:"));
        }
    }

    @Test
    void devicesListsTheCudaBackendByName() {
        assertTrue(Devices.backend("cuda").isPresent(), "Devices loads io.jmamba.runtime.backend.cuda.CudaBackend");
        assertTrue(Devices.backend("cuda").get() instanceof CudaBackend);
    }
}
