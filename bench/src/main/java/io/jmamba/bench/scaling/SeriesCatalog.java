package io.jmamba.bench.scaling;

import io.jmamba.bench.scaling.series.AttentionBf16Series;
import io.jmamba.bench.scaling.series.AttentionSeries;
import io.jmamba.bench.scaling.series.BlockSeries;
import io.jmamba.bench.scaling.series.Conv1dBf16Series;
import io.jmamba.bench.scaling.series.Conv1dSeries;
import io.jmamba.bench.scaling.series.CopySeries;
import io.jmamba.bench.scaling.series.SelectiveScanSeries;
import io.jmamba.bench.scaling.series.SsdBf16Series;
import io.jmamba.bench.scaling.series.SsdSeries;
import io.jmamba.kernels.conv.ConvForward;
import io.jmamba.kernels.scan.SelectiveScan;
import io.jmamba.kernels.ssd.SsdScan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The series {@code bench scaling} knows, with the 130M models' default shapes, in the order they
 * are run and plotted. Attention comes last so that it inherits the time the scans left unused.
 *
 * <p>Dtypes: a series id names one dtype. The fp32 series have plain ids; the bf16 form of a series is
 * the same id with {@link #BF16_SUFFIX} ({@code "ssd"} and {@code "ssd-bf16"}), so adding a bf16 series
 * is one {@code m.put(id + BF16_SUFFIX, ...)} line in {@link #all()}: {@code --dtype bf16} then finds
 * it ({@link #forDtype}), the reports label it bf16 ({@link #dtypeOf}) and {@code bench kernels}
 * compares it with the bf16 official numbers. Bandwidth probes ({@link #DTYPE_NEUTRAL}) run as they are
 * under any dtype.
 */
public final class SeriesCatalog {
    private SeriesCatalog() {
    }

    /** Every series by id, in run order. */
    public static Map<String, Supplier<Series>> all() {
        Map<String, Supplier<Series>> m = new LinkedHashMap<>();
        m.put("selective-scan", () -> new SelectiveScanSeries(1536, 16));
        // bf16 forms ("<id>-bf16") sit after their fp32 series, one line each
        m.put("selective-scan-bf16", () -> SelectiveScanSeries.bf16(1536, 16));
        m.put("selective-scan-chunked", () -> new SelectiveScanSeries(1536, 16, SelectiveScan.Variant.CHUNKED));
        m.put("ssd", () -> new SsdSeries(24, 64, 128, 256));
        // the fp32 SSD's kernels by name ("ssd" runs the device's default), to time them against each other in one run
        for (SsdScan.Variant v : List.of(SsdScan.Variant.BLOCKED_WIDE, SsdScan.Variant.TENSOR_3XTF32)) {
            m.put(SsdSeries.id(v), () -> new SsdSeries(24, 64, 128, 256, v));
        }
        m.put("ssd-bf16", () -> new SsdBf16Series(24, 64, 128, 256));
        m.put("conv1d", () -> new Conv1dSeries(1536, 4));
        for (ConvForward v : ConvForward.values()) {
            if (v != ConvForward.DEFAULT) {
                m.put(Conv1dSeries.id(v), () -> new Conv1dSeries(1536, 4, v));
            }
        }
        m.put("conv1d-bf16", () -> new Conv1dBf16Series(1536, 4));
        m.put("conv1d-vector-8-bf16", () -> Conv1dBf16Series.vectors8(1536, 4));
        m.put("mamba1-block", () -> BlockSeries.mamba1(1536, 16));
        m.put("mamba2-block", () -> BlockSeries.mamba2(24, 64, 128, 256));
        m.put("copy", () -> new CopySeries(1024));
        m.put("attention", () -> new AttentionSeries(12, 64, false));
        m.put("attention-bf16", () -> new AttentionBf16Series(12, 64));
        m.put("attention-naive", () -> new AttentionSeries(12, 64, true));
        return m;
    }

    /** Suffix of a series' bf16 form: "selective-scan" -> "selective-scan-bf16". */
    public static final String BF16_SUFFIX = "-bf16";
    /** The dtypes series come in. */
    public static final List<String> DTYPES = List.of("fp32", "bf16");
    /** Series measured in no particular dtype (the copy probe): kept as they are under any --dtype. */
    public static final Set<String> DTYPE_NEUTRAL = Set.of("copy");

    /** The dtype series {@code id} runs in, read from its id: "bf16" for a "-bf16" id, else "fp32". */
    public static String dtypeOf(String id) {
        return id.endsWith(BF16_SUFFIX) ? "bf16" : "fp32";
    }

    /** The id {@code id} denotes without its dtype suffix ("ssd-bf16" -> "ssd"). */
    public static String baseId(String id) {
        return id.endsWith(BF16_SUFFIX) ? id.substring(0, id.length() - BF16_SUFFIX.length()) : id;
    }

    /**
     * The ids to run for {@code ids} under {@code --dtype dtype}, and those that cannot run with why.
     *
     * @param ids     requested ids (default set or --series): plain ids are mapped to the dtype's form;
     *                an id that already names a dtype ("selective-scan-bf16") is kept as it is
     * @param known   the ids that exist (the catalog, or the fixed shapes of {@code bench kernels})
     * @param dtype   one of {@link #DTYPES}
     */
    public static DtypeSelection forDtype(List<String> ids, java.util.Collection<String> known, String dtype) {
        if (!DTYPES.contains(dtype)) {
            throw new IllegalArgumentException("no series run in dtype \"" + dtype + "\"; series dtypes: " + DTYPES);
        }
        List<String> run = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        for (String id : ids) {
            String wanted = formFor(id, dtype);
            if (known.contains(wanted)) {
                if (!run.contains(wanted)) {
                    run.add(wanted);
                }
            } else {
                skipped.put(wanted, "no " + dtype + " form of " + id + " yet (no series " + wanted + " in this build)");
            }
        }
        return new DtypeSelection(List.copyOf(run), skipped);
    }

    /** The id of {@code id}'s form in {@code dtype}: bf16 adds the suffix to a plain id; probes and suffixed ids stay. */
    public static String formFor(String id, String dtype) {
        if (dtype.equals("fp32") || DTYPE_NEUTRAL.contains(id) || id.endsWith(BF16_SUFFIX)) {
            return id;
        }
        return id + BF16_SUFFIX;
    }

    /**
     * What {@link #forDtype} decided.
     *
     * @param run     ids to run, in request order, without repeats
     * @param skipped id of a missing dtype form -> why it is skipped (printed and reported, not an error)
     */
    public record DtypeSelection(List<String> run, Map<String, String> skipped) {
    }

    /**
     * The default set of {@code bench scaling}: everything but the bandwidth probe and the earlier or
     * alternative layouts (ask for "selective-scan-chunked" or a "conv1d-..." series by name to time it
     * beside the default).
     */
    public static List<String> scalingDefaults() {
        List<String> ids = new ArrayList<>(all().keySet());
        if (ids.size() > 1) {
            ids.remove("copy");
            ids.remove("selective-scan-chunked");
        }
        ids.removeIf(id -> id.startsWith("conv1d-"));
        ids.removeIf(id -> id.startsWith("ssd-") && !id.endsWith(BF16_SUFFIX)); // named SSD kernels: "ssd" runs the default
        // the fp32 set: --dtype bf16 maps it to the bf16 forms (forDtype)
        ids.removeIf(id -> id.endsWith(BF16_SUFFIX));
        return ids;
    }

    /** The series with these ids, in catalog order. */
    public static List<Series> select(List<String> ids) {
        Map<String, Supplier<Series>> all = all();
        for (String id : ids) {
            if (!all.containsKey(id)) {
                throw new IllegalArgumentException("unknown series \"" + id + "\"; known: " + all.keySet());
            }
        }
        List<Series> out = new ArrayList<>();
        all.forEach((id, s) -> {
            if (ids.contains(id)) {
                out.add(s.get());
            }
        });
        return out;
    }
}
