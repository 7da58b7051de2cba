package io.jmamba.bench.cli;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

import io.jmamba.bench.scaling.SeriesCatalog;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The options shared by {@code bench scaling}, {@code bench kernels} and {@code portability}, parsed
 * with Commons CLI. Values left out are null here; each command fills its own defaults (sized for the
 * device it runs on).
 *
 * @param device     device id or backend name, null for the best device found
 * @param dtype      element type of the series to run: fp32 (the default) or bf16 (each series' bf16 form,
 *                   see {@link io.jmamba.bench.scaling.SeriesCatalog#forDtype})
 * @param out        folder for the reports
 * @param runs       timed runs per point
 * @param warmup     untimed runs per point
 * @param minLength  shortest sequence length
 * @param maxLength  longest sequence length
 * @param step       length multiplier between points (2 or 4)
 * @param timeBudgetSeconds the whole run's time budget
 * @param series     series ids to run, null for the command's default set
 * @param usage      the command's usage text, for errors found after parsing (an unknown device, say)
 * @param cudaGraphs time each step as a replayed CUDA graph of its kernels (CUDA only)
 */
public record BenchOptions(String device, String dtype, Path out, Integer runs, Integer warmup, Long minLength,
                           Long maxLength, Integer step, Double timeBudgetSeconds, List<String> series, String usage,
                           boolean cudaGraphs) {

    /** The dtypes the CLI knows; {@link #SUPPORTED_DTYPES} are the ones series run in. */
    static final List<String> KNOWN_DTYPES = List.of("fp32", "fp16", "bf16");
    static final List<String> SUPPORTED_DTYPES = SeriesCatalog.DTYPES;
    static final String DEFAULT_DTYPE = "fp32";

    /**
     * @param lengthRange offer --min-len and --step (a sweep over lengths)
     * @param seriesSelect offer --series
     */
    static Options options(boolean lengthRange, boolean seriesSelect) {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("device").hasArg().argName("ID")
                .desc("device id or backend (cuda:0, opencl:0:1, jvm, cuda, opencl); default: the best found").build());
        o.addOption(Option.builder().longOpt("dtype").hasArg().argName("TYPE")
                .desc("element type: fp32 (default) or bf16 (runs each series' bf16 form, e.g. selective-scan-bf16; "
                        + "series without one are skipped); fp16 is not supported yet").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR")
                .desc("folder for the JSON, CSV and SVG reports (default: jmamba-results)").build());
        o.addOption(Option.builder().longOpt("runs").hasArg().argName("N").desc("timed runs per point (median reported)").build());
        o.addOption(Option.builder().longOpt("warmup").hasArg().argName("N").desc("untimed runs before timing each point, besides the first run that compiles and copies the inputs in").build());
        o.addOption(Option.builder().longOpt("time-budget").hasArg().argName("SECONDS")
                .desc("time budget of the whole run (suffix s or m allowed); longer points are skipped").build());
        o.addOption(Option.builder().longOpt("max-len").hasArg().argName("L")
                .desc("longest sequence length (e.g. 16K, 1M, 65536); bench scaling default: 1M on a GPU, 16K on a CPU").build());
        if (lengthRange) {
            o.addOption(Option.builder().longOpt("min-len").hasArg().argName("L").desc("shortest sequence length (default: 1K on a GPU, 256 on a CPU)").build());
            o.addOption(Option.builder().longOpt("step").hasArg().argName("K").desc("length multiplier between points: 2 or 4 (default: 4 on a GPU, 2 on a CPU)").build());
        }
        if (seriesSelect) {
            o.addOption(Option.builder().longOpt("series").hasArg().argName("IDS")
                    .desc("comma-separated series ids to run (default: every series but the copy probe)").build());
        }
        o.addOption(Option.builder().longOpt("cuda-graphs")
                .desc("on CUDA, time each step as a replayed CUDA graph of its kernels (captured before the warm-up): "
                        + "GPU time without the host's per-launch cost; default: eager launches").build());
        o.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        return o;
    }

    /** Parses {@code args}; returns null when --help was asked (the help is printed to {@code out}). */
    static BenchOptions parse(String[] args, String command, String header, boolean lengthRange, boolean seriesSelect,
                              java.io.PrintStream out) {
        Options options = options(lengthRange, seriesSelect);
        String usage = usage(command, header, options);
        CommandLine cl;
        try {
            cl = DefaultParser.builder().build().parse(options, args);
        } catch (ParseException e) {
            throw new UsageException(e.getMessage(), usage);
        }
        if (cl.hasOption("help")) {
            out.print(usage);
            return null;
        }
        if (!cl.getArgList().isEmpty()) {
            throw new UsageException("unexpected argument(s) " + cl.getArgList(), usage);
        }
        String dtype = cl.getOptionValue("dtype", DEFAULT_DTYPE).toLowerCase(Locale.ROOT);
        if (!KNOWN_DTYPES.contains(dtype)) {
            throw new UsageException("unknown --dtype \"" + dtype + "\"; known: " + KNOWN_DTYPES, usage);
        }
        if (!SUPPORTED_DTYPES.contains(dtype)) {
            throw new UsageException("--dtype " + dtype + " is not supported yet: series run in " + SUPPORTED_DTYPES, usage);
        }
        Integer runs = intOption(cl, "runs", 1, usage);
        Integer warmup = intOption(cl, "warmup", 0, usage);
        Long minLen = lengthOption(cl, "min-len", usage);
        Long maxLen = lengthOption(cl, "max-len", usage);
        if (minLen != null && maxLen != null && maxLen < minLen) {
            throw new UsageException("--max-len " + maxLen + " is shorter than --min-len " + minLen, usage);
        }
        Integer step = intOption(cl, "step", 2, usage);
        if (step != null && step != 2 && step != 4) {
            throw new UsageException("--step must be 2 or 4, got " + step, usage);
        }
        Double budget = null;
        if (cl.hasOption("time-budget")) {
            budget = seconds(cl.getOptionValue("time-budget"), usage);
        }
        List<String> series = null;
        if (cl.hasOption("series")) {
            series = Arrays.stream(cl.getOptionValue("series").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            if (series.isEmpty()) {
                throw new UsageException("--series needs at least one series id", usage);
            }
        }
        Path outDir = cl.hasOption("out") ? Path.of(cl.getOptionValue("out")) : null;
        return new BenchOptions(cl.getOptionValue("device"), dtype, outDir, runs, warmup, minLen, maxLen, step,
                budget, series, usage, cl.hasOption("cuda-graphs"));
    }

    /**
     * Says on {@code err} that {@code --cuda-graphs}, where it was asked, does nothing on {@code device}: only the
     * CUDA backend replays graphs, the others time the same eager launches as without it.
     */
    void noteCudaGraphs(io.jmamba.runtime.backend.ComputeDevice device, java.io.PrintStream err) {
        if (cudaGraphs && !"cuda".equals(device.backendName())) {
            err.println("bench: --cuda-graphs does nothing on " + device.id() + " (only CUDA replays graphs): its steps are timed"
                    + " as eager launches");
        }
    }

    static String usage(String command, String header, Options options) {
        StringWriter sw = new StringWriter();
        PrintWriter pw = new PrintWriter(sw);
        HelpFormatter f = HelpFormatter.builder().get();
        f.printHelp(pw, 100, "jmamba " + command + " [options]", header, options, 2, 2, null);
        pw.flush();
        return sw.toString();
    }

    private static Integer intOption(CommandLine cl, String name, int min, String usage) {
        if (!cl.hasOption(name)) {
            return null;
        }
        String v = cl.getOptionValue(name);
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min) {
                throw new UsageException("--" + name + " must be at least " + min + ", got " + n, usage);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " needs a whole number, got \"" + v + "\"", usage);
        }
    }

    private static Long lengthOption(CommandLine cl, String name, String usage) {
        if (!cl.hasOption(name)) {
            return null;
        }
        String v = cl.getOptionValue(name);
        try {
            long len = parseLength(v);
            if (len < 1) {
                throw new UsageException("--" + name + " must be at least 1, got " + v, usage);
            }
            return len;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " needs a length such as 4096, 16K or 1M, got \"" + v + "\"", usage);
        }
    }

    /** "4096" -> 4096, "16K"/"16k" -> 16384, "1M" -> 1048576. */
    static long parseLength(String v) {
        String s = v.trim().toUpperCase(Locale.ROOT);
        long mult = 1;
        if (s.endsWith("K")) {
            mult = 1L << 10;
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("M")) {
            mult = 1L << 20;
            s = s.substring(0, s.length() - 1);
        }
        return Math.multiplyExact(Long.parseLong(s), mult);
    }

    private static double seconds(String v, String usage) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        double mult = 1;
        if (s.endsWith("m")) {
            mult = 60;
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("s")) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            double d = Double.parseDouble(s) * mult;
            if (!(d > 0) || Double.isInfinite(d)) {
                throw new UsageException("--time-budget must be a positive number of seconds, got \"" + v + "\"", usage);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("--time-budget needs seconds such as 120, 90s or 5m, got \"" + v + "\"", usage);
        }
    }
}
