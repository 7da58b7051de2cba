package io.jmamba.bench.scaling;

import io.jmamba.runtime.backend.ComputeDevice;

/**
 * A plain-Java series for testing the harness: work proportional to L^exponent done on the host
 * (the device is ignored), so sweeps can be tested without any backend.
 */
final class HostSeries implements Series {
    private final String id;
    private final SeriesKind kind;
    private final int exponent;
    private final long bytesPerToken;
    private final long workPerUnit;
    private int prepared;

    HostSeries(String id, SeriesKind kind, int exponent, long bytesPerToken, long workPerUnit) {
        this.id = id;
        this.kind = kind;
        this.exponent = exponent;
        this.bytesPerToken = bytesPerToken;
        this.workPerUnit = workPerUnit;
    }

    int prepared() {
        return prepared;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String label() {
        return id + " (host loop, L^" + exponent + ")";
    }

    @Override
    public SeriesKind kind() {
        return kind;
    }

    @Override
    public double expectedExponent() {
        return exponent;
    }

    @Override
    public long bytesMoved(long length) {
        return bytesPerToken * length;
    }

    @Override
    public String bytesFormula() {
        return bytesPerToken + " B x L";
    }

    @Override
    public long deviceBytes(long length) {
        return bytesPerToken * length;
    }

    @Override
    public MeasuredStep prepare(ComputeDevice device, long length) {
        prepared++;
        long iterations = (exponent == 1 ? length : length * length) * workPerUnit;
        return new MeasuredStep() {
            double sink;

            @Override
            public void run() {
                double acc = 0;
                for (long i = 0; i < iterations; i++) {
                    acc += Math.sqrt(i);
                }
                sink = acc;
            }

            @Override
            public void close() {
            }
        };
    }
}
