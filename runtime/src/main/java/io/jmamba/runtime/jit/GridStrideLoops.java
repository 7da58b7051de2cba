package io.jmamba.runtime.jit;

import java.lang.classfile.Instruction;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.IncrementInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The {@code @Parallel} loops of a kernel entry and their rewrite to grid-stride loops: the counter's
 * initial store becomes {@code init + step * globalId(dim)} and its {@code iinc} becomes
 * {@code += step * globalSize(dim)}, which is right for any grid size. The outermost loop is dimension
 * 0, a loop nested in it dimension 1, then 2 (nesting comes from the variables' live ranges). The
 * loop's exit test, seen during translation, gives the bound the runtime sizes the grid from.
 */
final class GridStrideLoops {
    /** One loop: where its counter is initialised and stepped, its dimension and bound. */
    private static final class Loop {
        final int slot;
        final int start;
        final int end;
        final int initStoreBci;
        final int incrementBci;
        final int step;
        int dim;
        ParallelLoop.Bound bound;

        Loop(int slot, int start, int end, int initStoreBci, int incrementBci, int step) {
            this.slot = slot;
            this.start = start;
            this.end = end;
            this.initStoreBci = initStoreBci;
            this.incrementBci = incrementBci;
            this.step = step;
        }
    }

    private final List<Loop> loops = new ArrayList<>();

    /** Finds the loops of {@code mc}; a {@code @Parallel} variable that is no up-counting int counter is rejected. */
    GridStrideLoops(MethodCode mc, Translator tr) {
        for (MethodCode.ParallelVar pv : mc.parallelVars) {
            int startIdx = mc.indexAt(pv.start());
            Instruction init = startIdx > 0 ? mc.instructions.get(startIdx - 1) : null;
            if (!(init instanceof StoreInstruction s) || s.slot() != pv.slot() || s.typeKind() != TypeKind.INT) {
                throw tr.reject(pv.start(), "@Parallel variable in slot " + pv.slot()
                        + " is not an int loop counter initialised where it is declared");
            }
            int incBci = -1;
            int step = 0;
            for (int i = startIdx; i < mc.instructions.size() && mc.offsets.get(i) < pv.end(); i++) {
                if (mc.instructions.get(i) instanceof IncrementInstruction inc && inc.slot() == pv.slot()) {
                    incBci = mc.offsets.get(i);
                    step = inc.constant();
                }
            }
            if (incBci < 0 || step <= 0) {
                throw tr.reject(pv.start(), "@Parallel loop counter in slot " + pv.slot()
                        + " must be stepped by a positive constant (i++ or i += c)");
            }
            loops.add(new Loop(pv.slot(), pv.start(), pv.end(), mc.offsets.get(startIdx - 1), incBci, step));
        }
        for (Loop p : loops) {
            for (Loop o : loops) {
                if (o != p && o.start <= p.start && o.end >= p.end && (o.start != p.start || o.end != p.end)) {
                    p.dim++;
                }
            }
            if (p.dim > 2) {
                throw tr.reject(p.start, "more than three nested @Parallel loops");
            }
        }
    }

    private Loop at(int offset, boolean init) {
        for (Loop p : loops) {
            if ((init ? p.initStoreBci : p.incrementBci) == offset) {
                return p;
            }
        }
        return null;
    }

    /** Whether {@code bci} lies in the scope of a {@code @Parallel} counter (its loop body). */
    boolean covers(int bci) {
        for (Loop l : loops) {
            if (bci >= l.start && bci < l.end) {
                return true;
            }
        }
        return false;
    }

    /** Whether the store at {@code bci} initialises a {@code @Parallel} counter. */
    boolean isInit(int bci) {
        return at(bci, true) != null;
    }

    /** The value the counter's initial store at {@code bci} stores: {@code init + step * globalId(dim)}. */
    Expr initValue(int bci, Expr init) {
        Loop p = at(bci, true);
        Expr gid = new Expr.Intrinsic("par.gid", Kind.I, List.of(new Expr.Const(Kind.I, p.dim)));
        Expr offset = p.step == 1 ? gid : new Expr.Bin("mul", Kind.I, new Expr.Const(Kind.I, p.step), gid);
        Number c = init.constValue();
        return c != null && c.intValue() == 0 ? offset : new Expr.Bin("add", Kind.I, init, offset);
    }

    /** For the counter's {@code iinc} at {@code bci}: {@code step * globalSize(dim)}; null for any other iinc. */
    Expr stride(int bci) {
        Loop p = at(bci, false);
        if (p == null) {
            return null;
        }
        Expr size = new Expr.Intrinsic("par.gsize", Kind.I, List.of(new Expr.Const(Kind.I, p.dim)));
        return p.step == 1 ? size : new Expr.Bin("mul", Kind.I, new Expr.Const(Kind.I, p.step), size);
    }

    /**
     * Looks at a branch condition at {@code bci}: the first test of a loop's counter inside its range is
     * its exit test, and the other side its bound.
     */
    void recordBound(Expr cond, int bci, IntFunction<Var> counterOfSlot, Function<Expr, ParallelLoop.Bound> classify) {
        if (loops.isEmpty() || !(cond instanceof Expr.Cond c)) {
            return;
        }
        Expr a = c.a();
        Expr b = c.b();
        if (a instanceof Expr.Compare cmp && b.constValue() != null && b.constValue().intValue() == 0) {
            a = cmp.a();
            b = cmp.b();
        }
        for (Loop p : loops) {
            if (p.bound != null || bci < p.start || bci >= p.end) {
                continue;
            }
            Var counter = counterOfSlot.apply(p.slot);
            // the exit test of "i < bound" is "i >= bound" (javac branches out when the loop ends); any other
            // relation (i <= n, i != n) leaves the trip count to the runtime
            if (isCounter(a, counter)) {
                p.bound = c.rel().equals("ge") ? classify.apply(b) : new ParallelLoop.Bound.Unknown();
            } else if (isCounter(b, counter)) {
                p.bound = c.rel().equals("le") ? classify.apply(a) : new ParallelLoop.Bound.Unknown();
            }
        }
    }

    private static boolean isCounter(Expr e, Var counter) {
        if (e instanceof Expr.Convert cv && cv.op().equals("i2l")) {
            e = cv.a();
        }
        return counter != null && e instanceof Expr.Reg r && r.var() == counter;
    }

    /** The loops found, with their bounds (Unknown where no exit test was recognised). */
    List<ParallelLoop> loops() {
        List<ParallelLoop> out = new ArrayList<>();
        for (Loop p : loops) {
            out.add(new ParallelLoop(p.dim, p.bound != null ? p.bound : new ParallelLoop.Bound.Unknown()));
        }
        return out;
    }
}
