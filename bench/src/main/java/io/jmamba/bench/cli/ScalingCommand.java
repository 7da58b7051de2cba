package io.jmamba.bench.cli;

import io.jmamba.bench.report.ScalingReport;
import io.jmamba.bench.report.ScalingTable;
import io.jmamba.bench.scaling.Lengths;
import io.jmamba.bench.scaling.Progress;
import io.jmamba.bench.scaling.ScalingSweep;
import io.jmamba.bench.scaling.Series;
import io.jmamba.bench.scaling.SeriesCatalog;
import io.jmamba.bench.scaling.SeriesPlan;
import io.jmamba.bench.scaling.SweepConfig;
import io.jmamba.bench.scaling.SweepResult;
import io.jmamba.runtime.backend.ComputeDevice;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code jmamba bench scaling}: time per layer against sequence length for every series, the log-log
 * slope of each and where attention overtakes each scan; writes scaling.json, scaling.csv and
 * scaling.svg.
 */
final class ScalingCommand implements Command {
    static final Path DEFAULT_OUT = Path.of("jmamba-results");
    static final double MEMORY_FRACTION = 0.8;

    @Override
    public String name() {
        return "bench scaling";
    }

    @Override
    public String summary() {
        return "time per layer against sequence length";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        BenchOptions o = BenchOptions.parse(args, name(), header(), true, true, out);
        if (o == null) {
            return 0;
        }
        SeriesCatalog.DtypeSelection chosen = choose(o);
        List<Series> series = SeriesCatalog.select(chosen.run());
        chosen.skipped().forEach((id, why) -> err.println("bench scaling: series " + id + " skipped: " + why));
        ComputeDevice device = DeviceChoice.resolve(o);
        o.noteCudaGraphs(device, err);
        SweepDefaults d = SweepDefaults.forDevice(device);
        long min = o.minLength() != null ? o.minLength() : Math.min(d.minLength(), o.maxLength() != null ? o.maxLength() : Long.MAX_VALUE);
        long max = o.maxLength() != null ? o.maxLength() : Math.max(d.maxLength(), min);
        List<Long> lengths = Lengths.geometric(min, max, o.step() != null ? o.step() : d.step());
        SweepConfig config = new SweepConfig(o.warmup() != null ? o.warmup() : d.warmup(),
                o.runs() != null ? o.runs() : d.runs(),
                o.timeBudgetSeconds() != null ? o.timeBudgetSeconds() : d.timeBudgetSeconds(),
                MEMORY_FRACTION, o.dtype(), ("jmamba bench scaling " + String.join(" ", args)).trim(), o.cudaGraphs());
        err.printf("bench scaling on %s (%s): %d series x %d lengths %s..%s, budget %.0f s%n", device.id(), device.name(),
                series.size(), lengths.size(), ScalingSweep.lengthLabel(min), ScalingSweep.lengthLabel(lengths.getLast()),
                config.timeBudgetSeconds());
        List<SeriesPlan> plans = series.stream().map(s -> new SeriesPlan(s, lengths)).toList();
        SweepResult result = new ScalingSweep(config, new Progress(err)).run("scaling", device, plans);
        Path outDir = o.out() != null ? o.out() : DEFAULT_OUT;
        List<Path> files = ScalingReport.write(result, outDir, "scaling", List.of());
        out.print(ScalingTable.format(result));
        chosen.skipped().forEach((id, why) -> out.println("skipped " + id + ": " + why));
        out.println();
        files.forEach(f -> out.println("wrote " + f));
        return result.series().stream().allMatch(s -> s.points().stream().noneMatch(p -> p.status().name().equals("FAILED"))) ? 0 : 1;
    }

    /**
     * The series to run: --series or the default set, each in its --dtype form. An id the catalog knows
     * in no dtype is an error; a known series without a form in the dtype is skipped with the reason.
     */
    static SeriesCatalog.DtypeSelection choose(BenchOptions o) {
        var all = SeriesCatalog.all();
        List<String> requested = o.series() != null ? o.series() : SeriesCatalog.scalingDefaults();
        for (String id : requested) {
            if (!all.containsKey(id) && !all.containsKey(SeriesCatalog.baseId(id))) {
                throw new UsageException("--series: unknown series \"" + id + "\"; known: " + all.keySet(), o.usage());
            }
        }
        return SeriesCatalog.forDtype(requested, all.keySet(), o.dtype());
    }

    private static String header() {
        return "Times each series (" + String.join(", ", SeriesCatalog.all().keySet()) + ") against sequence length "
                + "(batch 1), fits the log-log slope and finds where attention overtakes each scan. Defaults are sized "
                + "for the device: a GPU sweeps 1K..1M in about 2 minutes, a CPU 256..16K in about 5. --dtype bf16 runs "
                + "each series' bf16 form (id + \"" + SeriesCatalog.BF16_SUFFIX + "\") and skips those without one.";
    }
}
