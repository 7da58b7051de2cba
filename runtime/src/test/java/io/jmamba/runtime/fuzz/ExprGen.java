package io.jmamba.runtime.fuzz;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Random typed expressions for generated programs. Every expression is free of side effects and
 * cannot throw in Java: divisors go through {@code nzi/nzl/nzf/nzd} (never zero), array indices are
 * masked into range. Floating expressions use only operations Java and IEEE 754 specify exactly
 * (+ - * / % sqrt fma floor ceil abs min max, conversions), and every product, quotient and
 * remainder goes through the tame functions {@code tf/td}, which flush magnitudes below 1e-3 to zero
 * and clamp large ones: so no operand is ever a denormal and every floating result can be compared
 * bit-exactly, whatever a device does with denormals.
 */
final class ExprGen {
    /** What a generated body may read besides its locals. */
    record Reach(boolean inputs, boolean scratch, boolean privateArrays, List<Helper> helpers) {
    }

    /** A generated helper method: name, return type. Its parameters are fixed: (ii, fi, int, long, float, double). */
    record Helper(String name, Ty returns) {
    }

    private static final int[] INT_LITERALS = {0, 1, -1, 2, 3, 5, 7, 8, 13, 31, 32, 33, 63, 64, 100, -100, 255, 1000,
            65535, 0x7fffffff, 0x80000000, 0x40000000, 0xdeadbeef};
    private static final long[] LONG_LITERALS = {0, 1, -1, 2, 7, 31, 63, 64, 65, 1000, 0xffffffffL, 1L << 32,
            Long.MAX_VALUE, Long.MIN_VALUE, 0x123456789abcdefL, -0x7777777777L};
    private static final String[] FLOAT_LITERALS = {"0.1f", "1e-3f", "3.14159f", "(-2.7182817f)", "1e6f", "0.3333333f", "(-0.0f)"};
    private static final String[] DOUBLE_LITERALS = {"0.1", "1e-3", "3.141592653589793", "(-2.718281828459045)", "1e12", "0.3333333333333333", "(-0.0)", "1e-300"};

    final SplittableRandom r;
    final Scope scope;
    Reach reach;

    ExprGen(SplittableRandom r, Scope scope, Reach reach) {
        this.r = r;
        this.scope = scope;
        this.reach = reach;
    }

    String gen(Ty t, int depth) {
        return switch (t) {
            case INT -> genInt(depth);
            case LONG -> genLong(depth);
            case FLOAT -> genFloat(depth);
            case DOUBLE -> genDouble(depth);
            case BOOL -> genBool(depth);
        };
    }

    /** A small int expression masked into [0, mask]. */
    String index(int mask) {
        return "(" + genInt(1) + " & " + mask + ")";
    }

    private boolean leafNow(int depth) {
        return depth <= 0 || r.nextInt(5) == 0;
    }

    String genInt(int d) {
        if (leafNow(d)) {
            return leafInt();
        }
        int k = r.nextInt(16);
        String a = genInt(d - 1);
        return switch (k) {
            case 0 -> "(" + a + " + " + genInt(d - 1) + ")";
            case 1 -> "(" + a + " - " + genInt(d - 1) + ")";
            case 2 -> "(" + a + " * " + genInt(d - 1) + ")";
            case 3 -> "(" + a + (r.nextBoolean() ? " / " : " % ") + "nzi(" + genInt(d - 1) + "))";
            case 4 -> "(" + a + " " + pick("&", "|", "^") + " " + genInt(d - 1) + ")";
            case 5 -> "(" + a + " " + pick("<<", ">>", ">>>") + " " + genInt(d - 1) + ")";
            case 6 -> "(" + pick("-", "~") + a + ")";
            case 7 -> "Math." + pick("abs(" + a + ")", "min(" + a + ", " + genInt(d - 1) + ")", "max(" + a + ", " + genInt(d - 1) + ")");
            case 8 -> "(" + genBool(d - 1) + " ? " + a + " : " + genInt(d - 1) + ")";
            case 9 -> "((int) " + genLong(d - 1) + ")";
            case 10 -> "((int) " + genFloat(d - 1) + ")";
            case 11 -> "((int) " + genDouble(d - 1) + ")";
            case 12 -> "((" + pick("byte", "short", "char") + ") " + a + ")";
            case 13 -> helperCall(Ty.INT, d).orElse(a);
            default -> "(" + a + " + " + genInt(d - 1) + ")";
        };
    }

    String genLong(int d) {
        if (leafNow(d)) {
            return leafLong();
        }
        int k = r.nextInt(13);
        String a = genLong(d - 1);
        return switch (k) {
            case 0 -> "(" + a + " + " + genLong(d - 1) + ")";
            case 1 -> "(" + a + " - " + genLong(d - 1) + ")";
            case 2 -> "(" + a + " * " + genLong(d - 1) + ")";
            case 3 -> "(" + a + (r.nextBoolean() ? " / " : " % ") + "nzl(" + genLong(d - 1) + "))";
            case 4 -> "(" + a + " " + pick("&", "|", "^") + " " + genLong(d - 1) + ")";
            case 5 -> "(" + a + " " + pick("<<", ">>", ">>>") + " " + genInt(d - 1) + ")";
            case 6 -> "(" + pick("-", "~") + a + ")";
            case 7 -> "Math." + pick("abs(" + a + ")", "min(" + a + ", " + genLong(d - 1) + ")", "max(" + a + ", " + genLong(d - 1) + ")");
            case 8 -> "(" + genBool(d - 1) + " ? " + a + " : " + genLong(d - 1) + ")";
            case 9 -> "((long) " + genInt(d - 1) + ")";
            case 10 -> "((long) " + (r.nextBoolean() ? genFloat(d - 1) : genDouble(d - 1)) + ")";
            case 11 -> helperCall(Ty.LONG, d).orElse(a);
            default -> "(" + a + " ^ (" + genLong(d - 1) + " >>> 7))";
        };
    }

    String genFloat(int d) {
        if (leafNow(d)) {
            return leafFloat();
        }
        int k = r.nextInt(15);
        String a = genFloat(d - 1);
        return switch (k) {
            case 0 -> "(" + a + " + " + genFloat(d - 1) + ")";
            case 1 -> "(" + a + " - " + genFloat(d - 1) + ")";
            case 2 -> "tf(" + a + " * " + genFloat(d - 1) + ")";
            case 3 -> "tf(" + a + (r.nextInt(3) == 0 ? " % " : " / ") + "nzf(" + genFloat(d - 1) + "))";
            case 4 -> "(-" + a + ")";
            case 5 -> "Math." + pick("abs(" + a + ")", "min(" + a + ", " + genFloat(d - 1) + ")", "max(" + a + ", " + genFloat(d - 1) + ")");
            case 6 -> pick("((float) Math.sqrt(Math.abs(" + a + ")))", "KernelMath.sqrt(Math.abs(" + a + "))");
            case 7 -> pick("KernelMath.floor(" + a + ")", "KernelMath.ceil(" + a + ")", "((float) Math.floor(" + a + "))");
            case 8 -> "tf(" + pick("Math", "KernelMath") + ".fma(" + a + ", " + genFloat(d - 1) + ", " + genFloat(d - 1) + "))";
            case 9 -> "(" + genBool(d - 1) + " ? " + a + " : " + genFloat(d - 1) + ")";
            case 10 -> "((float) " + (r.nextBoolean() ? genInt(d - 1) : genLong(d - 1)) + ")";
            case 11 -> "tf((float) " + genDouble(d - 1) + ")";
            case 12 -> helperCall(Ty.FLOAT, d).orElse(a);
            default -> "(" + a + " + " + genFloat(d - 1) + ")";
        };
    }

    String genDouble(int d) {
        if (leafNow(d)) {
            return leafDouble();
        }
        int k = r.nextInt(14);
        String a = genDouble(d - 1);
        return switch (k) {
            case 0 -> "(" + a + " + " + genDouble(d - 1) + ")";
            case 1 -> "(" + a + " - " + genDouble(d - 1) + ")";
            case 2 -> "td(" + a + " * " + genDouble(d - 1) + ")";
            case 3 -> "td(" + a + (r.nextInt(3) == 0 ? " % " : " / ") + "nzd(" + genDouble(d - 1) + "))";
            case 4 -> "(-" + a + ")";
            case 5 -> "Math." + pick("abs(" + a + ")", "min(" + a + ", " + genDouble(d - 1) + ")", "max(" + a + ", " + genDouble(d - 1) + ")");
            case 6 -> "Math.sqrt(Math.abs(" + a + "))";
            case 7 -> pick("Math.floor(" + a + ")", "Math.ceil(" + a + ")");
            case 8 -> "td(Math.fma(" + a + ", " + genDouble(d - 1) + ", " + genDouble(d - 1) + "))";
            case 9 -> "(" + genBool(d - 1) + " ? " + a + " : " + genDouble(d - 1) + ")";
            case 10 -> "((double) " + pick(genInt(d - 1), genLong(d - 1), genFloat(d - 1)) + ")";
            case 11 -> helperCall(Ty.DOUBLE, d).orElse(a);
            default -> "(" + a + " * 0.5 + " + genDouble(d - 1) + ")";
        };
    }

    String genBool(int d) {
        List<Scope.Var> bools = scope.visible(Ty.BOOL, false);
        if (!bools.isEmpty() && r.nextInt(5) == 0) {
            return bools.get(r.nextInt(bools.size())).name();
        }
        int k = d <= 0 ? r.nextInt(4) : r.nextInt(7);
        return switch (k) {
            case 0 -> compare(Ty.INT, d);
            case 1 -> compare(Ty.LONG, d);
            case 2 -> compare(Ty.FLOAT, d);
            case 3 -> compare(Ty.DOUBLE, d);
            case 4 -> "(" + genBool(d - 1) + " && " + genBool(d - 1) + ")";
            case 5 -> "(" + genBool(d - 1) + " || " + genBool(d - 1) + ")";
            default -> "!" + genBool(d - 1);
        };
    }

    private String compare(Ty t, int d) {
        String op = pick("<", "<=", ">", ">=", "==", "!=");
        int sub = Math.max(0, Math.min(d - 1, 1));
        return "(" + gen(t, sub) + " " + op + " " + gen(t, sub) + ")";
    }

    private java.util.Optional<String> helperCall(Ty t, int d) {
        List<Helper> hs = reach.helpers().stream().filter(h -> h.returns() == t).toList();
        if (hs.isEmpty() || !reach.inputs()) {
            return java.util.Optional.empty();
        }
        Helper h = hs.get(r.nextInt(hs.size()));
        int sub = Math.max(0, d - 2);
        return java.util.Optional.of(h.name() + "(ii, fi, " + genInt(sub) + ", " + genLong(sub) + ", " + genFloat(sub) + ", " + genDouble(sub) + ")");
    }

    private String leafInt() {
        List<Scope.Var> vs = scope.visible(Ty.INT, false);
        int k = r.nextInt(10);
        if ((k < 4 || k > 8) && !vs.isEmpty()) {
            return vs.get(r.nextInt(vs.size())).name();
        }
        if (k == 4 && reach.inputs()) {
            return "ii.get(" + maskedLeafIndex(63) + ")";
        }
        if (k == 5 && reach.scratch()) {
            return "sc.get(ob * 8 + " + maskedLeafIndex(7) + ")";
        }
        if (k == 6 && reach.privateArrays()) {
            return "pa[" + maskedLeafIndex(7) + "]";
        }
        if (k == 7 && reach.scratch()) {
            return pick("g", "s0");
        }
        if (k == 8 && reach.inputs() && r.nextBoolean()) {
            return "ii.get((long) " + maskedLeafIndex(63) + ")";
        }
        int v = INT_LITERALS[r.nextInt(INT_LITERALS.length)];
        if (r.nextInt(3) == 0) {
            v = r.nextInt(-50, 50);
        }
        return v < 0 ? "(" + v + ")" : Integer.toString(v);
    }

    private String leafLong() {
        List<Scope.Var> vs = scope.visible(Ty.LONG, false);
        int k = r.nextInt(10);
        if ((k < 4 || k > 7) && !vs.isEmpty()) {
            return vs.get(r.nextInt(vs.size())).name();
        }
        if (k == 4 && reach.scratch()) {
            return r.nextBoolean() ? "il.get(" + maskedLeafIndex(63) + ")" : "il.get((long) " + maskedLeafIndex(63) + " + 0L)";
        }
        if (k == 5 && reach.scratch()) {
            return "s1";
        }
        long v = r.nextInt(4) == 0 ? r.nextLong() : LONG_LITERALS[r.nextInt(LONG_LITERALS.length)];
        return v < 0 ? "(" + v + "L)" : v + "L";
    }

    private String leafFloat() {
        List<Scope.Var> vs = scope.visible(Ty.FLOAT, false);
        int k = r.nextInt(12);
        if ((k < 4 || k > 8) && !vs.isEmpty()) {
            return vs.get(r.nextInt(vs.size())).name();
        }
        if (k == 4 && reach.inputs()) {
            return "fi.get(" + maskedLeafIndex(63) + ")";
        }
        if (k == 5 && reach.scratch()) {
            return "s2";
        }
        if (k == 6 && reach.privateArrays()) {
            return "pf[" + maskedLeafIndex(3) + "]";
        }
        if (k == 7) {
            return FLOAT_LITERALS[r.nextInt(FLOAT_LITERALS.length)];
        }
        if (k == 8 && r.nextInt(8) == 0) {
            return "Float.NaN";
        }
        float v = r.nextInt(-1024, 1025) / 16f;
        return v < 0 ? "(" + v + "f)" : v + "f";
    }

    private String leafDouble() {
        List<Scope.Var> vs = scope.visible(Ty.DOUBLE, false);
        int k = r.nextInt(12);
        if ((k < 4 || k > 8) && !vs.isEmpty()) {
            return vs.get(r.nextInt(vs.size())).name();
        }
        if (k == 4 && reach.scratch()) {
            return "di.get(" + maskedLeafIndex(63) + ")";
        }
        if (k == 5 && reach.scratch()) {
            return "s3";
        }
        if (k == 6) {
            return DOUBLE_LITERALS[r.nextInt(DOUBLE_LITERALS.length)];
        }
        if (k == 7 && r.nextInt(8) == 0) {
            return "Double.NaN";
        }
        double v = r.nextInt(-1024, 1025) / 16.0;
        return v < 0 ? "(" + v + ")" : Double.toString(v);
    }

    /** An index from a variable or constant only (no recursion, keeps sources short). */
    private String maskedLeafIndex(int mask) {
        List<Scope.Var> vs = scope.visible(Ty.INT, false);
        String base = vs.isEmpty() || r.nextInt(3) == 0 ? Integer.toString(r.nextInt(0, 1000)) : vs.get(r.nextInt(vs.size())).name();
        return "(" + base + " & " + mask + ")";
    }

    String pick(String... options) {
        return options[r.nextInt(options.length)];
    }
}
