package io.jmamba.bench.scaling;

import io.jmamba.bench.scaling.series.CopySeries;

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
        m.put("copy", () -> new CopySeries(1024));
        return m;
    }

    /** The default set of {@code bench scaling}: everything but the bandwidth probe. */
    public static List<String> scalingDefaults() {
        List<String> ids = new ArrayList<>(all().keySet());
        if (ids.size() > 1) {
            ids.remove("copy");
        }
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
