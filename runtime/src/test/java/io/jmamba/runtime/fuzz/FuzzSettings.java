package io.jmamba.runtime.fuzz;

/**
 * How many programs a fuzz run generates and from which seed: system properties
 * {@code jmamba.fuzz.count} (default 200, what CI runs), {@code jmamba.fuzz.seed}, {@code jmamba.fuzz.first}
 * (index of the first program: with count 1, reruns a single program of an earlier run),
 * {@code jmamba.fuzz.batch} (programs per compiled class) and {@code jmamba.fuzz.form} (how the batch
 * kernel spreads work-items, a {@link LoopForm}: {@code 1d}, {@code 2d}, {@code ctx}, or {@code mixed},
 * the default, which takes them in turn by batch).
 */
record FuzzSettings(long seed, int first, int count, int batch, String form) {
    FuzzSettings {
        if (!form.equals("mixed")) {
            LoopForm.byFlag(form);
        }
    }

    static final long DEFAULT_SEED = 0x6a6d616d6261L;

    static FuzzSettings fromSystemProperties() {
        return new FuzzSettings(
                Long.decode(System.getProperty("jmamba.fuzz.seed", Long.toString(DEFAULT_SEED))),
                Integer.getInteger("jmamba.fuzz.first", 0),
                Integer.getInteger("jmamba.fuzz.count", 200),
                Math.max(1, Integer.getInteger("jmamba.fuzz.batch", 25)),
                System.getProperty("jmamba.fuzz.form", "mixed"));
    }

    /** The command-line flags that rerun exactly one program of this run, in the same loop form. */
    String reproduce(int program, LoopForm form) {
        String f = form.flag;
        return "-Djmamba.fuzz.seed=" + seed + " -Djmamba.fuzz.first=" + program + " -Djmamba.fuzz.count=1 -Djmamba.fuzz.form=" + f
                + "  (or: FuzzMain --seed " + seed + " --first " + program + " --count 1 --form " + f + ")";
    }

    java.util.List<FuzzBatch> batches() {
        java.util.List<FuzzBatch> out = new java.util.ArrayList<>();
        for (int start = first, b = 0; start < first + count; start += batch, b++) {
            LoopForm f = form.equals("mixed") ? LoopForm.values()[b % LoopForm.values().length] : LoopForm.byFlag(form);
            out.add(new FuzzBatch(seed, start, Math.min(batch, first + count - start), f));
        }
        return out;
    }
}
