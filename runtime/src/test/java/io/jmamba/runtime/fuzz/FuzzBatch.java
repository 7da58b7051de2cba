package io.jmamba.runtime.fuzz;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.jmamba.runtime.fuzz.ProgramGenerator.AD;
import static io.jmamba.runtime.fuzz.ProgramGenerator.AF;
import static io.jmamba.runtime.fuzz.ProgramGenerator.OD;
import static io.jmamba.runtime.fuzz.ProgramGenerator.OF;
import static io.jmamba.runtime.fuzz.ProgramGenerator.OI;
import static io.jmamba.runtime.fuzz.ProgramGenerator.OL;
import static io.jmamba.runtime.fuzz.ProgramGenerator.SC;

/**
 * A batch of generated programs compiled into one class, with the inputs they run on, and the
 * comparison of two runs program by program. Inputs depend only on the run seed, and each program
 * only on (run seed, its index), so one program run alone reproduces what it did in its batch.
 */
final class FuzzBatch {
    /** Work-items per launch: each program runs once per work-item, on different inputs. */
    static final int WORK_ITEMS = 32;

    final long runSeed;
    final List<FuzzProgram> programs;
    final String className;
    final String source;
    /** How {@code run} spreads the work-items (see {@link BatchSource#of}). */
    final LoopForm form;
    private final int first;
    private final int count;
    private Method kernel;

    FuzzBatch(long runSeed, int first, int count, LoopForm form) {
        this.form = form;
        this.first = first;
        this.count = count;
        this.runSeed = runSeed;
        List<FuzzProgram> ps = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            ps.add(ProgramGenerator.generate(runSeed, i));
        }
        this.programs = List.copyOf(ps);
        String simple = BatchSource.className(runSeed, first) + "_" + count + "_" + form.flag;
        this.className = BatchSource.PACKAGE + "." + simple;
        this.source = BatchSource.of(simple, programs, form);
    }

    synchronized Method kernel() {
        if (kernel == null) {
            Class<?> c = InMemoryJavac.compileAndLoad(className, source);
            for (Method m : c.getDeclaredMethods()) {
                if (m.getName().equals("run")) {
                    kernel = m;
                }
            }
        }
        return kernel;
    }

    /** Fresh arguments for {@code run}: inputs from the run seed, zeroed outputs. */
    Object[] arguments() {
        SplittableRandom r = new SplittableRandom(runSeed ^ 0x5EEDL);
        int p = programs.size();
        IntArray ii = new IntArray(64);
        LongArray il = new LongArray(64);
        FloatArray fi = new FloatArray(64);
        DoubleArray di = new DoubleArray(64);
        int[] intEdges = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 31, 32, 65536};
        long[] longEdges = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 63, 64, 1L << 32};
        for (int i = 0; i < 64; i++) {
            ii.set(i, i < intEdges.length ? intEdges[i] : r.nextInt(4) == 0 ? r.nextInt(-100, 100) : r.nextInt());
            il.set(i, i < longEdges.length ? longEdges[i] : r.nextInt(4) == 0 ? r.nextLong(-100, 100) : r.nextLong());
            // multiples of 1/16: exact in float, no denormals anywhere near
            fi.set(i, i % 9 == 0 ? 0f : r.nextInt(-1024, 1025) / 16f);
            di.set(i, i % 11 == 0 ? 0.0 : r.nextInt(-4096, 4097) / 16.0);
        }
        long slots = (long) p * WORK_ITEMS;
        Object[] common = {ii, il, fi, di,
                new IntArray(slots * OI), new LongArray(slots * OL), new FloatArray(slots * OF), new DoubleArray(slots * OD),
                new FloatArray(slots * AF), new DoubleArray(slots * AD), new IntArray(slots * SC),
                r.nextInt(-1000, 1000), r.nextLong(), r.nextInt(-512, 512) / 8f, r.nextInt(-512, 512) / 8.0};
        List<Object> all = new ArrayList<>();
        if (form == LoopForm.CONTEXT) {
            all.add(new KernelContext());
        }
        all.addAll(List.of(common));
        switch (form) {
            case ONE_D -> all.add(WORK_ITEMS);
            case TWO_D -> all.addAll(List.of(4, WORK_ITEMS / 4));
            default -> {
            }
        }
        return all.toArray();
    }

    /** Runs the batch on {@code device} through a task graph and an execution plan; returns the arguments afterwards. */
    Object[] runOn(ComputeDevice device) {
        Object[] args = arguments();
        List<Object> arrays = new ArrayList<>();
        for (Object a : args) {
            if (a instanceof NativeArray) {
                arrays.add(a);
            }
        }
        TaskGraph g = new TaskGraph("fuzz")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, arrays.toArray())
                .task("run", kernel().getDeclaringClass(), "run", args)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, arrays.toArray());
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(device);
            if (form == LoopForm.CONTEXT) {
                plan.withGridScheduler(new GridScheduler("fuzz.run", new WorkerGrid1D(WORK_ITEMS).setLocalWork(LoopForm.GROUP)));
            }
            plan.execute();
        }
        return args;
    }

    /**
     * Calls {@code run} as a plain Java method. A KernelContext kernel cannot be called so: its
     * reference is the one-loop twin of the batch called directly, with the neighbour mixing done on the host.
     */
    Object[] runDirectly() {
        if (form == LoopForm.CONTEXT) {
            Object[] twin = new FuzzBatch(runSeed, first, count, LoopForm.ONE_D).runDirectly();
            mixNeighbours(arrays(twin));
            return twin;
        }
        Object[] args = arguments();
        try {
            kernel().invoke(null, args);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("generated program threw in Java (a generator bug)", e.getCause());
        }
        return args;
    }

    /** The generated source of {@code run} for {@code device}, or why there is none. */
    String generatedSource(ComputeDevice device) {
        try (ExecutionPlan plan = new ExecutionPlan(new TaskGraph("fuzz").task("run", kernel().getDeclaringClass(), "run", arguments()).snapshot())) {
            return plan.withDevice(device).generatedSource("fuzz.run");
        } catch (RuntimeException e) {
            return "(no generated source: " + e + ")";
        }
    }

    /** What {@link BatchSource}'s context form does after each program, done on the host. */
    private void mixNeighbours(List<NativeArray> a) {
        IntArray oi = (IntArray) a.get(4);
        FloatArray of = (FloatArray) a.get(6);
        for (int k = 0; k < programs.size(); k++) {
            for (int g = 0; g < WORK_ITEMS; g++) {
                int neighbour = g - g % LoopForm.GROUP + (g % LoopForm.GROUP + 1) % LoopForm.GROUP;
                long mine = (long) k * WORK_ITEMS + g;
                long theirs = (long) k * WORK_ITEMS + neighbour;
                oi.set(mine * OI + 3, oi.get(mine * OI + 3) ^ oi.get(theirs * OI));
                of.set(mine * OF + 1, of.get(mine * OF + 1) + of.get(theirs * OF));
            }
        }
    }

    /** The off-heap arrays among a run's arguments, in order: ii, il, fi, di, oi, ol, of, od, af, ad, sc. */
    static List<NativeArray> arrays(Object[] args) {
        List<NativeArray> out = new ArrayList<>();
        for (Object a : args) {
            if (a instanceof NativeArray n) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * Compares program {@code pos} of this batch between a reference run and another run: exact for
     * every slot except the approximate ones, which get their function's ulp bound. Returns null when
     * they agree, else the differences.
     */
    String compare(int pos, Object[] refArgs, Object[] actArgs) {
        FuzzProgram prog = programs.get(pos);
        Object[] ref = arrays(refArgs).toArray();
        Object[] act = arrays(actArgs).toArray();
        StringBuilder diff = new StringBuilder();
        for (int g = 0; g < WORK_ITEMS; g++) {
            long slot = (long) pos * WORK_ITEMS + g;
            ints(diff, "oi", (IntArray) ref[4], (IntArray) act[4], slot * OI, OI, g);
            longs(diff, "ol", (LongArray) ref[5], (LongArray) act[5], slot * OL, OL, g);
            floats(diff, "of", (FloatArray) ref[6], (FloatArray) act[6], slot * OF, OF, g, null);
            doubles(diff, "od", (DoubleArray) ref[7], (DoubleArray) act[7], slot * OD, OD, g, null, 0);
            floats(diff, "af", (FloatArray) ref[8], (FloatArray) act[8], slot * AF, AF, g, prog);
            doubles(diff, "ad", (DoubleArray) ref[9], (DoubleArray) act[9], slot * AD, AD, g, prog, AF);
            ints(diff, "sc", (IntArray) ref[10], (IntArray) act[10], slot * SC, SC, g);
        }
        return diff.isEmpty() ? null : diff.toString();
    }

    private static void ints(StringBuilder d, String name, IntArray ref, IntArray act, long base, int n, int g) {
        for (int s = 0; s < n; s++) {
            if (ref.get(base + s) != act.get(base + s)) {
                d.append(String.format("  work-item %d %s slot %d: expected %d got %d%n", g, name, s, ref.get(base + s), act.get(base + s)));
            }
        }
    }

    private static void longs(StringBuilder d, String name, LongArray ref, LongArray act, long base, int n, int g) {
        for (int s = 0; s < n; s++) {
            if (ref.get(base + s) != act.get(base + s)) {
                d.append(String.format("  work-item %d %s slot %d: expected %d got %d%n", g, name, s, ref.get(base + s), act.get(base + s)));
            }
        }
    }

    private static void floats(StringBuilder d, String name, FloatArray ref, FloatArray act, long base, int n, int g, FuzzProgram approx) {
        for (int s = 0; s < n; s++) {
            float e = ref.get(base + s);
            float a = act.get(base + s);
            int ulps = approx == null ? 0 : approx.approxUlps()[s];
            if (!io.jmamba.runtime.conformance.FloatUlps.within(e, a, ulps)) {
                d.append(String.format("  work-item %d %s slot %d%s: expected %s (%08x) got %s (%08x), %d ulp > %d%n", g, name, s,
                        approx == null ? "" : " (" + approx.approx().get(s) + ")", e, Float.floatToRawIntBits(e), a,
                        Float.floatToRawIntBits(a), io.jmamba.runtime.conformance.FloatUlps.distance(e, a), ulps));
            }
        }
    }

    private static void doubles(StringBuilder d, String name, DoubleArray ref, DoubleArray act, long base, int n, int g,
                                FuzzProgram approx, int approxOffset) {
        for (int s = 0; s < n; s++) {
            double e = ref.get(base + s);
            double a = act.get(base + s);
            int ulps = approx == null ? 0 : approx.approxUlps()[approxOffset + s];
            if (!io.jmamba.runtime.conformance.FloatUlps.within(e, a, ulps)) {
                d.append(String.format("  work-item %d %s slot %d%s: expected %s (%016x) got %s (%016x), %d ulp > %d%n", g, name, s,
                        approx == null ? "" : " (" + approx.approx().get(approxOffset + s) + ")", e, Double.doubleToRawLongBits(e), a,
                        Double.doubleToRawLongBits(a), io.jmamba.runtime.conformance.FloatUlps.distance(e, a), ulps));
            }
        }
    }
}
