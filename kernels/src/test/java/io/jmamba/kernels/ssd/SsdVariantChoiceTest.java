package io.jmamba.kernels.ssd;

import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SsdScan#defaultFor}: the tensor-core fp32 kernels on CUDA only (their portable MMAs are many times slower than
 * BLOCKED_WIDE on OpenCL), the property forcing one everywhere, and an unknown name refused with the variants listed.
 */
class SsdVariantChoiceTest {
    @Test
    void tensorCoresOnCudaOnly() {
        for (ComputeDevice d : DeviceMatrix.devices()) {
            SsdScan.Variant want = d.backendName().equals("cuda") ? SsdScan.Variant.TENSOR_3XTF32 : SsdScan.Variant.BLOCKED_WIDE;
            assertEquals(want, SsdScan.defaultFor(d), d.id());
        }
        assertEquals(SsdScan.Variant.BLOCKED_WIDE, SsdScan.DEFAULT_VARIANT, "addTo without a device: the portable kernels");
    }

    @Test
    void thePropertyForcesAVariantAndRefusesAnUnknownName() {
        ComputeDevice any = DeviceMatrix.devices().get(0);
        String before = System.getProperty(SsdScan.VARIANT_PROPERTY);
        try {
            System.setProperty(SsdScan.VARIANT_PROPERTY, "tensor_3xtf32");
            assertEquals(SsdScan.Variant.TENSOR_3XTF32, SsdScan.defaultFor(any));
            System.setProperty(SsdScan.VARIANT_PROPERTY, "FAST");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SsdScan.defaultFor(any));
            assertTrue(e.getMessage().contains("FAST") && e.getMessage().contains("BLOCKED_WIDE"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(SsdScan.VARIANT_PROPERTY);
            } else {
                System.setProperty(SsdScan.VARIANT_PROPERTY, before);
            }
        }
    }
}
