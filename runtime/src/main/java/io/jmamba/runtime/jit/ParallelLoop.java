package io.jmamba.runtime.jit;

/**
 * A {@code @Parallel} loop found in a kernel and the dimension it was given. Its trip count (bound
 * minus start, over the step) tells the runtime how many work-items the dimension needs when the user
 * gives no grid: {@code bound} says where the loop bound comes from.
 *
 * @param dimension 0, 1 or 2
 * @param bound     the loop's upper bound, as far as the JIT could tell
 */
public record ParallelLoop(int dimension, Bound bound) {

    /** Where a loop's exclusive upper bound comes from. */
    public sealed interface Bound {
        /** A literal (after specialisation). */
        record Constant(long value) implements Bound { }
        /** The value of a scalar parameter. */
        record ScalarParam(int paramIndex) implements Bound { }
        /** {@code getSize()} of an array parameter. */
        record ArraySize(int paramIndex) implements Bound { }
        /**
         * Arithmetic of other bounds, for a bound held in a local computed once from parameters
         * ({@code int tokens = batch * seqlen; for (@Parallel int t = 0; t < tokens; t++)}).
         *
         * @param op one of {@code add, sub, mul, div, min, max}
         */
        record Formula(String op, Bound a, Bound b) implements Bound { }
        /** Anything else: the runtime needs a GridScheduler entry or picks a default. */
        record Unknown() implements Bound { }
    }
}
