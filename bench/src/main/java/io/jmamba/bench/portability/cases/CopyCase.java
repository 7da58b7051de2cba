package io.jmamba.bench.portability.cases;

import io.jmamba.bench.portability.ConformanceCase;
import io.jmamba.bench.scaling.series.BenchKernels;
import io.jmamba.bench.scaling.series.Inputs;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

/** The harness's own copy kernel: checks that a device runs a JIT kernel and moves data both ways. */
public final class CopyCase implements ConformanceCase {
    private static final int N = 4099; // not a multiple of any work-group size

    @Override
    public String id() {
        return "copy";
    }

    @Override
    public String shape() {
        return "n" + N;
    }

    @Override
    public float[] run(ComputeDevice device) {
        FloatArray in = new FloatArray(N);
        FloatArray out = new FloatArray(N);
        Inputs.fill(in, 7);
        TaskGraph g = new TaskGraph("copy")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, in)
                .task("copy", BenchKernels::copy, in, out, N)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot()).withDevice(device)) {
            plan.execute();
        }
        return out.toHeapArray();
    }
}
