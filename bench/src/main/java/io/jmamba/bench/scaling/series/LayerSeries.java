package io.jmamba.bench.scaling.series;

import io.jmamba.bench.scaling.Series;
import io.jmamba.bench.scaling.SeriesKind;

/** The naming half of a series; subclasses say what moves, what fits and how to prepare a step. */
abstract class LayerSeries implements Series {
    static final long FLOAT = Float.BYTES;

    private final String id;
    private final String label;
    private final SeriesKind kind;
    private final double exponent;

    LayerSeries(String id, String label, SeriesKind kind, double exponent) {
        this.id = id;
        this.label = label;
        this.kind = kind;
        this.exponent = exponent;
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final String label() {
        return label;
    }

    @Override
    public final SeriesKind kind() {
        return kind;
    }

    @Override
    public final double expectedExponent() {
        return exponent;
    }

    /** The length as the kernels' int sequence length, or a clear refusal. */
    static int seqlen(String id, long length) {
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(id + ": sequence length " + length + " exceeds the kernels' int range");
        }
        return (int) length;
    }
}
