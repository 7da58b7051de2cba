package io.jmamba.bench.scaling;

import io.jmamba.runtime.api.DeviceOutOfMemoryException;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceKind;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Runs series over their lengths on one device: for each point, prepares the inputs, runs the
 * warm-up, times the runs with the wall clock (each run returns only when the device is done) and
 * keeps the median. Points that would not fit in memory, or whose cost extrapolated from the previous
 * point would overrun the time budget, are skipped with the reason. A series that starts at a long
 * length (2K or more) is first probed with one run at an eighth of it, so that even its first point
 * is predicted; the probe is not reported.
 */
public final class ScalingSweep {
    /** A series whose first length is at least this is probed at a shorter length first (see runSeries). */
    static final long PROBE_FROM = 2048;
    static final long PROBE_DIVISOR = 8;
    private final SweepConfig config;
    private final Progress progress;
    private final LongSupplier nanoClock;

    public ScalingSweep(SweepConfig config, Progress progress) {
        this(config, progress, System::nanoTime);
    }

    ScalingSweep(SweepConfig config, Progress progress, LongSupplier nanoClock) {
        this.config = config;
        this.progress = progress;
        this.nanoClock = nanoClock;
    }

    public SweepResult run(String benchmark, ComputeDevice device, List<SeriesPlan> plans) {
        String date = Instant.now().toString();
        long start = nanoClock.getAsLong();
        long deadline = start + (long) (config.timeBudgetSeconds() * 1e9);
        int totalPoints = plans.stream().mapToInt(p -> p.lengths().size()).sum();
        int[] done = {0};
        List<SeriesResult> results = new ArrayList<>();
        for (int k = 0; k < plans.size(); k++) {
            long now = nanoClock.getAsLong();
            double share = Math.max(0, (deadline - now) / 1e9) / (plans.size() - k);
            results.add(runSeries(device, plans.get(k), share, done, totalPoints));
        }
        progress.clear();
        List<Crossover> crossovers = crossovers(results);
        double wall = (nanoClock.getAsLong() - start) / 1e9;
        return new SweepResult(benchmark, date, device.id(), device.name(), device.description(), config.dtype(),
                config.command(), config.warmup(), config.runs(), config.timeBudgetSeconds(), wall, results, crossovers);
    }

    private SeriesResult runSeries(ComputeDevice device, SeriesPlan plan, double budgetSeconds, int[] done, int total) {
        Series s = plan.series();
        long seriesStart = nanoClock.getAsLong();
        List<Point> points = new ArrayList<>();
        Point last = null;
        double lastPrepareSeconds = 0;
        String failure = null;
        long first = plan.lengths().isEmpty() ? 0 : plan.lengths().getFirst();
        if (first >= PROBE_FROM && s.refusal(first / PROBE_DIVISOR) == null) {
            // no previous point to extrapolate from: time one run at an eighth of the length first
            long probeLength = first / PROBE_DIVISOR;
            progress.step(String.format(Locale.ROOT, "%s probe at L=%s", s.id(), lengthLabel(probeLength)));
            long t0 = nanoClock.getAsLong();
            try (MeasuredStep step = s.prepare(device, probeLength)) {
                long t1 = nanoClock.getAsLong();
                step.run();
                double ms = (nanoClock.getAsLong() - t1) / 1e6;
                lastPrepareSeconds = (t1 - t0) / 1e9;
                last = Point.measured(probeLength, ms, ms, ms, 1, s.bytesMoved(probeLength));
            } catch (RuntimeException | OutOfMemoryError e) {
                // the probe only informs the prediction; the point itself will report what fails
            }
        }
        for (long length : plan.lengths()) {
            done[0]++;
            String where = String.format(Locale.ROOT, "[%d/%d] %s L=%s", done[0], total, s.id(), lengthLabel(length));
            if (failure != null) {
                points.add(Point.skipped(length, PointStatus.FAILED, "not run: " + failure));
                continue;
            }
            String refusal = s.refusal(length);
            if (refusal != null) {
                points.add(Point.skipped(length, PointStatus.SKIPPED_UNSUPPORTED, refusal));
                continue;
            }
            String memoryReason = memoryReason(device, s, length);
            if (memoryReason != null) {
                points.add(Point.skipped(length, PointStatus.SKIPPED_MEMORY, memoryReason));
                continue;
            }
            double spent = (nanoClock.getAsLong() - seriesStart) / 1e9;
            double left = budgetSeconds - spent;
            if (last != null) {
                double ratio = (double) length / last.length();
                double runMs = last.medianMs() * Math.pow(ratio, s.expectedExponent());
                // preparing = one execution (grows like a run) + the rest (allocating, filling, copying in,
                // compiling), taken to grow at most linearly
                double prepare = Math.max(0, lastPrepareSeconds - last.medianMs() / 1e3) * ratio + runMs / 1e3;
                double cost = prepare + (config.warmup() + config.runs()) * runMs / 1e3;
                if (cost > left) {
                    points.add(Point.skipped(length, PointStatus.SKIPPED_TIME, String.format(Locale.ROOT,
                            "predicted %.1f s (%.3g ms per run from %.3g ms at L=%d%s, exponent %.0f) exceeds the %.1f s left to this series",
                            cost, runMs, last.medianMs(), last.length(), points.stream().anyMatch(Point::isMeasured) ? "" : " (probe)",
                            s.expectedExponent(), Math.max(0, left))));
                    continue;
                }
            }
            progress.step(where + " preparing");
            long prepStart = nanoClock.getAsLong();
            try (MeasuredStep step = s.prepare(device, length)) {
                if (config.cudaGraphs()) {
                    step.useCudaGraph();
                    step.run(); // captures the graph (and replays it) outside the warm-up and timed runs
                }
                lastPrepareSeconds = (nanoClock.getAsLong() - prepStart) / 1e9;
                Point p = measure(step, s, length, where, seriesStart, budgetSeconds);
                points.add(p);
                last = p;
            } catch (DeviceOutOfMemoryException e) {
                points.add(Point.skipped(length, PointStatus.SKIPPED_MEMORY, e.getMessage()));
            } catch (RuntimeException | OutOfMemoryError e) {
                failure = "L=" + length + " failed: " + e;
                points.add(Point.skipped(length, PointStatus.FAILED, e.toString()));
            }
        }
        return new SeriesResult(s.id(), s.dtype(), s.label(), s.kind(), s.expectedExponent(), s.bytesFormula(), points,
                SlopeFit.of(points));
    }

    /**
     * Warm-up then timed runs. A point that alone overruns its series' budget (the first point has no
     * prediction) stops after the runs done so far, at least one.
     */
    private Point measure(MeasuredStep step, Series s, long length, String where, long seriesStart, double budgetSeconds) {
        for (int i = 0; i < config.warmup(); i++) {
            progress.show(where + " warm-up " + (i + 1) + "/" + config.warmup());
            step.run();
        }
        double[] ms = new double[config.runs()];
        int n = 0;
        while (n < config.runs()) {
            progress.show(where + " run " + (n + 1) + "/" + config.runs());
            long t0 = nanoClock.getAsLong();
            step.run();
            ms[n++] = (nanoClock.getAsLong() - t0) / 1e6;
            if ((nanoClock.getAsLong() - seriesStart) / 1e9 > budgetSeconds) {
                break;
            }
        }
        double[] timed = Arrays.copyOf(ms, n);
        Arrays.sort(timed);
        return Point.measured(length, median(timed), timed[0], timed[n - 1], n, s.bytesMoved(length));
    }

    /** Null when the point fits; else why not. CPU devices hold the host copy in the same memory. */
    private String memoryReason(ComputeDevice device, Series s, long length) {
        long capacity = device.globalMemoryBytes();
        if (capacity <= 0) {
            return null;
        }
        long needed = s.deviceBytes(length);
        boolean sharedWithHost = device.kind() == DeviceKind.CPU || device.kind() == DeviceKind.JVM;
        long counted = sharedWithHost ? 2 * needed : needed;
        double limit = capacity * config.memoryFraction();
        if (counted > limit) {
            return String.format(Locale.ROOT, "needs %s%s but %s may use %s (%.0f%% of %s)", bytes(needed),
                    sharedWithHost ? " (twice: host and device copies share its memory)" : "", device.id(),
                    bytes((long) limit), config.memoryFraction() * 100, bytes(capacity));
        }
        return null;
    }

    static List<Crossover> crossovers(List<SeriesResult> results) {
        List<Crossover> out = new ArrayList<>();
        for (SeriesResult a : results) {
            if (a.kind() != SeriesKind.ATTENTION) {
                continue;
            }
            for (SeriesResult s : results) {
                if (s.kind() == SeriesKind.SCAN) {
                    out.add(Crossover.between(a.id(), a.points(), a.fit(), s.id(), s.points(), s.fit()));
                }
            }
        }
        return out;
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** 1024 -> "1K", 1048576 -> "1M", 1536 -> "1536". */
    public static String lengthLabel(long length) {
        if (length >= 1 << 20 && length % (1 << 20) == 0) {
            return (length >> 20) + "M";
        }
        if (length >= 1 << 10 && length % (1 << 10) == 0) {
            return (length >> 10) + "K";
        }
        return Long.toString(length);
    }

    static String bytes(long b) {
        if (b >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30));
        }
        if (b >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
        }
        return b + " B";
    }
}
