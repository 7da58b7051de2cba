package io.jmamba.runtime.fuzz;

/**
 * How a batch kernel spreads its work-items over the programs. The programs see the same work-item
 * number {@code g} in every form, so their outputs do not depend on it.
 */
enum LoopForm {
    /** {@code for (@Parallel int g = 0; g < n; g++)}. */
    ONE_D("1d"),
    /** Two nested {@code @Parallel} loops, {@code g = gx * ny + gy}. */
    TWO_D("2d"),
    /**
     * A KernelContext kernel in work-groups of {@link #GROUP}: after each program, every work-item puts
     * two of its results in local memory, and after a barrier mixes a neighbour's into its own slots.
     */
    CONTEXT("ctx");

    static final int GROUP = 8;

    final String flag;

    LoopForm(String flag) {
        this.flag = flag;
    }

    static LoopForm byFlag(String flag) {
        for (LoopForm f : values()) {
            if (f.flag.equals(flag)) {
                return f;
            }
        }
        throw new IllegalArgumentException("loop form must be 1d, 2d or ctx, got " + flag);
    }
}
