package io.jmamba.runtime.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates one random program: a static method {@code pK} with its own helper methods, built from
 * random statements (locals of four types, assignments, if/else, bounded for/while/do-while loops
 * with break and continue, dense and sparse switches, private arrays, scratch-array stores) and
 * ending in writes of its results to fixed output slots.
 *
 * <p>Programs cannot throw or loop forever in Java: loops run at most 7 (for) or 4 (while, do-while)
 * times, {@code continue} appears only where it cannot skip a loop's own counter update, divisors are
 * never zero, indices are masked. The same seed always gives the same program.
 */
final class ProgramGenerator {
    /** Output slots per (program, work-item). */
    static final int OI = 4, OL = 2, OF = 2, OD = 2, AF = 2, AD = 1, SC = 8;

    /** The parameter list every program method takes, after {@code int g, int ob}. */
    static final String ARRAY_PARAMS = "IntArray ii, LongArray il, FloatArray fi, DoubleArray di, IntArray oi, LongArray ol, "
            + "FloatArray of, DoubleArray od, FloatArray af, DoubleArray ad, IntArray sc, int s0, long s1, float s2, double s3";
    static final String ARRAY_ARGS = "ii, il, fi, di, oi, ol, of, od, af, ad, sc, s0, s1, s2, s3";

    private final SplittableRandom r;
    private final int index;
    private final StringBuilder out = new StringBuilder();
    private final List<ExprGen.Helper> helpers = new ArrayList<>();
    private final List<String> voidHelpers = new ArrayList<>();
    private int labels;
    private Scope scope;
    private ExprGen e;
    private int budget;
    private int indent;

    private ProgramGenerator(long seed, int index) {
        this.r = new SplittableRandom(seed);
        this.index = index;
    }

    /** Program number {@code index} of the run with {@code runSeed}. */
    static FuzzProgram generate(long runSeed, int index) {
        long seed = new SplittableRandom(runSeed).split().nextLong() ^ (0x9E3779B97F4A7C15L * (index + 1));
        return new ProgramGenerator(seed, index).program(seed);
    }

    private FuzzProgram program(long seed) {
        int nHelpers = r.nextInt(3);
        for (int h = 0; h < nHelpers; h++) {
            helper(h);
        }
        if (r.nextBoolean()) {
            voidHelper();
        }
        scope = new Scope();
        for (String p : List.of("g", "ob", "s0")) {
            scope.declareNamed(p, Ty.INT, false);
        }
        e = new ExprGen(r, scope, new ExprGen.Reach(true, true, true, List.copyOf(helpers)));
        line("static void p" + index + "(int g, int ob, " + ARRAY_PARAMS + ") {");
        indent++;
        line("int[] pa = new int[8];");
        line("float[] pf = new float[4];");
        // per-work-item starting values that nested statements keep updating, so their effects reach the outputs
        declare(Ty.INT, "ii.get((g * 7 + 1) & 63)");
        declare(Ty.INT, "ii.get((g + s0) & 63) ^ g");
        declare(Ty.LONG, "il.get(g & 63)");
        declare(Ty.LONG, "il.get((g * 3) & 63) + s1");
        declare(Ty.FLOAT, "fi.get(g & 63)");
        declare(Ty.FLOAT, "tf(fi.get((g * 5 + 2) & 63) * s2)");
        declare(Ty.DOUBLE, "di.get(g & 63)");
        declare(Ty.DOUBLE, "di.get((g + 7) & 63) + s3");
        // small types: stored narrowed, read widened, compound assignments narrow implicitly
        line("short " + scope.declare("v", Ty.INT, "short", true).name() + " = (short) ii.get((g + 3) & 63);");
        line("byte " + scope.declare("v", Ty.INT, "byte", true).name() + " = (byte) (g * 37);");
        line("char " + scope.declare("v", Ty.INT, "char", true).name() + " = (char) (s0 - g);");
        String cond = e.genBool(1);
        line("boolean " + scope.declare("v", Ty.BOOL, true).name() + " = " + cond + ";");
        budget = 6 + r.nextInt(12);
        List<String> approx = new ArrayList<>();
        List<Integer> approxUlps = new ArrayList<>();
        while (budget > 0) {
            statement(0, false, false);
        }
        outputs(approx, approxUlps);
        indent--;
        line("}");
        int[] ulps = approxUlps.stream().mapToInt(Integer::intValue).toArray();
        return new FuzzProgram(index, seed, out.toString(), approx, ulps);
    }

    private void declare(Ty t, String init) {
        line(t.java + " " + scope.declare("v", t, true).name() + " = " + init + ";");
    }

    private void helper(int h) {
        Ty ret = List.of(Ty.INT, Ty.LONG, Ty.FLOAT, Ty.DOUBLE).get(r.nextInt(4));
        String name = "p" + index + "_h" + h;
        scope = new Scope();
        scope.declareNamed("a", Ty.INT, true);
        scope.declareNamed("b", Ty.LONG, true);
        scope.declareNamed("c", Ty.FLOAT, true);
        scope.declareNamed("d", Ty.DOUBLE, true);
        e = new ExprGen(r, scope, new ExprGen.Reach(true, false, false, List.copyOf(helpers)));
        line("static " + ret.java + " " + name + "(IntArray ii, FloatArray fi, int a, long b, float c, double d) {");
        indent++;
        budget = 1 + r.nextInt(4);
        while (budget > 0) {
            statement(1, false, false);
        }
        if (r.nextInt(3) == 0) {
            line("if (" + e.genBool(1) + ") {");
            line("    return " + value(ret, 2) + ";");
            line("}");
        }
        line("return " + value(ret, 2) + ";");
        indent--;
        line("}");
        helpers.add(new ExprGen.Helper(name, ret));
    }

    /** A void helper with a side effect on the scratch array and maybe an early return. */
    private void voidHelper() {
        String name = "p" + index + "_v0";
        scope = new Scope();
        scope.declareNamed("a", Ty.INT, true);
        scope.declareNamed("b", Ty.LONG, true);
        e = new ExprGen(r, scope, new ExprGen.Reach(false, false, false, List.of()));
        line("static void " + name + "(IntArray sc, int ob, int a, long b) {");
        indent++;
        budget = 1 + r.nextInt(3);
        while (budget > 0) {
            statement(1, false, false);
        }
        line("if (" + e.genBool(1) + ") {");
        line("    sc.set(ob * 8 + (a & 7), (int) b);");
        line("    return;");
        line("}");
        line("sc.set(ob * 8 + ((a >>> 3) & 7), sc.get(ob * 8 + (a & 7)) + (int) (b >>> 32) + a);");
        indent--;
        line("}");
        voidHelpers.add(name);
    }

    /** An expression of type t ready to store: floating values pass through the tame function. */
    private String value(Ty t, int depth) {
        String x = e.gen(t, depth);
        return t.isFloating() ? t.tame() + "(" + x + ")" : x;
    }

    private Ty anyType() {
        return List.of(Ty.INT, Ty.INT, Ty.LONG, Ty.FLOAT, Ty.FLOAT, Ty.DOUBLE).get(r.nextInt(6));
    }

    /**
     * One statement. {@code inLoop}: break is allowed; {@code continueOk}: the innermost loop is a for
     * loop, whose update a continue cannot skip.
     */
    private void statement(int nesting, boolean inLoop, boolean continueOk) {
        budget--;
        int k = r.nextInt(nesting >= 3 ? 4 : 15);
        if (nesting > 0 && k == 1) {
            k = 2;
        }
        switch (k) {
            case 0, 1 -> {
                Ty t = anyType();
                String v = value(t, r.nextInt(4));
                line(t.java + " " + scope.declare("v", t, true).name() + " = " + v + ";");
            }
            case 2, 3 -> assign();
            case 4 -> {
                if (inLoop && r.nextInt(3) == 0) {
                    String what = continueOk && r.nextBoolean() ? "continue" : "break";
                    line("if (" + e.genBool(2) + ") " + what + ";");
                } else if (e.reach.scratch()) {
                    line(r.nextBoolean() ? "sc.set(ob * 8 + " + e.index(7) + ", " + e.genInt(2) + ");"
                            : r.nextBoolean() ? "pa[" + e.index(7) + "] = " + e.genInt(2) + ";"
                            : "pf[" + e.index(3) + "] = tf(" + e.genFloat(2) + ");");
                } else {
                    assign();
                }
            }
            case 5, 6 -> ifElse(nesting, inLoop, continueOk);
            case 7 -> forLoop(nesting);
            case 8 -> whileLoop(nesting);
            case 9 -> doWhile(nesting);
            case 10 -> switchDense(nesting, inLoop, continueOk);
            case 12 -> whileTrue(nesting);
            case 13 -> labelledLoops(nesting);
            case 14 -> {
                if (e.reach.scratch() && !voidHelpers.isEmpty()) {
                    line(voidHelpers.get(r.nextInt(voidHelpers.size())) + "(sc, ob, " + e.genInt(2) + ", " + e.genLong(2) + ");");
                } else {
                    assign();
                }
            }
            default -> switchSparse(nesting, inLoop, continueOk);
        }
    }

    private void assign() {
        switch (r.nextInt(8)) {
            case 0 -> {
                if (incrementAsValue()) {
                    return;
                }
            }
            case 1 -> {
                if (e.reach.privateArrays()) {
                    arrayElementUpdate();
                    return;
                }
            }
            case 2 -> {
                List<Scope.Var> bs = scope.visible(Ty.BOOL, true);
                if (!bs.isEmpty()) {
                    line(bs.get(r.nextInt(bs.size())).name() + " " + e.pick("=", "&=", "|=", "^=") + " " + e.genBool(2) + ";");
                    return;
                }
            }
            default -> {
            }
        }
        Ty t = anyType();
        List<Scope.Var> vs = scope.visible(t, true);
        if (vs.isEmpty()) {
            String init = value(t, 2);
            line(t.java + " " + scope.declare("v", t, true).name() + " = " + init + ";");
            return;
        }
        String v = vs.get(r.nextInt(vs.size())).name();
        if (t.isFloating()) {
            String op = e.pick("+", "-", "*");
            line(v + " = " + t.tame() + "(" + (r.nextBoolean() ? e.gen(t, 2) : v + " " + op + " " + e.gen(t, 2)) + ");");
        } else {
            Scope.Var var = vs.stream().filter(x -> x.name().equals(v)).findFirst().orElseThrow();
            String op = e.pick("=", "+=", "-=", "*=", "^=", "|=", "&=", "<<=", ">>=", ">>>=");
            String rhs = e.gen(op.contains("<") || op.contains(">") ? Ty.INT : t, 2);
            line(v + " " + op + " " + (var.narrow() && op.equals("=") ? "(" + var.javaType() + ") (" + rhs + ")" : rhs) + ";");
        }
    }

    /** {@code x = y++ + e} and friends: the value of y before (or after) its update must be the one used. */
    private boolean incrementAsValue() {
        Ty t = r.nextInt(3) == 0 ? Ty.LONG : Ty.INT;
        List<Scope.Var> vs = scope.visible(t, true);
        if (vs.isEmpty()) {
            return false;
        }
        Scope.Var x = vs.get(r.nextInt(vs.size()));
        Scope.Var y = vs.get(r.nextInt(vs.size()));
        String inc = e.pick(y.name() + "++", y.name() + "--", "++" + y.name(), "--" + y.name());
        String rhs = "(" + inc + ") " + e.pick("+", "*", "^", "-") + " " + e.gen(t, 1);
        line(x.name() + (x.narrow() ? " += " + rhs : " = " + rhs) + ";");
        return true;
    }

    /** Read-modify-write of one element of a private or scratch array. */
    private void arrayElementUpdate() {
        String idx = e.index(7);
        switch (r.nextInt(4)) {
            case 0 -> line("pa[" + idx + "] " + e.pick("+=", "^=", "*=", "<<=") + " " + e.genInt(2) + ";");
            case 1 -> line("pa[" + idx + "]" + e.pick("++", "--") + ";");
            case 2 -> line("pf[" + e.index(3) + "] += " + e.genFloat(1) + ";");
            default -> {
                List<Scope.Var> vs = scope.visible(Ty.INT, false);
                String v = vs.get(r.nextInt(vs.size())).name();
                line("sc.set(ob * 8 + (" + v + " & 7), sc.get(ob * 8 + (" + v + " & 7)) + " + e.genInt(1) + ");");
            }
        }
    }

    private void block(int nesting, boolean inLoop, boolean continueOk) {
        scope.push();
        indent++;
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n && budget > -8; i++) {
            statement(nesting, inLoop, continueOk);
        }
        indent--;
        scope.pop();
    }

    private void ifElse(int nesting, boolean inLoop, boolean continueOk) {
        line("if (" + e.genBool(2) + ") {");
        block(nesting + 1, inLoop, continueOk);
        if (r.nextBoolean()) {
            line("} else {");
            block(nesting + 1, inLoop, continueOk);
        }
        line("}");
    }

    private void forLoop(int nesting) {
        scope.push();
        Ty kt = r.nextInt(4) == 0 ? Ty.LONG : Ty.INT;
        String k = scope.declare("k", kt, false).name();
        String bound = r.nextBoolean() ? Integer.toString(r.nextInt(1, 8)) : e.index(7);
        line("for (" + kt.java + " " + k + " = 0; " + k + " < " + bound + "; " + k + "++) {");
        block(nesting + 1, true, true);
        line("}");
        scope.pop();
    }

    /** {@code while (true)} left only by break: the counter check is the last statement of the body. */
    private void whileTrue(int nesting) {
        line("{");
        indent++;
        scope.push();
        String w = scope.declare("w", Ty.INT, false).name();
        line("int " + w + " = 0;");
        line("while (true) {");
        block(nesting + 1, true, false);
        line("    if (++" + w + " >= " + r.nextInt(1, 5) + ") break;");
        line("}");
        scope.pop();
        indent--;
        line("}");
    }

    /** Two nested for loops; the inner one continues or breaks the outer one by its label. */
    private void labelledLoops(int nesting) {
        scope.push();
        String label = "outer" + labels++;
        String k = scope.declare("k", Ty.INT, false).name();
        line(label + ":");
        line("for (int " + k + " = 0; " + k + " < " + r.nextInt(1, 5) + "; " + k + "++) {");
        indent++;
        scope.push();
        String k2 = scope.declare("k", Ty.INT, false).name();
        line("for (int " + k2 + " = 0; " + k2 + " < " + e.index(3) + " + 1; " + k2 + "++) {");
        block(nesting + 2, true, true);
        line("    if (" + e.genBool(1) + ") " + e.pick("continue ", "break ") + label + ";");
        block(nesting + 2, true, true);
        line("}");
        scope.pop();
        indent--;
        line("}");
        scope.pop();
    }

    private void whileLoop(int nesting) {
        line("{");
        indent++;
        scope.push();
        String w = scope.declare("w", Ty.INT, false).name();
        line("int " + w + " = 0;");
        line("while (" + w + " < " + r.nextInt(1, 5) + " && " + e.genBool(1) + ") {");
        block(nesting + 1, true, false);
        line("    " + w + "++;");
        line("}");
        scope.pop();
        indent--;
        line("}");
    }

    private void doWhile(int nesting) {
        line("{");
        indent++;
        scope.push();
        String w = scope.declare("w", Ty.INT, false).name();
        line("int " + w + " = 0;");
        line("do {");
        block(nesting + 1, true, false);
        line("    " + w + "++;");
        line("} while (" + w + " < 1 + " + e.index(3) + ");");
        scope.pop();
        indent--;
        line("}");
    }

    private void switchDense(int nesting, boolean inLoop, boolean continueOk) {
        line("switch (" + e.index(7) + ") {");
        caseArms(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, nesting, inLoop, continueOk);
        line("}");
    }

    private void switchSparse(int nesting, boolean inLoop, boolean continueOk) {
        String sel = r.nextBoolean() ? "(" + e.index(3) + " * 1000 - 1000)" : "(0 + " + e.genInt(1) + ")";
        line("switch (" + sel + ") {");
        caseArms(new int[] {Integer.MIN_VALUE, -1000, -1, 0, 1, 1000, 2000, 65536, Integer.MAX_VALUE}, nesting, inLoop, continueOk);
        line("}");
    }

    /** A few of {@code labels} in order, some falling through, and maybe a default. */
    private void caseArms(int[] labels, int nesting, boolean inLoop, boolean continueOk) {
        for (int label : labels) {
            if (r.nextInt(3) != 0) {
                continue;
            }
            line("case " + (label < 0 ? "(" + label + ")" : label) + ": {");
            block(nesting + 1, inLoop, continueOk);
            line("}");
            if (r.nextInt(4) != 0) {
                line("break;");
            }
        }
        if (r.nextBoolean()) {
            line("default: {");
            block(nesting + 1, inLoop, continueOk);
            line("}");
        }
    }

    /** Writes results: exact slots from any expression, approximate slots from one transcendental call each. */
    private void outputs(List<String> approx, List<Integer> approxUlps) {
        line("oi.set(ob * " + OI + " + 0, " + e.genInt(3) + ");");
        line("oi.set(ob * " + OI + " + 1, " + e.genInt(3) + ");");
        line("oi.set(ob * " + OI + " + 2, sc.get(ob * 8 + " + e.index(7) + ") ^ pa[" + e.index(7) + "]);");
        line("oi.set(ob * " + OI + " + 3, " + checksum(Ty.INT) + ");");
        line("ol.set(ob * " + OL + " + 0, " + e.genLong(3) + ");");
        line("ol.set(ob * " + OL + " + 1, " + checksum(Ty.LONG) + ");");
        line("of.set(ob * " + OF + " + 0, " + e.genFloat(3) + ");");
        line("of.set(ob * " + OF + " + 1, " + checksum(Ty.FLOAT) + " + pf[" + e.index(3) + "]);");
        line("od.set(ob * " + OD + " + 0, " + e.genDouble(3) + ");");
        line("od.set(ob * " + OD + " + 1, " + checksum(Ty.DOUBLE) + ");");
        for (int s = 0; s < AF; s++) {
            ApproxCall c = ApproxCall.pickFloat(r, e.genFloat(2), e.genFloat(1));
            line("af.set(ob * " + AF + " + " + s + ", " + c.source() + ");");
            approx.add(c.name());
            approxUlps.add(c.ulps());
        }
        for (int s = 0; s < AD; s++) {
            ApproxCall c = ApproxCall.pickDouble(r, e.genDouble(2), e.genDouble(1));
            line("ad.set(ob * " + AD + " + " + s + ", " + c.source() + ");");
            approx.add(c.name());
            approxUlps.add(c.ulps());
        }
    }

    /** Every visible local of type t folded together, so that each one's value reaches an output. */
    private String checksum(Ty t) {
        List<Scope.Var> vs = scope.visible(t, false);
        String zero = switch (t) {
            case INT -> "0";
            case LONG -> "0L";
            case FLOAT -> "0f";
            default -> "0.0";
        };
        StringBuilder sb = new StringBuilder("(" + zero);
        for (Scope.Var v : vs) {
            sb.append(t.isFloating() ? " + " : " * 31 ^ ").append(v.name());
        }
        if (t == Ty.INT) {
            for (Scope.Var b : scope.visible(Ty.BOOL, false)) {
                sb.append(" * 31 ^ (").append(b.name()).append(" ? 1 : 0)");
            }
        }
        return sb.append(")").toString();
    }

    private void line(String s) {
        out.append("    ".repeat(indent + 1)).append(s).append('\n');
    }
}
