package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * {@link KernelContext#globalTimer()}: two reads stay two reads in program order (CUDA {@code %globaltimer}), never
 * run backwards, tick on the JVM and CUDA, and read 0 on OpenCL (no portable device clock).
 */
class GlobalTimerTest {
    static final int ITEMS = 64;

    /** Each item: the clock, some dependent work, the clock again. */
    public static void stamps(KernelContext ctx, LongArray out, int spins) {
        int i = ctx.globalIdx;
        long t0 = ctx.globalTimer();
        int x = i;
        for (int k = 0; k < spins; k++) {
            x = x * 1103515245 + 12345;
        }
        long t1 = ctx.globalTimer();
        out.set(3 * i, t0);
        out.set(3 * i + 1, t1);
        out.set(3 * i + 2, x);
    }

    @Test
    void cudaReadsTheGlobalTimerTwiceInProgramOrder() {
        Method m = Arrays.stream(GlobalTimerTest.class.getDeclaredMethods()).filter(x -> x.getName().equals("stamps"))
                .findFirst().orElseThrow();
        String s = KernelJit.compile(m, Map.of(), Dialect.CUDA).source();
        assertTrue(s.contains("asm volatile(\"mov.u64 %0, %%globaltimer;\" : \"=l\"(t));"), s);
        String body = s.substring(s.indexOf("__global__"));
        int first = body.indexOf("jm_global_timer()");
        int second = body.indexOf("jm_global_timer()", first + 1);
        int loop = body.indexOf("12345");
        assertTrue(first >= 0 && first < loop && loop < second, "clock, work, clock in that order:\n" + body);
        String ocl = KernelJit.compile(m, Map.of(), Dialect.OPENCL).source();
        String helper = ocl.substring(ocl.indexOf("jm_global_timer(void) {"));
        assertTrue(helper.substring(0, helper.indexOf('}')).contains("return 0;") && !ocl.contains("%globaltimer"), ocl);
    }

    @TestFactory
    List<DynamicTest> neverRunsBackwards() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            tests.add(dynamicTest("globalTimer on " + d.id(), () -> {
                LongArray out = new LongArray(3L * ITEMS);
                TaskGraph g = new TaskGraph("timer").transferToDevice(DataTransferMode.EVERY_EXECUTION, out);
                g.task("stamps", GlobalTimerTest.class, "stamps", new KernelContext(), out, 20000);
                g.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
                GridScheduler grids = new GridScheduler();
                grids.addWorkerGrid("timer.stamps", new WorkerGrid1D(ITEMS).setLocalWork(32));
                try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
                    plan.withDevice(d).withGridScheduler(grids).execute();
                }
                boolean opencl = d.backendName().equals("opencl");
                boolean ticked = false;
                for (int i = 0; i < ITEMS; i++) {
                    long t0 = out.get(3L * i);
                    long t1 = out.get(3L * i + 1);
                    if (opencl) {
                        assertEquals(0L, t0, "OpenCL has no device clock: item " + i);
                        assertEquals(0L, t1, "OpenCL has no device clock: item " + i);
                    } else {
                        assertTrue(t0 > 0 && t1 >= t0, "item " + i + ": " + t0 + " then " + t1);
                        ticked |= t1 > t0;
                    }
                }
                assertTrue(opencl || ticked, "the clock moved over 20,000 dependent multiplies in some item");
            }));
        }
        return tests;
    }
}
