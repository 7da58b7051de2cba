package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceKind;
import io.jmamba.runtime.backend.Devices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class OpenClDiscoveryTest {

    @Test
    void findsDevicesWithIdsKindsAndDescriptions() {
        List<OpenClDevice> devices = OpenClTestDevices.all();
        assertTrue(OpenClTestDevices.backend().unavailableReason().isEmpty(), "a backend with devices gives no reason");
        for (OpenClDevice d : devices) {
            assertTrue(d.id().matches("opencl:\\d+:\\d+"), d.id());
            assertEquals("opencl", d.backendName());
            assertFalse(d.name().isBlank());
            assertTrue(d.globalMemoryBytes() > 0, d + " global memory");
            assertTrue(d.maxWorkGroupSize() > 0, d + " max work-group size");
            assertTrue(d.maxAllocationBytes() > 0 && d.maxAllocationBytes() <= d.globalMemoryBytes(), d + " max allocation");
            String desc = d.description();
            assertTrue(desc.contains(d.platformName()) && desc.contains("compute units") && desc.contains("global memory")
                    && desc.contains("max work-group size " + d.maxWorkGroupSize()) && desc.contains("fp64"), desc);
        }
        assertEquals(devices.size(), devices.stream().map(ComputeDevice::id).distinct().count(), "ids are unique");
    }

    @Test
    void poclRunsOnOneThreadUnlessTheUserChose() {
        OpenClTestDevices.all();
        String chosen = System.getenv(PoclThreads.VARIABLE);
        String property = System.getProperty(PoclThreads.PROPERTY);
        String want = chosen != null ? chosen : property != null ? property : "1";
        assertEquals(want, io.jmamba.runtime.backend.ffm.NativeEnvironment.get(PoclThreads.VARIABLE),
                "set before the ICD loader's first call, which is when PoCL reads it");
    }

    @Test
    void findsPoclsCpuDeviceWhereItIsInstalled() {
        List<OpenClDevice> devices = OpenClTestDevices.all();
        assumeTrue(Path.of("/etc/OpenCL/vendors/pocl.icd").toFile().exists(), "PoCL is not registered on this machine");
        String vendors = System.getenv("OCL_ICD_VENDORS");
        String filenames = System.getenv("OCL_ICD_FILENAMES");
        assumeTrue((vendors == null || Path.of(vendors, "pocl.icd").toFile().exists())
                        && (filenames == null || filenames.contains("pocl")),
                "PoCL is hidden from the ICD loader in this process (OCL_ICD_VENDORS=" + vendors + ", OCL_ICD_FILENAMES=" + filenames + ")");
        OpenClDevice pocl = devices.stream().filter(d -> d.platformName().contains("Portable Computing Language"))
                .findFirst().orElseThrow(() -> new AssertionError("PoCL is registered but not found among " + devices));
        assertEquals(DeviceKind.CPU, pocl.kind());
        assertTrue(pocl.supportsFp64(), "PoCL's CPU device has fp64");
    }

    @Test
    void devicesRegistryLoadsThisBackendByName() {
        OpenClTestDevices.all();
        var backend = Devices.backend("opencl").orElseThrow();
        assertTrue(backend instanceof OpenClBackend, "Devices loads " + backend.getClass());
        ComputeDevice first = backend.devices().getFirst();
        assertEquals(first.id(), Devices.find(first.id()).id());
    }

    @Test
    void missingLibraryGivesNoDevicesAndSaysWhereItLooked(@TempDir Path empty) {
        OpenClBackend b = new OpenClBackend(List.of("libNoSuchOpenCL.so.1"), List.of(empty));
        assertTrue(b.devices().isEmpty());
        String reason = b.unavailableReason().orElseThrow();
        assertTrue(reason.contains("libNoSuchOpenCL.so.1") && reason.contains(empty.toString())
                && reason.contains("looked for"), reason);
    }

    @Test
    void openClErrorNamesTheCallAndTheError() {
        OpenClException e = new OpenClException("clEnqueueNDRangeKernel", -54, "sizes");
        assertEquals("CL_INVALID_WORK_GROUP_SIZE", e.errorName());
        assertTrue(e.getMessage().startsWith("clEnqueueNDRangeKernel failed: CL_INVALID_WORK_GROUP_SIZE (-54)"), e.getMessage());
        assertEquals("CL_OUT_OF_RESOURCES", ClStatus.name(-5));
        assertEquals("unknown OpenCL error -12345", ClStatus.name(-12345));
    }
}
