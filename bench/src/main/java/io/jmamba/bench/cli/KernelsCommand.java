package io.jmamba.bench.cli;

import io.jmamba.bench.report.Curve;
import io.jmamba.bench.report.JsonReport;
import io.jmamba.bench.report.KernelComparison;
import io.jmamba.bench.report.KernelsReport;
import io.jmamba.bench.report.KernelsTable;
import io.jmamba.bench.report.ReferenceNumbers;
import io.jmamba.bench.report.ReferenceNumbers.Reference;
import io.jmamba.bench.report.ScalingReport;
import io.jmamba.bench.report.SvgPlot;
import io.jmamba.bench.scaling.Point;
import io.jmamba.bench.scaling.Progress;
import io.jmamba.bench.scaling.ScalingSweep;
import io.jmamba.bench.scaling.Series;
import io.jmamba.bench.scaling.SeriesCatalog;
import io.jmamba.bench.scaling.SeriesPlan;
import io.jmamba.bench.scaling.SeriesResult;
import io.jmamba.bench.scaling.SweepConfig;
import io.jmamba.bench.scaling.SweepResult;
import io.jmamba.bench.scaling.series.Conv1dSeries;
import io.jmamba.kernels.conv.ConvForward;
import io.jmamba.runtime.backend.ComputeDevice;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jmamba bench kernels}: the fixed shapes of DESIGN.md's table (selective scan and SSD at
 * 16K/64K/1M, attention at 16K/64K, conv1d and a copy as bandwidth probes), with the official numbers
 * beside ours; writes kernels.json, kernels.csv and kernels.svg.
 */
final class KernelsCommand implements Command {
    private static final long K16 = 16L << 10;
    private static final long K64 = 64L << 10;
    private static final long K256 = 256L << 10;
    private static final long M1 = 1L << 20;

    /** Series id -> the lengths DESIGN.md measures it at. */
    static Map<String, List<Long>> fixedShapes() {
        Map<String, List<Long>> m = new LinkedHashMap<>();
        m.put("selective-scan", List.of(K16, K64, M1));
        m.put("selective-scan-chunked", List.of(K16, K64, M1));
        m.put("ssd", List.of(K16, K64, M1));
        m.put("conv1d", List.of(K64, M1));
        // the other forward layouts, to time against conv1d in the same run
        for (ConvForward v : ConvForward.values()) {
            if (v != ConvForward.DEFAULT) {
                m.put(Conv1dSeries.id(v), List.of(K64, M1));
            }
        }
        m.put("copy", List.of(K256));
        m.put("attention", List.of(K16, K64));
        m.put("attention-bf16", List.of(K16, K64, M1));
        return m;
    }

    @Override
    public String name() {
        return "bench kernels";
    }

    @Override
    public String summary() {
        return "the fixed kernel shapes of DESIGN.md beside the official numbers";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        BenchOptions o = BenchOptions.parse(args, name(), "Times the kernels at the shapes of DESIGN.md's table "
                + "and prints the official H100 numbers beside ours (ratio = ours / official).", false, true, out);
        if (o == null) {
            return 0;
        }
        Map<String, List<Long>> shapes = fixedShapes();
        List<String> requested = o.series() != null ? o.series() : new ArrayList<>(shapes.keySet());
        for (String id : requested) {
            if (!shapes.containsKey(SeriesCatalog.baseId(id))) {
                throw new UsageException("--series: \"" + id + "\" has no fixed shape; known: " + shapes.keySet()
                        + " (and their " + SeriesCatalog.BF16_SUFFIX + " forms)", o.usage());
            }
        }
        ComputeDevice device = DeviceChoice.resolve(o);
        o.noteCudaGraphs(device, err);
        SweepDefaults d = SweepDefaults.forDevice(device);
        // a series runs when this build has it in the --dtype asked for; the others keep their rows, with why
        List<String> available = SeriesCatalog.all().keySet().stream()
                .filter(id -> shapes.containsKey(SeriesCatalog.baseId(id))).toList();
        SeriesCatalog.DtypeSelection chosen = SeriesCatalog.forDtype(requested, available, o.dtype());
        chosen.skipped().forEach((id, why) -> err.println("bench kernels: series " + id + " skipped: " + why));
        List<String> wanted = requested.stream().map(id -> SeriesCatalog.formFor(id, o.dtype())).distinct().toList();
        List<SeriesPlan> plans = new ArrayList<>();
        for (Series s : SeriesCatalog.select(chosen.run())) {
            List<Long> lengths = shapeOf(shapes, s.id()).stream()
                    .filter(l -> o.maxLength() == null || l <= o.maxLength()).toList();
            plans.add(new SeriesPlan(s, lengths));
        }
        SweepConfig config = new SweepConfig(o.warmup() != null ? o.warmup() : d.warmup(),
                o.runs() != null ? o.runs() : d.runs(),
                o.timeBudgetSeconds() != null ? o.timeBudgetSeconds() : Math.max(d.timeBudgetSeconds(), KERNELS_MIN_BUDGET_SECONDS),
                ScalingCommand.MEMORY_FRACTION, o.dtype(), ("jmamba bench kernels " + String.join(" ", args)).trim(),
                o.cudaGraphs());
        SweepResult sweep = new ScalingSweep(config, new Progress(err)).run("kernels", device, plans);
        KernelsReport report = new KernelsReport(sweep, compare(sweep, wanted, shapes, chosen.skipped()));
        Path outDir = o.out() != null ? o.out() : ScalingCommand.DEFAULT_OUT;
        Path json = outDir.resolve("kernels.json");
        Path csv = outDir.resolve("kernels.csv");
        Path svg = outDir.resolve("kernels.svg");
        JsonReport.write(report, json);
        KernelsTable.writeCsv(report, csv);
        List<Curve> curves = new ArrayList<>(ScalingReport.curves(sweep));
        curves.addAll(referenceCurves(report.comparisons()));
        SvgPlot.write("kernels on " + sweep.device() + " (" + sweep.deviceName() + ") vs official (dashed)",
                "sequence length (tokens)", "time (ms)", curves, svg);
        out.print(KernelsTable.format(report));
        out.println();
        for (Path f : List.of(json, csv, svg)) {
            out.println("wrote " + f);
        }
        return 0;
    }

    /**
     * One row per fixed shape of each wanted series, whether it ran or not (a series this build lacks,
     * a length above --max-len), so the table always shows the whole reference.
     */
    static List<KernelComparison> compare(SweepResult sweep, List<String> wanted, Map<String, List<Long>> shapes,
                                          Map<String, String> skipped) {
        List<KernelComparison> out = new ArrayList<>();
        Double copyGbPerS = measuredCopyGbPerS(sweep);
        for (String id : wanted) {
            SeriesResult result = sweep.series().stream().filter(s -> s.id().equals(id)).findFirst().orElse(null);
            Series series = SeriesCatalog.all().containsKey(id) ? SeriesCatalog.select(List.of(id)).getFirst() : null;
            for (long length : shapeOf(shapes, id)) {
                Reference ref = reference(id, series, length, copyGbPerS);
                if (ref == null) {
                    continue;
                }
                Point p = result == null ? null
                        : result.points().stream().filter(x -> x.length() == length).findFirst().orElse(null);
                String note;
                if (series == null) {
                    note = skipped.getOrDefault(id, "not in this build");
                } else if (p == null) {
                    note = "longer than --max-len";
                } else {
                    note = p.isMeasured() ? null : p.status().name().toLowerCase(java.util.Locale.ROOT) + ": " + p.reason();
                }
                boolean measured = p != null && p.isMeasured();
                out.add(new KernelComparison(id, SeriesCatalog.dtypeOf(id), length, measured ? p.medianMs() : null, measured ? p.gbPerSecond() : null,
                        ref.ms(), ref.dtype(), ref.source(), measured ? p.medianMs() / ref.ms() : null, note));
            }
        }
        return out;
    }

    /** The fixed lengths of {@code id}: its fp32 series' ("ssd-bf16" runs at the lengths of "ssd"). */
    static List<Long> shapeOf(Map<String, List<Long>> shapes, String id) {
        List<Long> lengths = shapes.get(SeriesCatalog.baseId(id));
        if (lengths == null) {
            throw new IllegalArgumentException("series " + id + " has no fixed shape; known: " + shapes.keySet());
        }
        return lengths;
    }

    /**
     * The kernels table wants every row: on the H100 each 1M point spends seconds copying gigabytes in,
     * and a 2K probe (latency-bound) overestimates the long points, so the sweep's 100 s default skipped
     * whole rows. About 100 s are used when nothing is skipped.
     */
    static final double KERNELS_MIN_BUDGET_SECONDS = 240;

    /** Series timed against another's official numbers: an earlier layout of the same kernel (before/after). */
    private static final Map<String, String> SAME_REFERENCE_AS = Map.of("selective-scan-chunked", "selective-scan");

    /**
     * The copy series' bandwidth in this sweep (its longest measured length), or null when it did not run:
     * issue #7 holds the conv1d to the copy bandwidth measured in the same run.
     */
    static Double measuredCopyGbPerS(SweepResult sweep) {
        return sweep.series().stream().filter(s -> s.id().equals("copy"))
                .flatMap(s -> s.points().stream()).filter(Point::isMeasured)
                .reduce((a, b) -> b.length() >= a.length() ? b : a).map(Point::gbPerSecond).orElse(null);
    }

    /**
     * DESIGN.md's time in the series' own dtype (a bf16 series against the bf16 official number); where
     * DESIGN.md has none in that dtype at this length, the other dtype's, said so in the source. For the
     * conv1d series, the time their bytes take at the copy bandwidth measured in this run
     * ({@code copyGbPerS}) when there is one, else (and for the copy itself) at the H100's.
     */
    static Reference reference(String id, Series s, long length, Double copyGbPerS) {
        String base = SeriesCatalog.baseId(id);
        String dtype = SeriesCatalog.dtypeOf(id);
        String refBase = SAME_REFERENCE_AS.getOrDefault(base, base);
        Reference other = null;
        for (Reference r : ReferenceNumbers.times()) {
            if (SeriesCatalog.baseId(r.series()).equals(refBase) && r.length() == length) {
                if (SeriesCatalog.dtypeOf(r.series()).equals(dtype)) {
                    return new Reference(id, r.length(), r.ms(), r.dtype(), r.source());
                }
                other = r;
            }
        }
        if (other != null) {
            return new Reference(id, other.length(), other.ms(), other.dtype(), other.source()
                    + " (" + other.dtype() + ": no " + dtype + " number at " + ScalingSweep.lengthLabel(length) + ")");
        }
        if (s != null && base.startsWith("conv1d") && copyGbPerS != null) {
            return new Reference(id, length, s.bytesMoved(length) / (copyGbPerS * 1e9) * 1e3, dtype,
                    String.format(java.util.Locale.ROOT, "its bytes at this run's copy bandwidth (%.0f GB/s)", copyGbPerS));
        }
        if (s != null && (base.equals("copy") || base.startsWith("conv1d"))) {
            return new Reference(id, length, ReferenceNumbers.copyBoundMs(s.bytesMoved(length)), dtype,
                    "its bytes at the H100's 3.03 TB/s torch copy bandwidth");
        }
        return null;
    }

    private static List<Curve> referenceCurves(List<KernelComparison> comparisons) {
        Map<String, List<KernelComparison>> bySeries = new LinkedHashMap<>();
        for (KernelComparison c : comparisons) {
            bySeries.computeIfAbsent(c.series(), k -> new ArrayList<>()).add(c);
        }
        List<Curve> out = new ArrayList<>();
        bySeries.forEach((id, cs) -> out.add(new Curve(id + " (official)",
                cs.stream().map(c -> (double) c.length()).toList(), cs.stream().map(KernelComparison::referenceMs).toList(), true)));
        return out;
    }
}
