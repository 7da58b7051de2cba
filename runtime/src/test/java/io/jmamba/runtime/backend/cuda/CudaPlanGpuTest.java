package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.ExecutionResult;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.ProfileReport;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Task graphs on the CUDA device: a cuBLAS GEMM and JIT kernels sharing device buffers, buffers kept
 * across executions, CUDA-graph replay of the kernel run, and the profiler's CUDA-event times.
 */
@Tag("gpu")
class CudaPlanGpuTest {
    private static final int M = 96, N = 64, K = 80;
    private final Random random = new Random();

    @Test
    void gemmThenKernelsReplayedFromACudaGraph() {
        CudaDevice d = CudaTestSupport.device();
        FloatArray a = randomArray(M * K);
        FloatArray b = randomArray(K * N);
        FloatArray bias = randomArray(M * N);
        FloatArray c = new FloatArray(M * N);
        FloatArray out = new FloatArray(M * N);
        TaskGraph g = new TaskGraph("mm")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, b, bias)
                .libraryTask("gemm", CuBlas.sgemm(false, false, M, N, K, 1f, 0f), a, b, c)
                .task("bias", CudaJitKernels::axpy, bias, c, 2f)
                .task("softplus", CudaJitKernels::softplus, c, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(d).withCudaGraph(true)) {
            for (int run = 0; run < 4; run++) {
                // a changes every time: the GEMM, captured in the same CUDA graph as the kernels after it,
                // reads a's device buffer on each replay
                for (int i = 0; i < M * K; i++) {
                    a.set(i, random.nextFloat() * 2 - 1);
                }
                plan.execute();
                assertClose(reference(a, b, bias), out, 1e-5, "execution " + run);
            }
            assertTrue(plan.generatedSource("mm.bias").contains("__global__"), "CUDA C is printable per task");
        }
    }

    /**
     * The shape of a model's decode plan: a graph that runs once first (weights), then a graph whose tasks have
     * first-execution copies of placeholders between them. Captured runs go on across those copies once the graph
     * has run; a run captured in the graph's own first execution would be cut at them and, replayed later under the
     * same start, would leave the tasks after the cut undone (stale outputs from the second step on).
     */
    @Test
    void replaysAcrossFirstExecutionCopiesRunEveryTask() {
        CudaDevice d = CudaTestSupport.device();
        int n = 4096;
        FloatArray w = randomArray(n);
        FloatArray a = new FloatArray(n);
        FloatArray s = new FloatArray(n);
        FloatArray t = new FloatArray(n);
        FloatArray out = new FloatArray(n);
        TaskGraph weights = new TaskGraph("weights").transferToDevice(DataTransferMode.FIRST_EXECUTION, w);
        TaskGraph step = new TaskGraph("step")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, s)
                .task("first", CudaJitKernels::softplus, a, s)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, w)
                .task("shift", CudaJitKernels::axpy, w, s, 2f)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, t)
                .task("second", CudaJitKernels::softplus, s, t)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, out)
                .task("third", CudaJitKernels::softplus, t, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(weights.snapshot(), step.snapshot()).withDevice(d).withCudaGraph(true)) {
            plan.withGraph(0).execute();
            for (int run = 0; run < 4; run++) {
                for (int i = 0; i < n; i++) {
                    a.set(i, random.nextFloat() * 4 - 2);
                }
                plan.withGraph(1).execute();
                for (int i = 0; i < n; i++) {
                    double v = softplus(softplus(softplus(a.get(i)) + 2.0 * w.get(i)));
                    assertEquals(v, out.get(i), 1e-5 * Math.max(1, Math.abs(v)), "step " + run + ", element " + i);
                }
            }
        }
    }

    /** A new grid scheduler after graphs were captured: the replays use the new work-group size, not the captured one. */
    @Test
    void aNewGridSchedulerReplacesCapturedGraphs() {
        CudaDevice d = CudaTestSupport.device();
        int n = 4096;
        FloatArray in = randomArray(n);
        FloatArray out = new FloatArray(n / 32);
        TaskGraph g = new TaskGraph("sum")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, in)
                .task("groups", CudaJitKernels::groupSum, new KernelContext(), in, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(d).withCudaGraph(true)) {
            for (int local : new int[] {64, 32}) {
                plan.withGridScheduler(new GridScheduler("sum.groups", new WorkerGrid1D(n).setLocalWork(local)));
                for (int run = 0; run < 3; run++) { // the first run is eager, the second captures, the third replays
                    out.init(0f);
                    plan.execute();
                    for (int grp = 0; grp < n / local; grp++) {
                        double expected = 0;
                        for (int i = grp * local; i < (grp + 1) * local; i++) {
                            expected += in.get(i);
                        }
                        assertEquals(expected, out.get(grp), 1e-4, "work-groups of " + local + ", run " + run + ", group " + grp);
                    }
                }
            }
        }
    }

    private static double softplus(double v) {
        return v > 20 ? v : Math.log1p(Math.exp(v));
    }

    @Test
    void profilerReportsKernelCopyAndCompileTimes() {
        CudaDevice d = CudaTestSupport.device();
        FloatArray a = randomArray(M * K);
        FloatArray b = randomArray(K * N);
        FloatArray bias = randomArray(M * N);
        FloatArray c = new FloatArray(M * N);
        FloatArray out = new FloatArray(M * N);
        TaskGraph g = new TaskGraph("p")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b, bias)
                .libraryTask("gemm", CuBlas.sgemm(false, false, M, N, K, 1f, 0f), a, b, c)
                .task("bias", CudaJitKernels::axpy, bias, c, 2f)
                .task("softplus", CudaJitKernels::softplus, c, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(d).withProfiler(true)) {
            ExecutionResult first = plan.execute();
            ProfileReport r = first.profile();
            assertTrue(r.kernelNanos().get("p.bias") > 0, r.toString());
            assertTrue(r.kernelNanos().get("p.softplus") > 0, r.toString());
            assertTrue(r.kernelNanos().get("p.gemm") > 0, r.toString());
            assertTrue(r.copyToDeviceNanos() > 0 && r.copyToHostNanos() > 0, r.toString());
            ProfileReport second = plan.execute().profile();
            assertEquals(0, second.compileNanos(), "kernels come from the cache the second time: " + second);
            assertClose(reference(a, b, bias), out, 1e-5, "profiled run");
        }
    }

    private static FloatArray reference(FloatArray a, FloatArray b, FloatArray bias) {
        FloatArray r = new FloatArray(M * N);
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                double s = 0;
                for (int l = 0; l < K; l++) {
                    s += (double) a.get(i * K + l) * b.get(l * N + j);
                }
                double v = s + 2.0 * bias.get(i * N + j);
                r.set(i * N + j, (float) (v > 20 ? v : Math.log1p(Math.exp(v))));
            }
        }
        return r;
    }

    private static void assertClose(FloatArray expect, FloatArray got, double relTol, String what) {
        double num = 0, den = 0;
        for (long i = 0; i < expect.getSize(); i++) {
            double e = expect.get(i), g = got.get(i);
            assertTrue(!Double.isNaN(g), what + ": NaN at " + i);
            num += (g - e) * (g - e);
            den += e * e;
        }
        assertTrue(Math.sqrt(num / den) < relTol, what + ": relative error " + Math.sqrt(num / den));
    }

    private FloatArray randomArray(int n) {
        FloatArray a = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            a.set(i, random.nextFloat() * 2 - 1);
        }
        return a;
    }
}
