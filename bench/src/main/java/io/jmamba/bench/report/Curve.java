package io.jmamba.bench.report;

import java.util.List;

/**
 * One line of a plot.
 *
 * @param name   legend text
 * @param xs     x values (sequence lengths), increasing
 * @param ys     y values (ms), same count
 * @param dashed drawn dashed (reference numbers, not ours)
 */
public record Curve(String name, List<Double> xs, List<Double> ys, boolean dashed) {
    public Curve {
        if (xs.size() != ys.size()) {
            throw new IllegalArgumentException("curve " + name + ": " + xs.size() + " x values but " + ys.size() + " y values");
        }
        xs = List.copyOf(xs);
        ys = List.copyOf(ys);
    }
}
