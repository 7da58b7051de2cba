package io.jmamba.runtime.conformance;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.Parallel;

import java.util.List;

/** Branches and loops: nesting, break/continue (labelled too), early return, ternaries, switches, do-while. */
public final class ControlFlowKernels {
    static final int N = 64;

    private ControlFlowKernels() {
    }

    public static void nestedLoops(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int acc = 0;
            int lim = a.get(i) & 7;
            for (int j = 0; j < lim; j++) {
                for (int k = j; k < 6; k++) {
                    acc += j * 10 + k;
                }
                for (int k = 3; k > 0; k--) {
                    acc ^= k << j;
                }
            }
            out.set(i, acc);
        }
    }

    public static void breakContinue(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int v = a.get(i);
            int acc = 0;
            for (int j = 0; j < 32; j++) {
                if (((v >>> j) & 3) == 3) {
                    continue;
                }
                if (acc > 200) {
                    break;
                }
                acc += j;
            }
            out.set(i, acc);
        }
    }

    public static void labelledBreak(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int v = a.get(i);
            int found = -1;
            outer:
            for (int r = 0; r < 8; r++) {
                for (int c = 0; c < 8; c++) {
                    if (((r * 8 + c) ^ v) % 13 == 0) {
                        found = r * 8 + c;
                        break outer;
                    }
                    if (c > r) {
                        continue outer;
                    }
                }
            }
            out.set(i, found);
        }
    }

    /** The kernel returns before its loop when there is nothing to do. */
    public static void earlyReturn(IntArray a, IntArray out, int n, int skip) {
        if (skip != 0) {
            return;
        }
        for (@Parallel int i = 0; i < n; i++) {
            out.set(i, a.get(i) + 1);
        }
    }

    public static void ternaries(IntArray a, FloatArray f, IntArray out, FloatArray fout, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = a.get(i);
            float y = f.get(i);
            int t = x > 0 ? (x % 3 == 0 ? 3 : x % 3 == 1 ? 1 : 2) : x < 0 ? -1 : 0;
            out.set(i, t + (x > 100 && y > 0f ? 1000 : 0) + (x < -100 || y != y ? 10000 : 0));
            fout.set(i, y > 1f ? y : y < -1f ? -y : x > 0 ? 0.5f : -0.5f);
        }
    }

    /** A dense switch (javac: tableswitch) with fall-through. */
    public static void switchDense(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int v = a.get(i);
            int r = 0;
            switch (v & 7) {
                case 0:
                    r = 10;
                    break;
                case 1:
                    r = 11;
                case 2:
                    r += 12;
                    break;
                case 3:
                case 4:
                    r = 34;
                    break;
                case 6:
                    r = -6;
                    break;
                default:
                    r = 99;
            }
            out.set(i, r);
        }
    }

    /** A sparse switch (javac: lookupswitch) including negative and extreme labels. */
    public static void switchSparse(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int v = a.get(i);
            int r;
            switch (v) {
                case Integer.MIN_VALUE -> r = 1;
                case -1000 -> r = 2;
                case -1 -> r = 3;
                case 0 -> r = 4;
                case 7 -> r = 5;
                case 1000 -> r = 6;
                case 100000 -> r = 7;
                case Integer.MAX_VALUE -> r = 8;
                default -> r = v & 0xff;
            }
            out.set(i, r);
        }
    }

    /** do-while runs its body at least once; Collatz steps bounded by a counter. */
    public static void doWhile(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int x = (a.get(i) & 0xffff) + 1;
            int steps = 0;
            do {
                x = (x & 1) == 0 ? x >> 1 : 3 * x + 1;
                steps++;
            } while (x != 1 && steps < 300);
            out.set(i, steps * 100000 + x);
        }
    }

    /** while with short-circuit && / || conditions whose second operand must not always run. */
    public static void shortCircuitWhile(IntArray a, IntArray out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            int v = a.get(i);
            int k = 0;
            int sideEffects = 0;
            while (k < 20 && (v > 0 || ++sideEffects < 5)) {
                v -= 7;
                k++;
            }
            boolean p = (v & 1) == 0 && (sideEffects++ > 2);
            out.set(i, k * 1000 + sideEffects * 10 + (p ? 1 : 0));
        }
    }

    static List<ConformanceCase> cases() {
        ConformanceCase early = ConformanceCase.of(ControlFlowKernels.class, "earlyReturn",
                () -> new Object[] {Inputs.edgeInts(N, 84), new IntArray(N), N, 0});
        return List.of(
                ConformanceCase.of(ControlFlowKernels.class, "nestedLoops",
                        () -> new Object[] {Inputs.edgeInts(N, 81), new IntArray(N), N}),
                ConformanceCase.of(ControlFlowKernels.class, "breakContinue",
                        () -> new Object[] {Inputs.edgeInts(N, 82), new IntArray(N), N}),
                ConformanceCase.of(ControlFlowKernels.class, "labelledBreak",
                        () -> new Object[] {Inputs.edgeInts(N, 83), new IntArray(N), N}),
                early,
                early.named("skip", () -> new Object[] {Inputs.edgeInts(N, 84), new IntArray(N), N, 1}),
                ConformanceCase.of(ControlFlowKernels.class, "ternaries",
                        () -> new Object[] {Inputs.edgeInts(N, 85), Inputs.edgeFloats(N, 86), new IntArray(N), new FloatArray(N), N}),
                ConformanceCase.of(ControlFlowKernels.class, "switchDense",
                        () -> new Object[] {Inputs.edgeInts(N, 87), new IntArray(N), N}),
                ConformanceCase.of(ControlFlowKernels.class, "switchSparse",
                        () -> new Object[] {sparseLabels(N, 88), new IntArray(N), N}),
                ConformanceCase.of(ControlFlowKernels.class, "doWhile",
                        () -> new Object[] {Inputs.edgeInts(N, 89), new IntArray(N), N}),
                ConformanceCase.of(ControlFlowKernels.class, "shortCircuitWhile",
                        () -> new Object[] {Inputs.ints(N, 90, -20, 200), new IntArray(N), N}));
    }

    /** Values that hit every label of switchSparse, then random ones that hit the default. */
    private static IntArray sparseLabels(int n, long seed) {
        IntArray a = Inputs.edgeInts(n, seed);
        int[] labels = {Integer.MIN_VALUE, -1000, -1, 0, 7, 1000, 100000, Integer.MAX_VALUE, 8, 999};
        for (int i = 0; i < labels.length; i++) {
            a.set(n - 1 - i, labels[i]);
        }
        return a;
    }
}
