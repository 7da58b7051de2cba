package io.jmamba.bench.portability;

import io.jmamba.bench.scaling.Point;
import io.jmamba.bench.scaling.Progress;
import io.jmamba.bench.scaling.ScalingSweep;
import io.jmamba.bench.scaling.Series;
import io.jmamba.bench.scaling.SeriesPlan;
import io.jmamba.bench.scaling.SeriesResult;
import io.jmamba.bench.scaling.SweepConfig;
import io.jmamba.bench.scaling.SweepResult;
import io.jmamba.runtime.backend.Backend;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.Devices;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks every device: each kernel's outputs against the JVM backend's at a small shape, and each
 * kernel's time at one fixed length. How a user checks a new GPU or driver.
 */
public final class PortabilityCheck {
    private final List<ConformanceCase> cases;
    private final List<Series> timed;
    private final long timingLength;
    private final SweepConfig config;
    private final Progress progress;

    public PortabilityCheck(List<ConformanceCase> cases, List<Series> timed, long timingLength, SweepConfig config,
                            Progress progress) {
        this.cases = cases;
        this.timed = timed;
        this.timingLength = timingLength;
        this.config = config;
        this.progress = progress;
    }

    public PortabilityReport run(List<ComputeDevice> devices, ComputeDevice reference) {
        String date = Instant.now().toString();
        Map<String, float[]> expected = new HashMap<>();
        Map<String, Throwable> referenceFailures = new HashMap<>();
        for (ConformanceCase c : cases) {
            progress.step("reference " + c.id() + " on " + reference.id());
            try {
                expected.put(c.id(), c.run(reference));
            } catch (RuntimeException e) {
                referenceFailures.put(c.id(), e);
            }
        }
        List<DeviceReport> reports = new ArrayList<>();
        for (ComputeDevice d : devices) {
            List<ConformanceResult> conformance = new ArrayList<>();
            for (ConformanceCase c : cases) {
                progress.step("conformance " + c.id() + " on " + d.id());
                if (referenceFailures.containsKey(c.id())) {
                    conformance.add(new ConformanceResult(c.id(), c.shape(), false, null, null,
                            "the JVM reference failed: " + referenceFailures.get(c.id())));
                    continue;
                }
                try {
                    float[] ref = expected.get(c.id());
                    float[] got = c.run(d);
                    conformance.add(ConformanceResult.compare(c, ref, got));
                } catch (RuntimeException | Error e) {
                    conformance.add(ConformanceResult.failed(c, e));
                }
            }
            reports.add(new DeviceReport(d.id(), d.name(), d.backendName(), d.kind().name(), d.description(),
                    conformance, timings(d)));
        }
        progress.clear();
        List<String> unavailable = new ArrayList<>();
        for (Backend b : Devices.backends()) {
            if (b.devices().isEmpty()) {
                unavailable.add(b.name() + ": " + b.unavailableReason().orElse("no device found"));
            }
        }
        boolean all = reports.stream().allMatch(r -> r.passed() == r.conformance().size());
        return new PortabilityReport(date, config.command(), reports, unavailable, all);
    }

    private List<KernelTiming> timings(ComputeDevice d) {
        if (timed.isEmpty()) {
            return List.of();
        }
        List<SeriesPlan> plans = timed.stream().map(s -> new SeriesPlan(s, List.of(timingLength))).toList();
        SweepResult sweep = new ScalingSweep(config, progress).run("portability", d, plans);
        List<KernelTiming> out = new ArrayList<>();
        for (SeriesResult s : sweep.series()) {
            Point p = s.points().getFirst();
            out.add(new KernelTiming(s.id(), p.length(), p.medianMs(), p.gbPerSecond(),
                    p.isMeasured() ? null : p.status().name().toLowerCase(Locale.ROOT) + ": " + p.reason()));
        }
        return out;
    }

    /** The report as a table: a block per device. */
    public static String format(PortabilityReport r) {
        StringBuilder sb = new StringBuilder();
        for (DeviceReport d : r.devices()) {
            sb.append(String.format(Locale.ROOT, "%s  %s (%s, %s)%n    %s%n", d.id(), d.name(), d.backend(),
                    d.kind().toLowerCase(Locale.ROOT), d.description()));
            sb.append(String.format(Locale.ROOT, "    %-16s %-22s %-5s %11s %11s%n", "kernel", "shape", "", "max error", "tolerance"));
            for (ConformanceResult c : d.conformance()) {
                sb.append(String.format(Locale.ROOT, "    %-16s %-22s %-5s %11s %11s%s%n", c.kernel(), c.shape(),
                        c.pass() ? "pass" : "FAIL", c.maxAbsError() == null ? "-" : String.format(Locale.ROOT, "%.3g", c.maxAbsError()),
                        c.tolerance() == null ? "-" : String.format(Locale.ROOT, "%.3g", c.tolerance()),
                        c.error() == null ? "" : "  " + c.error()));
            }
            for (KernelTiming t : d.timings()) {
                sb.append(String.format(Locale.ROOT, "    time %-16s L=%-6s %s%n", t.kernel(), ScalingSweep.lengthLabel(t.length()),
                        t.medianMs() == null ? t.note()
                                : String.format(Locale.ROOT, "%.4g ms  (%.4g GB/s)", t.medianMs(), t.gbPerS())));
            }
            sb.append(String.format(Locale.ROOT, "    %d/%d kernels conform%n%n", d.passed(), d.conformance().size()));
        }
        for (String u : r.unavailable()) {
            sb.append("unavailable: ").append(u).append('\n');
        }
        sb.append(r.allPassed() ? "all devices conform\n" : "SOME KERNELS DO NOT CONFORM\n");
        return sb.toString();
    }
}
