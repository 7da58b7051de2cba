package io.jmamba.runtime.fuzz;

/**
 * One generated program.
 *
 * @param index      its number within the run (method {@code p<index>})
 * @param seed       the seed it was generated from
 * @param source     its Java source: its helper methods and the method {@code p<index>}
 * @param approx     names of the functions in its approximate output slots (af slots, then ad slots)
 * @param approxUlps the ulp tolerance of each approximate slot, in the same order
 */
record FuzzProgram(int index, long seed, String source, java.util.List<String> approx, int[] approxUlps) {
}
