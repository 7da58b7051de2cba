package io.jmamba.bench.scaling;

import java.util.List;

/** A series and the lengths to measure it at, in increasing order. */
public record SeriesPlan(Series series, List<Long> lengths) {
    public SeriesPlan {
        lengths = List.copyOf(lengths);
        for (int i = 1; i < lengths.size(); i++) {
            if (lengths.get(i) <= lengths.get(i - 1)) {
                throw new IllegalArgumentException("lengths of " + series.id() + " must increase: " + lengths);
            }
        }
    }
}
