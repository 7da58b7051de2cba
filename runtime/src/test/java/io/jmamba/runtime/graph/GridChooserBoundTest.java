package io.jmamba.runtime.graph;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.jit.ParallelLoop.Bound;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The launch-time value of a {@code @Parallel} loop bound, which sizes the grid of a kernel without a WorkerGrid. */
class GridChooserBoundTest {
    private static final List<Object> ARGS = Arrays.asList(new FloatArray(10), 3, 7, 1536L, null);

    @Test
    void formulasOfParametersEvaluateWithTheLaunchArguments() {
        Bound tokens = new Bound.Formula("mul", new Bound.ScalarParam(1), new Bound.ScalarParam(2));
        assertEquals(21L, GridChooser.evaluate(tokens, ARGS));
        assertEquals(21L + 10, GridChooser.evaluate(new Bound.Formula("add", tokens, new Bound.ArraySize(0)), ARGS));
        assertEquals(1536L / 7 - 3, GridChooser.evaluate(new Bound.Formula("sub",
                new Bound.Formula("div", new Bound.ScalarParam(3), new Bound.ScalarParam(2)), new Bound.ScalarParam(1)), ARGS));
        assertEquals(3L, GridChooser.evaluate(new Bound.Formula("min", new Bound.ScalarParam(1), new Bound.ScalarParam(2)), ARGS));
        assertEquals(7L, GridChooser.evaluate(new Bound.Formula("max", new Bound.ScalarParam(1), new Bound.ScalarParam(2)), ARGS));
    }

    @Test
    void whatCannotBeKnownStaysUnknown() {
        assertNull(GridChooser.evaluate(new Bound.Unknown(), ARGS));
        assertNull(GridChooser.evaluate(new Bound.Formula("mul", new Bound.Unknown(), new Bound.Constant(4)), ARGS));
        assertNull(GridChooser.evaluate(new Bound.Formula("div", new Bound.ScalarParam(1), new Bound.Constant(0)), ARGS),
                "a division by zero gives no grid size");
        assertNull(GridChooser.evaluate(new Bound.ScalarParam(4), ARGS), "a missing scalar argument");
    }
}
