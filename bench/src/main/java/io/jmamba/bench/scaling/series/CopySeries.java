package io.jmamba.bench.scaling.series;

import io.jmamba.bench.scaling.MeasuredStep;
import io.jmamba.bench.scaling.Series;
import io.jmamba.bench.scaling.SeriesKind;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

/**
 * A device-to-device copy of L x {@code channels} floats through the JIT ({@link BenchKernels#copy}):
 * the memory bandwidth the scans are held to. With 1024 channels, L = 256K is a 1 GiB tensor, the
 * size of the reference copy in DESIGN.md.
 */
public final class CopySeries implements Series {
    private final int channels;

    public CopySeries(int channels) {
        this.channels = channels;
    }

    @Override
    public String id() {
        return "copy";
    }

    @Override
    public String label() {
        return "device copy (JIT kernel), " + channels + " floats per token";
    }

    @Override
    public SeriesKind kind() {
        return SeriesKind.OTHER;
    }

    @Override
    public double expectedExponent() {
        return 1;
    }

    @Override
    public long bytesMoved(long length) {
        return 2 * 4 * elements(length);
    }

    @Override
    public String bytesFormula() {
        return "4 B x 2 x L x " + channels + " (read in, write out)";
    }

    @Override
    public long deviceBytes(long length) {
        return bytesMoved(length);
    }

    @Override
    public MeasuredStep prepare(ComputeDevice device, long length) {
        long n = elements(length);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("copy: " + n + " elements exceed the kernel's int index");
        }
        FloatArray in = Inputs.shared(n, -1f, 1f);
        FloatArray out = new FloatArray(n);
        TaskGraph g = new TaskGraph("copy")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, in, out)
                .task("copy", BenchKernels::copy, in, out, (int) n);
        return PlanStep.start(device, g, null);
    }

    private long elements(long length) {
        return length * channels;
    }
}
