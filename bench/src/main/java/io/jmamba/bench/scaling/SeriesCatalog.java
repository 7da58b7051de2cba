package io.jmamba.bench.scaling;

import io.jmamba.bench.scaling.series.AttentionSeries;
import io.jmamba.bench.scaling.series.BlockSeries;
import io.jmamba.bench.scaling.series.Conv1dBf16Series;
import io.jmamba.bench.scaling.series.Conv1dSeries;
import io.jmamba.bench.scaling.series.CopySeries;
import io.jmamba.bench.scaling.series.SelectiveScanSeries;
import io.jmamba.bench.scaling.series.SsdSeries;
import io.jmamba.kernels.conv.ConvForward;
import io.jmamba.kernels.scan.SelectiveScan;
import io.jmamba.kernels.ssd.SsdScan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.LinkedHashMap;

/**
 * The series {@code bench scaling} knows, with the 130M models' default shapes, in the order they
 * are run and plotted. Attention comes last so that it inherits the time the scans left unused.
 */
public final class SeriesCatalog {
    private SeriesCatalog() {
    }

    /** Every series by id, in run order. */
    public static Map<String, Supplier<Series>> all() {
        Map<String, Supplier<Series>> m = new LinkedHashMap<>();
        m.put("selective-scan", () -> new SelectiveScanSeries(1536, 16));
        m.put("selective-scan-chunked", () -> new SelectiveScanSeries(1536, 16, SelectiveScan.Variant.CHUNKED));
        m.put("ssd", () -> new SsdSeries(24, 64, 128, 256));
        m.put("ssd-tiled", () -> new SsdSeries(24, 64, 128, 256, SsdScan.Variant.TILED));
        m.put("ssd-blocked", () -> new SsdSeries(24, 64, 128, 256, SsdScan.Variant.BLOCKED));
        m.put("conv1d", () -> new Conv1dSeries(1536, 4));
        for (ConvForward v : ConvForward.values()) {
            if (v != ConvForward.DEFAULT) {
                m.put(Conv1dSeries.id(v), () -> new Conv1dSeries(1536, 4, v));
            }
        }
        m.put("conv1d-bf16", () -> new Conv1dBf16Series(1536, 4));
        m.put("mamba1-block", () -> BlockSeries.mamba1(1536, 16));
        m.put("mamba2-block", () -> BlockSeries.mamba2(24, 64, 128, 256));
        m.put("copy", () -> new CopySeries(1024));
        m.put("attention", () -> new AttentionSeries(12, 64, false));
        m.put("attention-naive", () -> new AttentionSeries(12, 64, true));
        return m;
    }

    /**
     * The default set of {@code bench scaling}: everything but the bandwidth probe and the earlier or
     * alternative layouts (ask for "selective-scan-chunked", "ssd-tiled", "ssd-blocked" or a "conv1d-..." series by name to time it
     * beside the default).
     */
    public static List<String> scalingDefaults() {
        List<String> ids = new ArrayList<>(all().keySet());
        if (ids.size() > 1) {
            ids.remove("copy");
            ids.remove("selective-scan-chunked");
            ids.remove("ssd-tiled");
            ids.remove("ssd-blocked");
        }
        ids.removeIf(id -> id.startsWith("conv1d-"));
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
