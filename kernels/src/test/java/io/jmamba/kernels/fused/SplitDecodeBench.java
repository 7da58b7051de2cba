package io.jmamba.kernels.fused;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.Devices;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the split decode layer's time goes on CUDA: 24-layer batch-1 steps of 130M layers (distinct weights)
 * replayed from a CUDA graph, wall time per step, for one trivial kernel (what a step costs besides its kernels), the fused kernels (three launches per layer), the persistent
 * phases (three), the split layer (two) with 1, 4 and 8 copies of its partial sums, and the split layer's launch 1
 * alone and launch 2 alone (24 of each: which one the chain waits on). The forms run in three interleaved rounds
 * (clocks drift between processes and minutes). Prints, and writes to {@code -Djmamba.bench.out=FILE} when given;
 * checks that every form left a finite hidden row.
 */
@Tag("gpu")
class SplitDecodeBench {
    private static final int LAYERS = 24;
    private static final int WARM = 5;
    private static final int REPS = 200;

    @Test
    void stepTimes() throws Exception {
        List<ComputeDevice> cuda = Devices.backend("cuda").map(b -> b.devices()).orElse(List.of());
        Assumptions.assumeFalse(cuda.isEmpty(), "no CUDA device: the split decode bench times CUDA graphs");
        ComputeDevice d = cuda.getFirst();
        StringBuilder report = new StringBuilder("device " + d.id() + " (" + d.name() + "), " + LAYERS
                + " layers of the 130M shapes at batch 1, CUDA graph per step, mean of " + REPS + " after " + WARM + "\n");
        List<PersistentLayerCase> base = new ArrayList<>();
        PersistentLayerCase first = PersistentDecodeTest.m130();
        base.add(first);
        for (int i = 1; i < LAYERS; i++) {
            base.add(first.secondLayer(i));
        }
        String[] forms = {"empty", "fused", "phases", "split1", "split4", "split8", "splitA", "splitB"};
        for (int round = 0; round < 3; round++) {
            for (String form : forms) {
                List<PersistentLayerCase> cases = new ArrayList<>();
                for (PersistentLayerCase c : base) {
                    cases.add(c.copy());
                }
                double ms = stepMillis(d, cases, form);
                report.append(String.format(Locale.ROOT, "round %d  %-7s %8.4f ms per step, %7.2f us per layer%n", round, form, ms,
                        ms * 1e3 / LAYERS));
                assertTrue(Float.isFinite(cases.getFirst().hidden.get(0)), form + ": a finite hidden row");
            }
        }
        System.out.print(report);
        String file = System.getProperty("jmamba.bench.out");
        if (file != null) {
            java.nio.file.Files.writeString(java.nio.file.Path.of(file), report);
        }
    }

    /**
     * With {@code -Djmamba.decode.splitTrace=true} (stamps compiled into the split kernels): one 24-layer step's timeline
     * from the work-groups' {@link io.jmamba.runtime.api.KernelContext#globalTimer()} stamps (the last of the timed
     * steps), in microseconds from the first work-group's start: per launch the first and last start, the first and last
     * return from the wait, the last end; then per layer what each launch took after its wait and the gaps between a
     * launch's end and the next one's release.
     */
    @Test
    void timeline() throws Exception {
        Assumptions.assumeTrue(SplitDecodeKernels.TRACE, "the timeline needs -Djmamba.decode.splitTrace=true");
        List<ComputeDevice> cuda = Devices.backend("cuda").map(b -> b.devices()).orElse(List.of());
        Assumptions.assumeFalse(cuda.isEmpty(), "no CUDA device: the timeline reads CUDA's %globaltimer");
        ComputeDevice d = cuda.getFirst();
        List<PersistentLayerCase> cases = new ArrayList<>();
        PersistentLayerCase first = PersistentDecodeTest.m130();
        cases.add(first);
        for (int i = 1; i < LAYERS; i++) {
            cases.add(first.secondLayer(i));
        }
        LongArray trace = new LongArray(3L * 2 * LAYERS * SplitDecode.TRACE_SLOTS);
        double ms = stepMillis(d, cases, "split4", trace);
        int groupsA = SplitDecodeKernels.inProjBlocks(first.s.inRows()) * first.s.batch();
        int groupsB = SplitDecodeKernels.ssmUnits(first.s.batch(), first.s.heads(), first.s.headdim(),
                SplitDecode.lanes(first.s, first.dModel, first.groupSize));
        StringBuilder r = new StringBuilder(String.format(Locale.ROOT,
                "split decode timeline, %d layers at batch 1 (%d + %d work-groups per layer), step %.4f ms (mean)%n"
                        + "launch   start first/last   released first/last   end last   (us from the first start)%n",
                LAYERS, groupsA, groupsB, ms));
        long t00 = Long.MAX_VALUE;
        for (int g = 0; g < groupsA; g++) {
            t00 = Math.min(t00, trace.get(3L * g));
        }
        assertTrue(t00 > 0, "the first launch stamped its start");
        double[][] span = new double[2 * LAYERS][];
        for (int k = 0; k < 2 * LAYERS; k++) {
            int groups = k % 2 == 0 ? groupsA : groupsB;
            long s0 = Long.MAX_VALUE, s1 = 0, w0 = Long.MAX_VALUE, w1 = 0, e1 = 0;
            for (int g = 0; g < groups; g++) {
                long at = 3L * ((long) k * SplitDecode.TRACE_SLOTS + g);
                long st = trace.get(at), wt = trace.get(at + 1), en = trace.get(at + 2);
                assertTrue(st > 0 && wt >= st && en >= wt, "launch " + k + " group " + g + ": " + st + " " + wt + " " + en);
                s0 = Math.min(s0, st);
                s1 = Math.max(s1, st);
                w0 = Math.min(w0, wt);
                w1 = Math.max(w1, wt);
                e1 = Math.max(e1, en);
            }
            span[k] = new double[] {(s0 - t00) / 1e3, (s1 - t00) / 1e3, (w0 - t00) / 1e3, (w1 - t00) / 1e3, (e1 - t00) / 1e3};
            r.append(String.format(Locale.ROOT, "l%02d %s   %8.2f %8.2f   %8.2f %8.2f   %8.2f%n", k / 2, k % 2 == 0 ? "A" : "B",
                    span[k][0], span[k][1], span[k][2], span[k][3], span[k][4]));
        }
        double aWork = 0, bWork = 0, aToB = 0, bToA = 0, aPre = 0, bPre = 0;
        int n = 0;
        for (int l = 1; l < LAYERS - 1; l++) {
            double[] a = span[2 * l], b = span[2 * l + 1], next = span[2 * l + 2];
            aWork += a[4] - a[2];
            bWork += b[4] - b[2];
            aToB += b[2] - a[4];
            bToA += next[2] - b[4];
            aPre += a[2] - a[1];
            bPre += b[2] - b[1];
            n++;
        }
        r.append(String.format(Locale.ROOT, "layers 1-%d, mean us: A released->end %.2f, A end->B released %.2f, B released->end %.2f,"
                + " B end->next A released %.2f; last start->release: A %.2f, B %.2f%n", LAYERS - 2, aWork / n, aToB / n, bWork / n,
                bToA / n, aPre / n, bPre / n));
        System.out.print(r);
        String file = System.getProperty("jmamba.bench.out");
        if (file != null) {
            java.nio.file.Files.writeString(java.nio.file.Path.of(file.replace(".txt", "-timeline.txt")), r);
        }
    }

    /** The "empty" form's one kernel: what a step costs beside its kernels (graph launch, sync, host loop). */
    public static void touch(io.jmamba.runtime.api.KernelContext ctx, FloatArray a) {
        if (ctx.globalIdx == 0) {
            a.set(0, a.get(0) + 1f);
        }
    }

    private static double stepMillis(ComputeDevice d, List<PersistentLayerCase> cases, String form) {
        return stepMillis(d, cases, form, null);
    }

    /** As above; {@code trace} not null: the split launches stamp their work-groups there (with tracing compiled in). */
    private static double stepMillis(ComputeDevice d, List<PersistentLayerCase> cases, String form, LongArray trace) {
        if (form.equals("empty")) {
            FloatArray a = new FloatArray(1);
            TaskGraph g = new TaskGraph("step_empty");
            g.transferToDevice(DataTransferMode.FIRST_EXECUTION, a);
            g.task("touch", SplitDecodeBench::touch, new io.jmamba.runtime.api.KernelContext(), a);
            GridScheduler grids = new GridScheduler();
            grids.addWorkerGrid("step_empty.touch", new io.jmamba.runtime.api.WorkerGrid1D(32).setLocalWork(32));
            return time(d, g, grids, cases.getFirst(), null);
        }
        PersistentLayerCase one = cases.getFirst();
        FloatArray[] residual = {one.residualIn, one.residualOut};
        List<Object> in = new ArrayList<>();
        for (PersistentLayerCase c : cases) {
            for (NativeArray a : c.inputs()) {
                if (a != null && (c == one || a != c.hidden && a != c.residualIn)) {
                    in.add(a);
                }
            }
        }
        int copies = form.startsWith("split") && Character.isDigit(form.charAt(form.length() - 1))
                ? Integer.parseInt(form.substring(5)) : 4;
        List<SplitDecode.Layer> split = new ArrayList<>();
        List<PersistentDecode.Layer> layers = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            PersistentLayerCase c = cases.get(i);
            FloatArray rin = i == 0 ? null : residual[i % 2];
            FloatArray rout = residual[(i + 1) % 2];
            layers.add(new PersistentDecode.Layer(one.hidden, rin, rout, c.normW, c.inW, c.inBias, one.zxbcdt, c.convState, c.convW,
                    c.convBias, c.ssmState, c.a, c.d, c.dtBias, one.g, c.gateW, c.outW, c.outBias, one.hidden));
            SplitDecode.Layer s = SplitDecodeTest.splitLayer(c, i == 0, rin, copies);
            split.add(new SplitDecode.Layer(s.residualIn(), rout, s.normW(), s.inW(), s.inBias(), one.zxbcdt, s.convState(),
                    s.convW(), s.convBias(), s.ssmState(), s.a(), s.d(), s.dtBias(), s.gateW(), s.outWt(), s.outBias(), s.parts(),
                    s.partSq()));
            if (form.startsWith("split")) {
                in.add(s.outWt());
            }
        }
        TaskGraph g = new TaskGraph("step_" + form);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, in.toArray());
        GridScheduler grids = new GridScheduler();
        for (int l = 0; l < layers.size(); l++) {
            PersistentDecode.Layer x = layers.get(l);
            switch (form) {
                case "fused" -> {
                    FusedGemv.addNormGemv(g, grids, "l" + l + "_in", one.s.batch(), one.dModel, one.s.inRows(), x.hidden(),
                            x.residualIn(), x.normW(), x.inW(), true, x.inBias(), x.zxbcdt(), x.residualOut(), one.eps,
                            FusedGemv.FewRowForm.STAGED);
                    Mamba2Decode.addConvSsm(g, grids, "l" + l + "_f", one.s, x.zxbcdt(), x.convState(), x.convW(), x.convBias(),
                            x.ssmState(), x.a(), x.d(), x.dtBias(), x.g(), true);
                    FusedGemv.addGatedNormGemv(g, grids, "l" + l + "_out", one.s, one.dModel, x.g(), x.zxbcdt(), x.gateW(), x.outW(),
                            true, x.outBias(), x.out(), x.convState(), one.groupSize, one.eps, false, true, FusedGemv.FewRowForm.STAGED);
                }
                case "phases" -> PersistentDecode.addTo(g, grids, "l" + l, one.s, one.dModel, x, one.groupSize, one.eps,
                        PersistentDecode.Form.PHASES, 1, null);
                default -> {
                    SplitDecode.Layer s = split.get(l);
                    SplitDecode.Layer prev = l == 0 ? null : split.get(l - 1);
                    int launches = form.equals("splitA") ? 1 : form.equals("splitB") ? 2 : 3;
                    SplitDecode.addLaunches(g, grids, "l" + l, one.s, one.dModel, s, prev == null ? one.hidden : null, null, prev,
                            one.groupSize, one.eps, launches, trace, 2 * l * SplitDecode.TRACE_SLOTS);
                }
            }
        }
        if (form.startsWith("split") && !form.equals("splitB")) {
            SplitDecode.addCombine(g, grids, "l" + (LAYERS - 1), one.s, one.dModel, split.getLast(), one.groupSize, one.eps,
                    one.hidden);
        }
        return time(d, g, grids, one, trace);
    }

    /** Wall time per execution of {@code g} replayed from a CUDA graph (mean of {@link #REPS} after {@link #WARM}). */
    private static double time(ComputeDevice d, TaskGraph g, GridScheduler grids, PersistentLayerCase one, LongArray trace) {
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(d).withGridScheduler(grids).withCudaGraph(true);
            for (int i = 0; i < WARM; i++) {
                plan.execute();
            }
            long t0 = System.nanoTime();
            io.jmamba.runtime.api.ExecutionResult last = null;
            for (int i = 0; i < REPS; i++) {
                last = plan.execute();
            }
            double ms = (System.nanoTime() - t0) / 1e6 / REPS;
            if (g.getName().equals("step_empty")) {
                return ms;
            }
            last.transferToHost(one.hidden);
            if (trace != null) {
                last.transferToHost(trace);
            }
            return ms;
        }
    }
}
