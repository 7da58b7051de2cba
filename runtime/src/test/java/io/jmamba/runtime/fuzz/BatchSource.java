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

    /**
     * After program k in the context form: each work-item publishes its first int and float result in
     * local memory and, after a barrier, folds the next work-item's (within its group) into its own
     * checksum slots; a second barrier keeps the next program from overwriting them too early.
     * {@link FuzzBatch#mixNeighbours} does the same on the host for the reference.
     */
    private static void mixNeighbours(StringBuilder s, String pad, int k) {
        String o = "(" + k + " * n + g)";
        s.append(pad).append("li[l] = oi.get(").append(o).append(" * ").append(ProgramGenerator.OI).append(");\n");
        s.append(pad).append("lf[l] = of.get(").append(o).append(" * ").append(ProgramGenerator.OF).append(");\n");
        s.append(pad).append("ctx.localBarrier();\n");
        s.append(pad).append("oi.set(").append(o).append(" * ").append(ProgramGenerator.OI).append(" + 3, oi.get(").append(o)
                .append(" * ").append(ProgramGenerator.OI).append(" + 3) ^ li[(l + 1) & ").append(LoopForm.GROUP - 1).append("]);\n");
        s.append(pad).append("of.set(").append(o).append(" * ").append(ProgramGenerator.OF).append(" + 1, of.get(").append(o)
                .append(" * ").append(ProgramGenerator.OF).append(" + 1) + lf[(l + 1) & ").append(LoopForm.GROUP - 1).append("]);\n");
        s.append(pad).append("ctx.localBarrier();\n");
    }

    static String className(long runSeed, int firstProgram) {
        return "Batch_" + Long.toHexString(runSeed) + "_" + firstProgram;
    }

    /** The class source, with {@code run} in the given {@link LoopForm}. */
    static String of(String simpleName, List<FuzzProgram> programs, LoopForm form) {
        StringBuilder s = new StringBuilder();
        s.append("package ").append(PACKAGE).append(";\n\n");
        s.append("import io.jmamba.runtime.api.*;\n\n");
        s.append("public final class ").append(simpleName).append(" {\n");
        String pad = "            ";
        switch (form) {
            case TWO_D -> {
                s.append("    public static void run(").append(ProgramGenerator.ARRAY_PARAMS).append(", int nx, int ny) {\n");
                s.append("        for (@Parallel int gx = 0; gx < nx; gx++) {\n");
                s.append("            for (@Parallel int gy = 0; gy < ny; gy++) {\n");
                s.append("                int g = gx * ny + gy;\n");
                s.append("                int n = nx * ny;\n");
                pad = "                ";
            }
            case CONTEXT -> {
                s.append("    public static void run(KernelContext ctx, ").append(ProgramGenerator.ARRAY_PARAMS).append(") {\n");
                s.append("        int g = ctx.globalIdx;\n");
                s.append("        int n = ctx.globalGroupSizeX;\n");
                s.append("        int l = ctx.localIdx;\n");
                s.append("        int[] li = ctx.allocateIntLocalArray(").append(LoopForm.GROUP).append(");\n");
                s.append("        float[] lf = ctx.allocateFloatLocalArray(").append(LoopForm.GROUP).append(");\n");
                s.append("        {\n");
            }
            default -> {
                s.append("    public static void run(").append(ProgramGenerator.ARRAY_PARAMS).append(", int n) {\n");
                s.append("        for (@Parallel int g = 0; g < n; g++) {\n");
            }
        }
        for (int k = 0; k < programs.size(); k++) {
            s.append(pad).append("p").append(programs.get(k).index()).append("(g, ").append(k).append(" * n + g, ")
                    .append(ProgramGenerator.ARRAY_ARGS).append(");\n");
            if (form == LoopForm.CONTEXT) {
                mixNeighbours(s, pad, k);
            }
        }
        s.append(form == LoopForm.TWO_D ? "            }\n        }\n    }\n\n" : "        }\n    }\n\n");
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
