package io.jmamba.runtime.fuzz;

/**
 * How many programs a fuzz run generates and from which seed: system properties
 * {@code jmamba.fuzz.count} (default 200, what CI runs), {@code jmamba.fuzz.seed}, {@code jmamba.fuzz.first}
 * (index of the first program: with count 1, reruns a single program of an earlier run) and
 * {@code jmamba.fuzz.batch} (programs per compiled class).
 */
record FuzzSettings(long seed, int first, int count, int batch) {
    static final long DEFAULT_SEED = 0x6a6d616d6261L;

    static FuzzSettings fromSystemProperties() {
        return new FuzzSettings(
                Long.decode(System.getProperty("jmamba.fuzz.seed", Long.toString(DEFAULT_SEED))),
                Integer.getInteger("jmamba.fuzz.first", 0),
                Integer.getInteger("jmamba.fuzz.count", 200),
                Math.max(1, Integer.getInteger("jmamba.fuzz.batch", 25)));
    }

    /** The command-line flags that rerun exactly one program of this run. */
    String reproduce(int program) {
        return "-Djmamba.fuzz.seed=" + seed + " -Djmamba.fuzz.first=" + program + " -Djmamba.fuzz.count=1"
                + "  (or: FuzzMain --seed " + seed + " --first " + program + " --count 1)";
    }

    java.util.List<FuzzBatch> batches() {
        java.util.List<FuzzBatch> out = new java.util.ArrayList<>();
        for (int start = first; start < first + count; start += batch) {
            out.add(new FuzzBatch(seed, start, Math.min(batch, first + count - start)));
        }
        return out;
    }
}
