package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.backend.KernelRequest;
import io.jmamba.runtime.conformance.AsyncCopyKernels;
import io.jmamba.runtime.conformance.MatrixLoadKernels;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * NVRTC compiles the asynchronous-copy and ldmatrix intrinsics, and on a GPU new enough the PTX holds the real
 * instructions rather than the plain-C fallbacks (their results are checked by the conformance suite's
 * "asynchronous copies" and "ldmatrix" themes on every device, this GPU included).
 */
@Tag("gpu")
class CudaAsyncCopyGpuTest {
    @Test
    void cpAsyncReachesThePtxOnSm80() throws Exception {
        CudaDevice d = CudaTestSupport.device();
        boolean sm80 = d.computeCapabilityMajor() >= 8;
        try (CudaSession s = d.openCudaSession()) {
            CudaKernel k = s.compile(new KernelRequest(AsyncCopyKernels.class.getMethod("pipelinedInts", KernelContext.class,
                    IntArray.class, IntArray.class, int.class), Map.of()));
            String ptx = k.ptx();
            assertEquals(sm80, ptx.contains("cp.async.cg.shared.global"), ptx);
            assertEquals(sm80, ptx.contains("cp.async.commit_group"), ptx);
            assertEquals(sm80, ptx.contains("cp.async.wait_group 1"), ptx);
        }
    }

    @Test
    void ldmatrixReachesThePtxOnSm75() throws Exception {
        CudaDevice d = CudaTestSupport.device();
        boolean sm75 = d.computeCapabilityMajor() * 10 + d.computeCapabilityMinor() >= 75;
        try (CudaSession s = d.openCudaSession()) {
            CudaKernel k = s.compile(new KernelRequest(MatrixLoadKernels.class.getMethod("ldmatrixMma", KernelContext.class,
                    IntArray.class, IntArray.class, IntArray.class, FloatArray.class), Map.of()));
            String ptx = k.ptx();
            assertEquals(sm75, ptx.contains("ldmatrix.sync.aligned.m8n8.x4.shared.b16"), ptx);
            assertEquals(sm75, ptx.contains("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16"), ptx);
        }
    }
}
