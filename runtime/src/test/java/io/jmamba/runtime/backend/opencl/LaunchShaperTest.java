package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.backend.DeviceBuffer;
import io.jmamba.runtime.backend.LaunchGrid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class LaunchShaperTest {
    static List<OpenClDevice> devices() {
        return OpenClTestDevices.all();
    }

    @Test
    void roundsParallelLoopKernelsUpToWholeGroups() {
        LaunchGrid shaped = LaunchShaper.shape(new LaunchGrid(new long[]{1009, 3}, null), HandWrittenKernels.gridStrideSquares(), 4096);
        assertArrayEquals(new long[]{1024, 3}, shaped.global());
        assertArrayEquals(new long[]{128, 1}, shaped.local());
        LaunchGrid small = LaunchShaper.shape(new LaunchGrid(new long[]{1009}, null), HandWrittenKernels.gridStrideSquares(), 32);
        assertArrayEquals(new long[]{1024}, small.global());
        assertArrayEquals(new long[]{32}, small.local());
    }

    @Test
    void leavesContextKernelsAndGivenLocalSizesAlone() {
        LaunchGrid g = new LaunchGrid(new long[]{1009}, null);
        assertSame(g, LaunchShaper.shape(g, HandWrittenKernels.groupSum(64), 4096));
        LaunchGrid withLocal = new LaunchGrid(new long[]{1010}, new long[]{10});
        assertSame(withLocal, LaunchShaper.shape(withLocal, HandWrittenKernels.gridStrideSquares(), 4096));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void aPrimeSizedGridStrideLaunchCoversEveryElementOnce(OpenClDevice device) {
        int n = 1009;
        try (OpenClSession s = device.openSession(); Arena arena = Arena.ofConfined()) {
            DeviceBuffer out = s.allocate(8L * n);
            OpenClKernel k = s.compileGenerated(HandWrittenKernels.gridStrideSquares());
            s.launch(k, new LaunchGrid(new long[]{n}, null), new Object[]{out}, false);
            MemorySegment o = arena.allocate(JAVA_LONG, n);
            s.read(out, 0, o);
            for (int i = 0; i < n; i++) {
                assertEquals((long) i * i, o.getAtIndex(JAVA_LONG, i), "out[" + i + "]");
            }
        }
    }
}
