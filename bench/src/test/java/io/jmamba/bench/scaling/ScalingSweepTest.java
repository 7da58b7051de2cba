package io.jmamba.bench.scaling;

import io.jmamba.runtime.backend.ComputeDevice;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScalingSweepTest {
    private static final SweepConfig CONFIG = new SweepConfig(1, 3, 60, 0.8, "fp32", "test");

    @Test
    void measuresEveryPointWithMedianThroughputAndBandwidth() {
        HostSeries s = new HostSeries("lin", SeriesKind.SCAN, 1, 8, 64);
        SweepResult r = new ScalingSweep(CONFIG, Progress.silent())
                .run("scaling", new TestDevice(1L << 40), List.of(new SeriesPlan(s, Lengths.geometric(1024, 8192, 2))));
        List<Point> pts = r.series().getFirst().points();
        assertEquals(4, pts.size());
        for (Point p : pts) {
            assertEquals(PointStatus.MEASURED, p.status(), p.toString());
            assertEquals(3, p.runs());
            assertTrue(p.minMs() <= p.medianMs() && p.medianMs() <= p.maxMs());
            assertEquals(p.length() / (p.medianMs() / 1e3), p.tokensPerSecond(), 1e-6 * p.tokensPerSecond());
            assertEquals(8.0 * p.length() / (p.medianMs() / 1e3) / 1e9, p.gbPerSecond(), 1e-9 * p.gbPerSecond());
        }
        assertNotNull(r.series().getFirst().fit().slope());
    }

    /**
     * --cuda-graphs: each point's step is switched to graph replay before it first runs, and runs once more than the
     * warm-up and timed runs (the capture); without it no step is switched.
     */
    @Test
    void cudaGraphsSwitchEachPointBeforeAnUntimedCaptureRun() {
        for (boolean graphs : new boolean[] {true, false}) {
            List<List<String>> steps = new ArrayList<>();
            Series s = new RecordingSeries(new HostSeries("lin", SeriesKind.SCAN, 1, 8, 1), steps);
            SweepConfig cfg = new SweepConfig(1, 3, 60, 0.8, "fp32", "test", graphs);
            SweepResult r = new ScalingSweep(cfg, Progress.silent())
                    .run("scaling", new TestDevice(1L << 40), List.of(new SeriesPlan(s, List.of(256L, 512L))));
            assertEquals(2, r.series().getFirst().points().stream().filter(Point::isMeasured).count());
            assertEquals(2, steps.size(), "one step per point (no probe below its threshold): " + steps);
            for (List<String> events : steps) {
                List<String> expected = new ArrayList<>();
                if (graphs) {
                    expected.add("graph");
                    expected.add("run"); // the capture, untimed
                }
                expected.addAll(List.of("run", "run", "run", "run")); // one warm-up, three timed
                assertEquals(expected, events);
            }
        }
    }

    /** A series whose steps record what the sweep asks of them. */
    private record RecordingSeries(HostSeries inner, List<List<String>> steps) implements Series {
        @Override
        public String id() {
            return inner.id();
        }

        @Override
        public String label() {
            return inner.label();
        }

        @Override
        public SeriesKind kind() {
            return inner.kind();
        }

        @Override
        public double expectedExponent() {
            return inner.expectedExponent();
        }

        @Override
        public long bytesMoved(long length) {
            return inner.bytesMoved(length);
        }

        @Override
        public String bytesFormula() {
            return inner.bytesFormula();
        }

        @Override
        public long deviceBytes(long length) {
            return inner.deviceBytes(length);
        }

        @Override
        public MeasuredStep prepare(ComputeDevice device, long length) {
            MeasuredStep step = inner.prepare(device, length);
            List<String> events = new ArrayList<>();
            steps.add(events);
            return new MeasuredStep() {
                @Override
                public void run() {
                    events.add("run");
                    step.run();
                }

                @Override
                public void useCudaGraph() {
                    events.add("graph");
                }

                @Override
                public void close() {
                    step.close();
                }
            };
        }
    }

    @Test
    void skipsWhatDoesNotFitInDeviceMemoryWithTheReason() {
        HostSeries s = new HostSeries("big", SeriesKind.SCAN, 1, 1 << 20, 1);
        // 1 MiB per token on a 4 GiB device at 80%: 1K fits (1 GiB), 4K (4 GiB) does not
        SweepResult r = new ScalingSweep(CONFIG, Progress.silent())
                .run("scaling", new TestDevice(4L << 30), List.of(new SeriesPlan(s, List.of(1024L, 4096L))));
        List<Point> pts = r.series().getFirst().points();
        assertEquals(PointStatus.MEASURED, pts.get(0).status());
        assertEquals(PointStatus.SKIPPED_MEMORY, pts.get(1).status());
        assertTrue(pts.get(1).reason().contains("needs 4.0 GiB"), pts.get(1).reason());
        assertEquals(1, s.prepared(), "a skipped point must not be prepared");
    }

    @Test
    void skipsLengthsTheSeriesRefusesWithItsReason() {
        HostSeries inner = new HostSeries("capped", SeriesKind.ATTENTION, 2, 4, 0);
        Series capped = new ClockedSeries(inner, new long[1], 0, 1024) {
            @Override
            public String refusal(long length) {
                return length > 1024 ? "scores beyond the kernel's limit" : null;
            }
        };
        SweepResult r = new ScalingSweep(CONFIG, Progress.silent())
                .run("scaling", new TestDevice(1L << 40), List.of(new SeriesPlan(capped, List.of(1024L, 2048L))));
        List<Point> pts = r.series().getFirst().points();
        assertEquals(PointStatus.MEASURED, pts.get(0).status());
        assertEquals(PointStatus.SKIPPED_UNSUPPORTED, pts.get(1).status());
        assertEquals("scores beyond the kernel's limit", pts.get(1).reason());
    }

    @Test
    void skipsWhatTheTimeBudgetCannotAffordByExtrapolatingTheExpectedExponent() {
        // a fake clock: every run advances 1 s at L=1K; at L^2 the next point (4K) would take 16 s a run,
        // and it needs 5 of them (the execution in preparing, 1 warm-up, 3 timed)
        long[] now = {0};
        HostSeries s = new HostSeries("quad", SeriesKind.ATTENTION, 2, 4, 0);
        Series timed = new ClockedSeries(s, now, 1.0e9, 1024);
        SweepConfig cfg = new SweepConfig(1, 3, 30, 0.8, "fp32", "test");
        SweepResult r = new ScalingSweep(cfg, Progress.silent(), () -> now[0])
                .run("scaling", new TestDevice(1L << 40), List.of(new SeriesPlan(timed, List.of(1024L, 4096L))));
        List<Point> pts = r.series().getFirst().points();
        assertEquals(PointStatus.MEASURED, pts.get(0).status());
        assertEquals(1000.0, pts.get(0).medianMs(), 1e-9);
        assertEquals(PointStatus.SKIPPED_TIME, pts.get(1).status());
        assertTrue(pts.get(1).reason().startsWith("predicted 80.0 s"), pts.get(1).reason());
    }

    @Test
    void aSeriesStartingLongIsProbedSoThatItsFirstPointIsPredictedToo() {
        // 1 s a run at 1K, quadratic: the probe at 1K predicts 64 s a run at 8K, far over a 30 s budget
        long[] now = {0};
        Series timed = new ClockedSeries(new HostSeries("quad", SeriesKind.ATTENTION, 2, 4, 0), now, 1.0e9, 1024);
        SweepConfig cfg = new SweepConfig(1, 3, 30, 0.8, "fp32", "test");
        SweepResult r = new ScalingSweep(cfg, Progress.silent(), () -> now[0])
                .run("kernels", new TestDevice(1L << 40), List.of(new SeriesPlan(timed, List.of(8192L))));
        Point p = r.series().getFirst().points().getFirst();
        assertEquals(PointStatus.SKIPPED_TIME, p.status());
        assertTrue(p.reason().contains("from 1.00e+03 ms at L=1024 (probe)"), p.reason());
        assertEquals(1, r.series().getFirst().points().size(), "the probe is not reported as a point");
    }

    @Test
    void aFailingPointIsReportedAndTheRestOfItsSeriesNotRun() {
        Series failing = new ClockedSeries(new HostSeries("bad", SeriesKind.SCAN, 1, 4, 0), new long[1], 0, 1024) {
            @Override
            public MeasuredStep prepare(ComputeDevice device, long length) {
                if (length > 1024) {
                    throw new IllegalStateException("kernel failed to build");
                }
                return super.prepare(device, length);
            }
        };
        HostSeries next = new HostSeries("next", SeriesKind.SCAN, 1, 4, 1);
        SweepResult r = new ScalingSweep(CONFIG, Progress.silent()).run("scaling", new TestDevice(1L << 40),
                List.of(new SeriesPlan(failing, List.of(1024L, 2048L, 4096L)), new SeriesPlan(next, List.of(1024L))));
        List<Point> pts = r.series().getFirst().points();
        assertEquals(PointStatus.MEASURED, pts.get(0).status());
        assertEquals(PointStatus.FAILED, pts.get(1).status());
        assertTrue(pts.get(1).reason().contains("kernel failed to build"));
        assertEquals(PointStatus.FAILED, pts.get(2).status());
        assertTrue(pts.get(2).reason().startsWith("not run"));
        assertEquals(PointStatus.MEASURED, r.series().get(1).points().getFirst().status(), "other series still run");
    }

    @Test
    void crossoversPairEveryAttentionWithEveryScan() {
        HostSeries a = new HostSeries("attn", SeriesKind.ATTENTION, 2, 4, 1);
        HostSeries s1 = new HostSeries("s1", SeriesKind.SCAN, 1, 4, 1);
        HostSeries s2 = new HostSeries("s2", SeriesKind.SCAN, 1, 4, 1);
        HostSeries other = new HostSeries("copy", SeriesKind.OTHER, 1, 4, 1);
        List<Long> lengths = List.of(64L, 128L);
        SweepResult r = new ScalingSweep(CONFIG, Progress.silent()).run("scaling", new TestDevice(1L << 40),
                List.of(new SeriesPlan(s1, lengths), new SeriesPlan(s2, lengths), new SeriesPlan(other, lengths),
                        new SeriesPlan(a, lengths)));
        assertEquals(List.of("s1", "s2"), r.crossovers().stream().map(Crossover::scan).toList());
    }

    /** Wraps a series so that each run advances a fake clock by a set time at a reference length, scaled by L^exponent. */
    static class ClockedSeries implements Series {
        private final Series inner;
        private final long[] clock;
        private final double nanosAtReference;
        private final long referenceLength;

        ClockedSeries(Series inner, long[] clock, double nanosAtReference, long referenceLength) {
            this.inner = inner;
            this.clock = clock;
            this.nanosAtReference = nanosAtReference;
            this.referenceLength = referenceLength;
        }

        @Override public String id() { return inner.id(); }
        @Override public String label() { return inner.label(); }
        @Override public SeriesKind kind() { return inner.kind(); }
        @Override public double expectedExponent() { return inner.expectedExponent(); }
        @Override public long bytesMoved(long length) { return inner.bytesMoved(length); }
        @Override public String bytesFormula() { return inner.bytesFormula(); }
        @Override public long deviceBytes(long length) { return inner.deviceBytes(length); }

        @Override
        public MeasuredStep prepare(ComputeDevice device, long length) {
            long perRun = (long) (nanosAtReference * Math.pow((double) length / referenceLength, expectedExponent()));
            return new MeasuredStep() {
                @Override
                public void run() {
                    clock[0] += perRun;
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
