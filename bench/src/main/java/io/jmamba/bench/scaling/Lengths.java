package io.jmamba.bench.scaling;

import java.util.ArrayList;
import java.util.List;

/** Sequence lengths of a sweep. */
public final class Lengths {
    private Lengths() {
    }

    /** min, min*step, min*step^2, ... up to and including max. */
    public static List<Long> geometric(long min, long max, int step) {
        if (min < 1 || max < min) {
            throw new IllegalArgumentException("lengths need 1 <= min <= max, got min " + min + ", max " + max);
        }
        if (step < 2) {
            throw new IllegalArgumentException("length step must be >= 2, got " + step);
        }
        List<Long> out = new ArrayList<>();
        for (long l = min; l <= max; l = Math.multiplyExact(l, step)) {
            out.add(l);
            if (l > Long.MAX_VALUE / step) {
                break;
            }
        }
        return out;
    }

    /** The lengths of {@code lengths} that are at most {@code max}. */
    public static List<Long> upTo(List<Long> lengths, long max) {
        return lengths.stream().filter(l -> l <= max).toList();
    }
}
