package io.jmamba.bench.scaling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class CrossoverTest {
    private static List<Point> points(List<Long> lengths, LongToDoubleFunction ms) {
        List<Point> out = new ArrayList<>();
        for (long l : lengths) {
            out.add(Point.measured(l, ms.applyAsDouble(l), 0, 0, 1, 0));
        }
        return out;
    }

    private static Crossover cross(List<Point> attention, List<Point> scan) {
        return Crossover.between("attention", attention, SlopeFit.of(attention, 0), "scan", scan, SlopeFit.of(scan, 0));
    }

    @Test
    void interpolatesBetweenMeasuredLengths() {
        // scan 1e-3 L ms, attention 1e-6 L^2 ms: equal at L = 1000, between 512 and 1024
        List<Long> lengths = Lengths.geometric(128, 8192, 2);
        Crossover c = cross(points(lengths, l -> 1e-6 * l * l), points(lengths, l -> 1e-3 * l));
        assertEquals("measured", c.method());
        assertEquals(1000, c.length(), 1e-6);
    }

    @Test
    void extrapolatesWhenAttentionIsFasterAtEveryMeasuredLength() {
        List<Long> lengths = Lengths.geometric(64, 512, 2);
        Crossover c = cross(points(lengths, l -> 1e-6 * l * l), points(lengths, l -> 1e-3 * l));
        assertEquals("extrapolated", c.method());
        assertEquals(1000, c.length(), 1e-3);
    }

    @Test
    void usesOnlyLengthsBothSeriesMeasured() {
        // attention stopped at 4K (memory), the scan went on: still crosses at 1000
        Crossover c = cross(points(Lengths.geometric(128, 4096, 2), l -> 1e-6 * l * l),
                points(Lengths.geometric(128, 1 << 20, 2), l -> 1e-3 * l));
        assertEquals(1000, c.length(), 1e-6);
    }

    @Test
    void attentionSlowerFromTheStartIsAnUpperBound() {
        List<Long> lengths = Lengths.geometric(2048, 8192, 2);
        Crossover c = cross(points(lengths, l -> 1e-6 * l * l), points(lengths, l -> 1e-3 * l));
        assertEquals("below-range", c.method());
        assertEquals(2048, c.length(), 0);
    }

    @Test
    void noCrossoverWhenAttentionNeverGrowsFaster() {
        List<Long> lengths = Lengths.geometric(128, 4096, 2);
        Crossover c = cross(points(lengths, l -> 1e-4 * l), points(lengths, l -> 1e-3 * l));
        assertEquals("none", c.method());
        assertNull(c.length());
    }
}
