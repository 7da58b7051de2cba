package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.DeviceKind;
import io.jmamba.runtime.backend.LaunchGrid;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenCL launch rule for kernels with a grid barrier, for device kinds CI has not got (a GPU). */
class GridBarrierLaunchTest {
    private static final String GPU = "opencl:1:0 (NVIDIA H100, NVIDIA CUDA)";

    @Test
    void aGpuTakesUpToOneGroupPerComputeUnit() {
        LaunchGrid grid = new LaunchGrid(new long[]{132 * 256}, new long[]{256});
        assertSame(grid, GridBarrierLaunch.check(grid, "k", DeviceKind.GPU, 132, GPU, 1024));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GridBarrierLaunch.check(
                new LaunchGrid(new long[]{133 * 256}, new long[]{256}), "persistentLayer", DeviceKind.GPU, 132, GPU, 1024));
        assertTrue(e.getMessage().contains("persistentLayer") && e.getMessage().contains("133 work-groups")
                && e.getMessage().contains("at most 132") && e.getMessage().contains(GPU), e.getMessage());
    }

    @Test
    void withoutALocalSizeTheGroupsAreChosenAsOnCuda() {
        LaunchGrid g = GridBarrierLaunch.check(new LaunchGrid(new long[]{4 * 256, 3}, null), "k", DeviceKind.GPU, 16, GPU, 1024);
        assertArrayEquals(new long[]{256, 1}, g.local());
        assertThrows(IllegalArgumentException.class, () -> GridBarrierLaunch.check(new LaunchGrid(new long[]{4 * 256, 5}, null),
                "k", DeviceKind.GPU, 16, GPU, 1024), "4 x 5 groups > 16");
    }

    @Test
    void aCpuDeviceRunsOnlyASingleGroup() {
        LaunchGrid one = new LaunchGrid(new long[]{64}, new long[]{64});
        assertSame(one, GridBarrierLaunch.check(one, "k", DeviceKind.CPU, 2, "opencl:0:0 (cpu, PoCL)", 4096));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> GridBarrierLaunch.check(
                new LaunchGrid(new long[]{128}, new long[]{64}), "persistentLayer", DeviceKind.CPU, 2, "opencl:0:0 (cpu, PoCL)", 4096));
        assertTrue(e.getMessage().contains("persistentLayer") && e.getMessage().contains("wait forever")
                && e.getMessage().contains("2 work-groups"), e.getMessage());
    }
}
