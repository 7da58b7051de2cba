package io.jmamba.kernels.fused;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.ExecutionResult;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.WorkerGrid1D;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.backend.Devices;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the persistent decode layer's time goes, on CUDA (H100: one launch per layer measured slower than the three
 * fused launches with PDL, session 5). Prints, and writes to {@code -Djmamba.bench.out=FILE} when given:
 * <ol>
 *   <li>per kernel at the 130M shapes (CUDA): registers per thread (128 is the launch bounds' cap: spills likely there),
 *       calls left in the PTX (device functions NVRTC did not inline: their private arrays then live in local
 *       memory) and local-memory loads and stores in the PTX;</li>
 *   <li>grid barriers alone: a kernel of 0 and 1,000 barriers on 1, 2 and 4 work-groups of 128 per SM, us per barrier;</li>
 *   <li>the 130M layer's kernels one at a time (plan profiler, CUDA events; each launch waits for the one before, so
 *       no PDL overlap): the fused path's three, the three phase launches, and the one-launch layer running all,
 *       none (barriers only) or one of its phases;</li>
 *   <li>a 24-layer step of 130M layers (distinct weights, so nothing stays in L2) replayed from a CUDA graph, wall
 *       time per step, for the fused path, the phase launches and 1, 2 and 4 layers per launch.</li>
 * </ol>
 * It also checks what it times: after the same number of steps every form's hidden row, residuals and states equal
 * the phase launches' bit for bit (and the fused path's at the default 4 warps per group). {@code -Djmamba.bench.small=true} runs it small (odd shape, 4 layers) on a device with
 * grid barriers (the JVM here), to try it without a GPU.
 */
@Tag("gpu")
class PersistentDecodeBench {
    private static final boolean SMALL = Boolean.getBoolean("jmamba.bench.small");
    private static final int WARM = 3;
    private static final int REPS = SMALL ? 3 : 30;
    private final StringBuilder report = new StringBuilder();

    /** {@code n} grid barriers, then one store (so that the launch has an output). */
    public static void barriers(KernelContext ctx, IntArray counter, FloatArray sink, int n) {
        for (int i = 0; i < n; i++) {
            ctx.gridBarrier(counter);
        }
        if (ctx.globalIdx == 0) {
            sink.set(0, n);
        }
    }

    @Test
    void timesBarriersPhasesAndSteps() throws Exception {
        ComputeDevice d = device();
        line("device %s (%s), %d compute units, prefetch %s, %d warps per group, groups per SM %d", d.id(), d.name(),
                d.computeUnits(), PersistentDecodeKernels.PREFETCH_NEXT, PersistentDecodeKernels.WARPS,
                PersistentDecode.GROUPS_PER_CU_OVERRIDE);
        kernelStats(d);
        barrierTimes(d);
        kernelTimes(d);
        stepTimes(d);
        String text = report.toString();
        System.out.print(text);
        String file = System.getProperty("jmamba.bench.out");
        if (file != null) {
            java.nio.file.Files.writeString(java.nio.file.Path.of(file), text);
        }
    }

    private static ComputeDevice device() {
        if (SMALL) {
            return DeviceMatrix.devices().stream().filter(PersistentDecode::gridBarrierSupported).findFirst().orElseThrow();
        }
        List<ComputeDevice> cuda = Devices.backend("cuda").map(b -> b.devices()).orElse(List.of());
        Assumptions.assumeFalse(cuda.isEmpty(), () -> "no CUDA device: " + Devices.backend("cuda")
                .flatMap(b -> b.unavailableReason()).orElse("no cuda backend"));
        return cuda.getFirst();
    }

    // ---------------------------------------------------------------- 0. compiled kernels

    private void kernelStats(ComputeDevice d) {
        line("%n0. compiled kernels at the 130M shapes: registers per thread, PTX calls, PTX local loads/stores, local depot bytes");
        Map<String, Object[]> kernels = new LinkedHashMap<>();
        kernels.put("fused normGemvBf16", new Object[] {FusedGemvStagedKernels.class, "normGemvBf16", "in", 768});
        kernels.put("fused convSsm", new Object[] {Mamba2DecodeKernels.class, "convSsm", "dstate", 128, "width", 4, "lanes", 32});
        kernels.put("fused preGatedGemvBf16", new Object[] {FusedGemvStagedKernels.class, "preGatedGemvBf16", "in", 1536,
                "groupSize", 1536, "width", 4});
        kernels.put("phaseA", new Object[] {PersistentDecodeKernels.class, "phaseA", "in", 768});
        kernels.put("phaseB", new Object[] {PersistentDecodeKernels.class, "phaseB", "dstate", 128, "width", 4, "lanes", 32});
        kernels.put("phaseC", new Object[] {PersistentDecodeKernels.class, "phaseC", "in", 1536, "groupSize", 1536, "width", 4});
        Object[] layerSpec = {"dModel", 768, "dInner", 1536, "dstate", 128, "width", 4, "lanes", 32, "groupSize", 1536};
        for (String k : new String[] {"layerStep", "layerPairStep", "layerQuadStep"}) {
            Object[] e = new Object[2 + layerSpec.length + (k.equals("layerStep") ? 2 : 0)];
            e[0] = PersistentDecodeKernels.class;
            e[1] = k;
            System.arraycopy(layerSpec, 0, e, 2, layerSpec.length);
            if (k.equals("layerStep")) {
                e[e.length - 2] = "phases";
                e[e.length - 1] = PersistentDecodeKernels.ALL_PHASES;
            }
            kernels.put(k, e);
        }
        if (SMALL || !d.backendName().equals("cuda")) {
            line("  (CUDA only)");
            return;
        }
        try (io.jmamba.runtime.backend.DeviceSession session = d.openSession()) {
            for (Map.Entry<String, Object[]> e : kernels.entrySet()) {
                Object[] v = e.getValue();
                java.lang.reflect.Method m = Arrays.stream(((Class<?>) v[0]).getMethods())
                        .filter(x -> x.getName().equals(v[1])).findFirst().orElseThrow();
                Map<Integer, Object> spec = PersistentDecodeTest.spec(m, Arrays.copyOfRange(v, 2, v.length));
                io.jmamba.runtime.backend.CompiledKernel k = session.compile(new io.jmamba.runtime.backend.KernelRequest(m, spec));
                if (k instanceof io.jmamba.runtime.backend.cuda.CudaKernel ck) {
                    String ptx = ck.ptx();
                    java.util.regex.Matcher depot = java.util.regex.Pattern.compile("__local_depot\\d*\\[(\\d+)\\]").matcher(ptx);
                    long depotBytes = 0;
                    while (depot.find()) {
                        depotBytes += Long.parseLong(depot.group(1));
                    }
                    line("  %-24s %3d registers, %3d calls, %4d ld.local, %4d st.local, %6d depot bytes", e.getKey(),
                            ck.registersPerThread(), count(ptx, "call.uni") + count(ptx, "call "), count(ptx, "ld.local"),
                            count(ptx, "st.local"), depotBytes);
                }
            }
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }

    // ---------------------------------------------------------------- 1. barriers

    private void barrierTimes(ComputeDevice d) {
        line("%n1. grid barriers alone (128 items per group): kernel time with 0 and 1000 barriers, min of %d", REPS);
        int cu = SMALL ? 2 : d.computeUnits();
        int barriers = SMALL ? 10 : 1000;
        for (int perCu : new int[] {1, 2, 4}) {
            int groups = cu * perCu;
            long[] t = new long[2];
            for (int k = 0; k < 2; k++) {
                int n = k == 0 ? 0 : barriers;
                IntArray counter = new IntArray(1);
                FloatArray sink = new FloatArray(1);
                t[k] = minKernelNanos(d, "barriers", List.of(counter, sink), (g, grids) -> {
                    g.task("b", PersistentDecodeBench.class, "barriers", new KernelContext(), counter, sink, n);
                    grids.addWorkerGrid(g.getName() + ".b", new WorkerGrid1D((long) groups * 128).setLocalWork(128));
                }).get("b");
            }
            line("  %4d groups (%d per SM): %8.2f us with 0, %9.2f us with %d: %6.3f us per barrier", groups, perCu, t[0] / 1e3,
                    t[1] / 1e3, barriers, (t[1] - t[0]) / 1e3 / barriers);
        }
    }

    // ---------------------------------------------------------------- 2. one layer's kernels

    private void kernelTimes(ComputeDevice d) {
        PersistentLayerCase c = layerCase();
        int all = PersistentDecode.layerGroups(d, c.s, c.dModel);
        line("%n2. one %s layer, kernel times (profiler: launches serialised), min of %d; units A %d, B %d, C %d", c, REPS,
                PersistentDecodeKernels.inProjUnits(c.s.batch(), c.s.inRows()),
                PersistentDecodeKernels.ssmUnits(c.s.batch(), c.s.heads(), c.s.headdim(),
                        Mamba2DecodeKernels.lanes(c.s.dstate(), c.s.batch())),
                PersistentDecodeKernels.outProjUnits(c.s.batch(), c.dModel));
        PersistentLayerCase f = c.copy();
        Map<String, Long> fused = minKernelNanos(d, "fused", f.inputs(), (g, grids) -> {
            FusedGemv.addNormGemv(g, grids, "l_in", f.s.batch(), f.dModel, f.s.inRows(), f.hidden, f.residualIn, f.normW, f.inW,
                    true, f.inBias, f.zxbcdt, f.residualOut, f.eps, FusedGemv.FewRowForm.STAGED);
            Mamba2Decode.addConvSsm(g, grids, "l_f", f.s, f.zxbcdt, f.convState, f.convW, f.convBias, f.ssmState, f.a, f.d,
                    f.dtBias, f.g, true);
            FusedGemv.addGatedNormGemv(g, grids, "l_out", f.s, f.dModel, f.g, f.zxbcdt, f.gateW, f.outW, true, f.outBias, f.out,
                    f.convState, f.groupSize, f.eps, false, true, FusedGemv.FewRowForm.STAGED);
        });
        line("  fused path:    %s", us(fused));
        PersistentLayerCase p = c.copy();
        Map<String, Long> phases = minKernelNanos(d, "phases", p.inputs(), (g, grids) -> PersistentDecode.addTo(g, grids, "l",
                p.s, p.dModel, p.layer(), p.groupSize, p.eps, PersistentDecode.Form.PHASES, 1, null));
        line("  phase launches: %s", us(phases));
        String[] names = {"barriers only", "A", "B", "C", "A B C"};
        int[] masks = {0, 1, 2, 4, PersistentDecodeKernels.ALL_PHASES};
        for (int groups : new int[] {all, Math.max(1, all / 2)}) {
            StringBuilder row = new StringBuilder();
            for (int i = 0; i < masks.length; i++) {
                PersistentLayerCase l = c.copy();
                IntArray counter = new IntArray(1);
                List<NativeArray> in = new ArrayList<>(l.inputs());
                in.add(counter);
                int mask = masks[i];
                long t = minKernelNanos(d, "partial", in, (g, grids) -> PersistentDecode.addPartialLayerTo(g, grids, "l", l.s,
                        l.dModel, l.layer(), l.groupSize, l.eps, groups, counter, mask)).get("l_layer");
                row.append(String.format(Locale.ROOT, "  %s %.2f", names[i], t / 1e3));
            }
            line("  one launch, %d groups (us):%s", groups, row);
        }
    }

    // ---------------------------------------------------------------- 3. whole steps

    private void stepTimes(ComputeDevice d) {
        int layers = SMALL ? 4 : 24;
        line("%n3. %d-layer steps from a CUDA graph (wall time per step, mean of %d after %d), all forms bit-equal checked",
                layers, REPS, WARM);
        PersistentLayerCase first = layerCase();
        List<PersistentLayerCase> base = new ArrayList<>();
        base.add(first);
        for (int i = 1; i < layers; i++) {
            base.add(first.secondLayer(i));
        }
        List<PersistentLayerCase> want = null;
        for (String form : new String[] {"phases", "fused", "layer", "pair", "quad"}) {
            List<PersistentLayerCase> cases = new ArrayList<>();
            for (PersistentLayerCase c : base) {
                cases.add(c.copy());
            }
            double ms = stepMillis(d, cases, form);
            line("  %-7s %8.4f ms per step, %7.2f us per layer", form, ms, ms * 1e3 / layers);
            if (want == null) {
                want = cases;
            } else if (!form.equals("fused") || PersistentDecodeKernels.WARPS == FusedGemvStagedKernels.WARPS) {
                // the fused kernels' norms add over 4 warps: equal bits only at the default 4 warps per group
                assertSameStep(form, want, cases);
            }
        }
    }

    private double stepMillis(ComputeDevice d, List<PersistentLayerCase> cases, String form) {
        PersistentLayerCase one = cases.getFirst();
        FloatArray[] residual = {one.residualIn, one.residualOut};
        List<PersistentDecode.Layer> layers = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            PersistentLayerCase c = cases.get(i);
            // layer 0 has no residual in (a first layer); then residual i % 2 in, the other out
            layers.add(new PersistentDecode.Layer(one.hidden, i == 0 ? null : residual[i % 2], residual[(i + 1) % 2], c.normW,
                    c.inW, c.inBias, one.zxbcdt, c.convState, c.convW, c.convBias, c.ssmState, c.a, c.d, c.dtBias, one.g, c.gateW,
                    c.outW, c.outBias, one.hidden));
        }
        IntArray counter = new IntArray(1);
        List<Object> in = new ArrayList<>();
        for (PersistentLayerCase c : cases) {
            for (NativeArray a : c.inputs()) {
                if (a != null && (c == one || a != c.hidden && a != c.residualIn)) {
                    in.add(a);
                }
            }
        }
        in.add(counter);
        TaskGraph g = new TaskGraph("step_" + form);
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, in.toArray());
        GridScheduler grids = new GridScheduler();
        int groups = PersistentDecode.layerGroups(d, one.s, one.dModel);
        int perLaunch = switch (form) {
            case "layer" -> 1;
            case "pair" -> 2;
            case "quad" -> 4;
            default -> 0;
        };
        for (int l = 0; l < layers.size(); l++) {
            PersistentDecode.Layer x = layers.get(l);
            if (form.equals("fused")) {
                FusedGemv.addNormGemv(g, grids, "l" + l + "_in", one.s.batch(), one.dModel, one.s.inRows(), x.hidden(), x.residualIn(),
                        x.normW(), x.inW(), true, x.inBias(), x.zxbcdt(), x.residualOut(), one.eps, FusedGemv.FewRowForm.STAGED);
                Mamba2Decode.addConvSsm(g, grids, "l" + l + "_f", one.s, x.zxbcdt(), x.convState(), x.convW(), x.convBias(),
                        x.ssmState(), x.a(), x.d(), x.dtBias(), x.g(), true);
                FusedGemv.addGatedNormGemv(g, grids, "l" + l + "_out", one.s, one.dModel, x.g(), x.zxbcdt(), x.gateW(), x.outW(), true,
                        x.outBias(), x.out(), x.convState(), one.groupSize, one.eps, false, true, FusedGemv.FewRowForm.STAGED);
            } else if (form.equals("phases")) {
                PersistentDecode.addTo(g, grids, "l" + l, one.s, one.dModel, x, one.groupSize, one.eps, PersistentDecode.Form.PHASES,
                        1, null);
            } else {
                int k = perLaunch;
                while (l + k > layers.size()) {
                    k /= 2;
                }
                PersistentDecode.addLayersTo(g, grids, "l" + l, one.s, one.dModel, layers.subList(l, l + k), null, one.groupSize,
                        one.eps, groups, counter);
                l += k - 1;
            }
        }
        List<Object> out = new ArrayList<>(List.of(one.hidden, one.residualIn, one.residualOut));
        for (PersistentLayerCase c : cases) {
            out.add(c.convState);
            out.add(c.ssmState);
        }
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(d).withGridScheduler(grids).withCudaGraph(true);
            for (int i = 0; i < WARM; i++) {
                plan.execute();
            }
            long t0 = System.nanoTime();
            ExecutionResult last = null;
            for (int i = 0; i < REPS; i++) {
                last = plan.execute();
            }
            double ms = (System.nanoTime() - t0) / 1e6 / REPS;
            last.transferToHost(out.stream().map(o -> (NativeArray) o).toArray(NativeArray[]::new));
            return ms;
        }
    }

    private static void assertSameStep(String form, List<PersistentLayerCase> want, List<PersistentLayerCase> got) {
        PersistentLayerCase w = want.getFirst();
        PersistentLayerCase o = got.getFirst();
        assertBits(form + ": hidden", w.hidden, o.hidden);
        assertBits(form + ": residual", w.residualIn, o.residualIn);
        assertBits(form + ": residual B", w.residualOut, o.residualOut);
        for (int i = 0; i < want.size(); i++) {
            assertBits(form + ": layer " + i + " convState", want.get(i).convState, got.get(i).convState);
            assertBits(form + ": layer " + i + " ssmState", want.get(i).ssmState, got.get(i).ssmState);
        }
        assertTrue(!Float.isNaN(o.hidden.get(0)), form + ": a finite hidden row");
    }

    private static void assertBits(String what, FloatArray want, FloatArray got) {
        for (long k = 0; k < want.getSize(); k++) {
            if (Float.floatToIntBits(want.get(k)) != Float.floatToIntBits(got.get(k))) {
                assertEquals(want.get(k), got.get(k), what + "[" + k + "]");
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static PersistentLayerCase layerCase() {
        return SMALL ? PersistentDecodeTest.odd() : PersistentDecodeTest.m130();
    }

    /** Per task (id without the graph name), the least kernel time over {@link #REPS} profiled executions. */
    private static Map<String, Long> minKernelNanos(ComputeDevice d, String name, List<? extends NativeArray> inputs,
                                                    BiConsumer<TaskGraph, GridScheduler> body) {
        TaskGraph g = new TaskGraph(name);
        List<Object> in = new ArrayList<>();
        for (NativeArray a : inputs) {
            if (a != null) {
                in.add(a);
            }
        }
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, in.toArray());
        GridScheduler grids = new GridScheduler();
        body.accept(g, grids);
        Map<String, Long> best = new LinkedHashMap<>();
        try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
            plan.withDevice(d).withGridScheduler(grids).withProfiler(true);
            for (int i = 0; i < WARM + REPS; i++) {
                Map<String, Long> t = plan.execute().profile().kernelNanos();
                if (i < WARM) {
                    continue;
                }
                t.forEach((k, v) -> best.merge(k.substring(k.indexOf('.') + 1), v, Math::min));
            }
        }
        assertTrue(best.values().stream().allMatch(v -> v > 0), name + ": kernel times " + best);
        return best;
    }

    private static String us(Map<String, Long> nanos) {
        StringBuilder sb = new StringBuilder();
        long total = 0;
        for (Map.Entry<String, Long> e : nanos.entrySet()) {
            sb.append(String.format(Locale.ROOT, " %s %.2f", e.getKey(), e.getValue() / 1e3));
            total += e.getValue();
        }
        return sb.append(String.format(Locale.ROOT, "  (sum %.2f us)", total / 1e3)).toString();
    }

    private void line(String format, Object... args) {
        report.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
