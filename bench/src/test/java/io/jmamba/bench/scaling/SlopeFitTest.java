package io.jmamba.bench.scaling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class SlopeFitTest {
    /** Points at 1K..1M with a deterministic +-3% wobble, so the fit is not handed an exact line. */
    static List<Point> synthetic(LongToDoubleFunction ms) {
        List<Point> out = new ArrayList<>();
        int k = 0;
        for (long len : Lengths.geometric(1024, 1 << 20, 2)) {
            double wobble = 1 + 0.03 * ((k++ % 3) - 1);
            out.add(Point.measured(len, ms.applyAsDouble(len) * wobble, 0, 0, 5, len * 4));
        }
        return out;
    }

    @Test
    void linearSeriesHasSlopeOne() {
        SlopeFit fit = SlopeFit.of(synthetic(l -> 1e-4 * l));
        assertEquals(1.0, fit.slope(), 0.05);
    }

    @Test
    void quadraticSeriesHasSlopeTwo() {
        SlopeFit fit = SlopeFit.of(synthetic(l -> 1e-7 * l * l));
        assertEquals(2.0, fit.slope(), 0.05);
    }

    @Test
    void fixedLaunchCostAtShortLengthsIsLeftOutOfTheFit() {
        // 10 us per launch: at 1K this dominates; without the floor the slope would read ~0.8
        SlopeFit linear = SlopeFit.of(synthetic(l -> 0.01 + 1e-5 * l));
        SlopeFit quadratic = SlopeFit.of(synthetic(l -> 0.01 + 1e-9 * l * l));
        assertEquals(1.0, linear.slope(), 0.05);
        assertEquals(2.0, quadratic.slope(), 0.05);
        assertEquals(true, linear.pointsUsed() < 11, "short-length points must be excluded");
    }

    @Test
    void skippedPointsAreIgnoredAndOnePointGivesNoSlope() {
        List<Point> pts = List.of(Point.measured(1024, 1.0, 1, 1, 3, 0),
                Point.skipped(2048, PointStatus.SKIPPED_MEMORY, "too big"));
        assertNull(SlopeFit.of(pts).slope());
    }

    @Test
    void interceptPredictsTheLine() {
        SlopeFit fit = SlopeFit.of(List.of(Point.measured(1000, 1, 1, 1, 1, 0), Point.measured(2000, 2, 2, 2, 1, 0),
                Point.measured(4000, 4, 4, 4, 1, 0), Point.measured(8000, 8, 8, 8, 1, 0)));
        assertEquals(1.0, fit.slope(), 1e-12);
        assertEquals(16.0, fit.predictMs(16000), 1e-9);
    }
}
