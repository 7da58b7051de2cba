package io.jmamba.runtime.fuzz;

import java.util.List;

/**
 * Puts several generated programs into one class with one kernel, {@code run}, whose {@code @Parallel}
 * loop calls every program for each work-item. One class means one JIT compile and one device build
 * for the whole batch (PoCL builds each program with LLVM, which is what costs time); each program
 * writes its own output slots, so a mismatch still points at one program.
 *
 * <p>The class also holds the helpers every program uses: {@code nzi/nzl/nzf/nzd} make divisors
 * non-zero, and {@code tf/td} ("tame") flush magnitudes below 1e-3 to zero and clamp large ones, so
 * that no floating operand is ever a denormal (see {@link ExprGen}).
 */
final class BatchSource {
    static final String PACKAGE = "io.jmamba.fuzzgen";

    private BatchSource() {
    }

    static String className(long runSeed, int firstProgram) {
        return "Batch_" + Long.toHexString(runSeed) + "_" + firstProgram;
    }

    /**
     * The class source. {@code twoD}: the work-items come from two nested {@code @Parallel} loops
     * ({@code run(..., int nx, int ny)}, work-item {@code g = gx * ny + gy}) instead of one
     * ({@code run(..., int n)}); the programs see the same {@code g} either way.
     */
    static String of(String simpleName, List<FuzzProgram> programs, boolean twoD) {
        StringBuilder s = new StringBuilder();
        s.append("package ").append(PACKAGE).append(";\n\n");
        s.append("import io.jmamba.runtime.api.*;\n\n");
        s.append("public final class ").append(simpleName).append(" {\n");
        String pad;
        if (twoD) {
            s.append("    public static void run(").append(ProgramGenerator.ARRAY_PARAMS).append(", int nx, int ny) {\n");
            s.append("        for (@Parallel int gx = 0; gx < nx; gx++) {\n");
            s.append("            for (@Parallel int gy = 0; gy < ny; gy++) {\n");
            s.append("                int g = gx * ny + gy;\n");
            s.append("                int n = nx * ny;\n");
            pad = "                ";
        } else {
            s.append("    public static void run(").append(ProgramGenerator.ARRAY_PARAMS).append(", int n) {\n");
            s.append("        for (@Parallel int g = 0; g < n; g++) {\n");
            pad = "            ";
        }
        for (int k = 0; k < programs.size(); k++) {
            s.append(pad).append("p").append(programs.get(k).index()).append("(g, ").append(k).append(" * n + g, ")
                    .append(ProgramGenerator.ARRAY_ARGS).append(");\n");
        }
        s.append(twoD ? "            }\n        }\n    }\n\n" : "        }\n    }\n\n");
        s.append("""
                    static int nzi(int d) { return d == 0 ? 1 : d; }
                    static long nzl(long d) { return d == 0L ? 1L : d; }
                    static float nzf(float d) { return Math.abs(d) < 1e-3f ? 1f : d; }
                    static double nzd(double d) { return Math.abs(d) < 1e-3 ? 1.0 : d; }
                    static float tf(float x) { return Math.abs(x) < 1e-3f ? 0f : (x > 1e6f ? 1e6f : (x < -1e6f ? -1e6f : x)); }
                    static double td(double x) { return Math.abs(x) < 1e-3 ? 0.0 : (x > 1e12 ? 1e12 : (x < -1e12 ? -1e12 : x)); }

                """);
        for (FuzzProgram p : programs) {
            s.append("    // program ").append(p.index()).append(", seed ").append(p.seed()).append('\n');
            s.append(p.source()).append('\n');
        }
        s.append("}\n");
        return s.toString();
    }
}
