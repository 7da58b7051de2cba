package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.backend.GraphCaptureSession;
import io.jmamba.runtime.backend.KernelRequest;
import io.jmamba.runtime.backend.LaunchGrid;
import io.jmamba.runtime.conformance.GridBarrierKernels;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KernelContext.gridBarrier on a CUDA GPU: cooperative launches of a grid as large as the device holds at once
 * (the occupancy limit itself), the clear refusal one block past it, the barrier inside a captured CUDA graph
 * replayed twice with the same counter, and together with programmatic dependent launch.
 */
@Tag("gpu")
class CudaGridBarrierGpuTest {
    private static final int GROUP = 128;

    private static CudaKernel exchange(CudaSession s) throws NoSuchMethodException {
        return s.compile(new KernelRequest(GridBarrierKernels.class.getMethod("exchange", KernelContext.class, IntArray.class,
                IntArray.class, IntArray.class, IntArray.class, int.class), Map.of()));
    }

    @Test
    void computeUnitsAreTheMultiprocessors() {
        CudaDevice d = CudaTestSupport.device();
        assertTrue(d.computeUnits() > 0 && d.description().contains(d.computeUnits() + " SMs"), d.description());
    }

    @Test
    void theLargestCoResidentGridRunsAndOneBlockMoreIsRefused() throws Exception {
        CudaDevice d = CudaTestSupport.device();
        try (CudaSession s = d.openCudaSession()) {
            CudaKernel k = exchange(s);
            long limit = s.maxCoResidentGroups(k, new LaunchGrid(new long[]{GROUP}, new long[]{GROUP}));
            assertTrue(limit >= d.computeUnits(), "at least one block per multiprocessor: " + limit);
            int groups = (int) limit;
            int n = groups * GROUP;
            CudaBuffer counter = buffer(s, 1, 0);
            CudaBuffer a = buffer(s, n, 0);
            CudaBuffer b = buffer(s, n, 0);
            CudaBuffer out = buffer(s, n, 0);
            for (int round = 1; round <= 2; round++) {
                s.launch(k, new LaunchGrid(new long[]{n}, new long[]{GROUP}), new Object[]{null, counter, a, b, out, round}, false);
                s.synchronize();
                int[] got = read(s, out, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(GridBarrierKernels.expected(i, GROUP, groups, round), got[i], "out[" + i + "], launch " + round);
                }
                assertEquals(round == 1 ? Integer.MIN_VALUE : 0, read(s, counter, 1)[0], "counter after launch " + round);
            }
            int tooMany = (groups + 1) * GROUP;
            CudaBuffer big = buffer(s, tooMany, 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.launch(k,
                    new LaunchGrid(new long[]{tooMany}, new long[]{GROUP}), new Object[]{null, counter, big, big, big, 1}, false));
            assertTrue(e.getMessage().contains("GridBarrierKernels_exchange") && e.getMessage().contains((groups + 1) + " blocks")
                    && e.getMessage().contains("= " + limit + " blocks"), e.getMessage());
            assertEquals(0, read(s, counter, 1)[0], "the refused launch did not run");
        }
    }

    @Test
    void cooperativeLaunchesReplayFromACapturedGraph() throws Exception {
        CudaDevice d = CudaTestSupport.device();
        int groups = Math.min(d.computeUnits(), 16);
        int n = groups * GROUP;
        try (CudaSession s = d.openCudaSession()) {
            CudaKernel k = exchange(s);
            CudaBuffer counter = buffer(s, 1, 0);
            CudaBuffer a = buffer(s, n, 0);
            CudaBuffer b = buffer(s, n, 0);
            CudaBuffer out = buffer(s, n, 0);
            LaunchGrid grid = new LaunchGrid(new long[]{n}, new long[]{GROUP});
            s.beginCapture();
            s.launch(k, grid, new Object[]{null, counter, a, b, out, 5}, false);
            s.launch(k, grid, new Object[]{null, counter, a, b, out, 9}, false);
            GraphCaptureSession.CapturedGraph g = s.endCapture();
            for (int replay = 1; replay <= 2; replay++) {
                g.replay();
                s.synchronize();
                int[] got = read(s, out, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(GridBarrierKernels.expected(i, GROUP, groups, 9), got[i], "out[" + i + "], replay " + replay);
                }
                assertEquals(0, read(s, counter, 1)[0], "six barriers per replay leave the counter at 0");
            }
        }
    }

    @Test
    void gridBarrierWithProgrammaticDependentLaunch() throws Exception {
        CudaDevice d = CudaTestSupport.device();
        String before = System.getProperty(CudaSession.PDL_PROPERTY);
        System.setProperty(CudaSession.PDL_PROPERTY, "true");
        int groups = Math.min(d.computeUnits(), 32);
        int n = groups * GROUP;
        int launches = 20;
        try (CudaSession s = d.openCudaSession()) {
            CudaKernel k = s.compile(new KernelRequest(GridBarrierKernels.class.getMethod("incrementAfterWait",
                    KernelContext.class, IntArray.class, IntArray.class, IntArray.class), Map.of()));
            assertTrue(k.generated().usesGridBarrier() && k.generated().usesGridDependency());
            CudaBuffer counter = buffer(s, 1, 0);
            CudaBuffer a = buffer(s, n, 0);
            CudaBuffer out = buffer(s, n, -1);
            LaunchGrid grid = new LaunchGrid(new long[]{n}, new long[]{GROUP});
            for (int i = 0; i < launches; i++) {
                s.launch(k, grid, new Object[]{null, counter, a, out}, false);
            }
            s.synchronize();
            int[] got = read(s, out, n);
            for (int i = 0; i < n; i++) {
                assertEquals(launches, got[i], "out[" + i + "] after " + launches + " launches");
            }
            assertEquals(0, read(s, counter, 1)[0], "an even number of barriers");
        } finally {
            if (before == null) {
                System.clearProperty(CudaSession.PDL_PROPERTY);
            } else {
                System.setProperty(CudaSession.PDL_PROPERTY, before);
            }
        }
    }

    private static CudaBuffer buffer(CudaSession s, int ints, int value) {
        IntArray host = new IntArray(ints);
        for (int i = 0; i < ints; i++) {
            host.set(i, value);
        }
        CudaBuffer b = s.allocate(4L * ints);
        s.write(b, 0, host.getSegment());
        return b;
    }

    private static int[] read(CudaSession s, CudaBuffer b, int ints) {
        IntArray host = new IntArray(ints);
        s.read(b, 0, host.getSegment());
        return host.toHeapArray();
    }
}
