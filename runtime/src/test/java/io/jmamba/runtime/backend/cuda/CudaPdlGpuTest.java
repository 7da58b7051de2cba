package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.backend.GraphCaptureSession;
import io.jmamba.runtime.backend.KernelRequest;
import io.jmamba.runtime.backend.LaunchGrid;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Programmatic dependent launch on the GPU: a chain of launches in which every launch reads elements other
 * blocks of the previous one wrote, so a launch that ran ahead of its wait would read stale values. Run on the
 * stream and recorded into a CUDA graph (programmatic edges from capture), against the same chain in Java.
 */
@Tag("gpu")
class CudaPdlGpuTest {
    private static final int N = 1 << 20;
    private static final int STEPS = 40;

    @Test
    void chainOnTheStreamAndInAGraphMatchesJava() throws Exception {
        CudaDevice d = CudaTestSupport.device();
        SplittableRandom r = new SplittableRandom(71);
        FloatArray w = new FloatArray(N);
        FloatArray x0 = new FloatArray(N);
        for (int i = 0; i < N; i++) {
            w.set(i, (float) r.nextDouble(-1, 1));
            x0.set(i, (float) r.nextDouble(-4, 4));
        }
        float[] expect = x0.toHeapArray();
        float[] wv = w.toHeapArray();
        for (int s = 0; s < STEPS; s++) {
            float[] next = new float[N];
            for (int i = 0; i < N; i++) {
                next[i] = expect[(int) (((long) i * 7919 + 13) % N)] * 0.5f + wv[i];
            }
            expect = next;
        }
        String before = System.getProperty(CudaSession.PDL_PROPERTY);
        System.setProperty(CudaSession.PDL_PROPERTY, "true"); // the default, set in case the run opted out
        try (CudaSession s = d.openCudaSession()) {
            boolean capable = d.computeCapabilityMajor() >= 9 && d.driverVersion() >= CudaSession.PDL_MIN_DRIVER;
            assertEquals(capable && CuDriver.hasLaunchKernelEx(), s.programmaticLaunches(),
                    "programmatic launches on " + d.description());
            CudaKernel k = s.compile(new KernelRequest(PdlKernels.class.getMethod("chainStep", KernelContext.class,
                    FloatArray.class, FloatArray.class, FloatArray.class, int.class), Map.of()));
            assertTrue(k.generated().usesGridDependency(), "the kernel waits on its predecessor");
            assertTrue(k.ptx().contains("griddepcontrol.wait") == (d.computeCapabilityMajor() >= 9), k.ptx());
            CudaBuffer dw = s.allocate(4L * N);
            CudaBuffer[] bufs = {s.allocate(4L * N), s.allocate(4L * N)};
            s.write(dw, 0, w.getSegment());
            LaunchGrid grid = new LaunchGrid(new long[]{N}, new long[]{128});

            s.write(bufs[0], 0, x0.getSegment());
            for (int step = 0; step < STEPS; step++) {
                s.launch(k, grid, new Object[]{null, dw, bufs[step % 2], bufs[(step + 1) % 2], N}, false);
            }
            s.synchronize();
            assertMatches(expect, read(s, bufs[STEPS % 2]), "stream");
            assertEquals(capable, s.programmaticLaunches(),
                    "the driver took the programmatic launches (no fallback to plain ones)");

            s.write(bufs[0], 0, x0.getSegment());
            s.beginCapture();
            for (int step = 0; step < STEPS; step++) {
                s.launch(k, grid, new Object[]{null, dw, bufs[step % 2], bufs[(step + 1) % 2], N}, false);
            }
            GraphCaptureSession.CapturedGraph g = s.endCapture();
            g.replay();
            s.synchronize();
            assertMatches(expect, read(s, bufs[STEPS % 2]), "graph");
        } finally {
            if (before == null) {
                System.clearProperty(CudaSession.PDL_PROPERTY);
            } else {
                System.setProperty(CudaSession.PDL_PROPERTY, before);
            }
        }
    }

    private static float[] read(CudaSession s, CudaBuffer b) {
        FloatArray out = new FloatArray(N);
        s.read(b, 0, out.getSegment());
        return out.toHeapArray();
    }

    private static void assertMatches(float[] expect, float[] got, String how) {
        for (int i = 0; i < N; i++) {
            int at = i;
            // same operations in the same order (no contraction on CUDA): bit for bit
            assertEquals(expect[i], got[i], 0f, () -> how + ": element " + at);
        }
    }
}
