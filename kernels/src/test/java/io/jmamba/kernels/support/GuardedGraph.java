package io.jmamba.kernels.support;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.ImmutableTaskGraph;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.Specialize;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.backend.CompiledKernel;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceBuffer;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.backend.DeviceSession;
import io.jmamba.runtime.backend.KernelRequest;
import io.jmamba.runtime.backend.LaunchGrid;
import io.jmamba.runtime.graph.GraphAction;
import org.junit.jupiter.api.DynamicTest;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Runs the kernel tasks of a host API's task graph (SSD, scan, conv, a decode step...) in order, straight on one device
 * session, with the grids the API chose and every array (inputs, outputs, workspace) in a buffer
 * {@link GuardedLaunch#GUARD_BYTES} bytes longer than the array, its tail a sentinel; after each task the guards are
 * checked (the failure names the task and the array), and at the end every array must hold what the JVM backend's run
 * of the same graph left in it. Transfers are implied: all arrays go up before the first task and come back after the
 * last. Library tasks (cuBLAS) are not supported: build graphs that do not use them.
 */
public final class GuardedGraph {
    private static final byte SENTINEL = (byte) 0x7b;

    /**
     * One graph: {@code arrays} makes fresh inputs (every array the graph touches need not be listed: the graph's own
     * arrays are found in its tasks) and {@code build} adds the tasks and grids using them. {@code relTol} bounds a
     * float's difference from the JVM run relative to the largest magnitude of its array.
     */
    public record Case(String name, Supplier<Object> arrays, Builder build, float relTol) {
    }

    /** Adds tasks to {@code graph} and their grids to {@code grids} for the inputs {@code arrays} made. */
    @FunctionalInterface
    public interface Builder {
        void build(TaskGraph graph, GridScheduler grids, Object arrays);
    }

    private GuardedGraph() {
    }

    /** One dynamic test per (case, device of {@link DeviceMatrix}); the JVM reference run happens once per case. */
    public static List<DynamicTest> tests(List<Case> cases) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases) {
            Map<String, NativeArray>[] reference = new Map[1];
            for (ComputeDevice d : DeviceMatrix.devices()) {
                tests.add(dynamicTest(c.name() + " on " + d.id(), () -> {
                    if (reference[0] == null) {
                        reference[0] = run(c, jvm());
                    }
                    Map<String, NativeArray> got = d.id().equals("jvm") ? reference[0] : run(c, d);
                    compare(c.name() + " on " + d.id(), c.relTol(), reference[0], got);
                }));
            }
        }
        return tests;
    }

    /** The JVM reference, also where JMAMBA_BACKENDS leaves it out of the matrix (a GPU run). */
    private static ComputeDevice jvm() {
        return DeviceMatrix.reference().orElseThrow(() -> new IllegalStateException("no JVM backend, the reference"));
    }

    /** Runs the case's graph on {@code d}; returns its arrays, named by first use ("task.parameter"), as left. */
    public static Map<String, NativeArray> run(Case c, ComputeDevice d) {
        TaskGraph graph = new TaskGraph("guarded");
        GridScheduler grids = new GridScheduler();
        c.build().build(graph, grids, c.arrays().get());
        ImmutableTaskGraph frozen = graph.snapshot();
        Map<NativeArray, String> names = new IdentityHashMap<>();
        Map<NativeArray, MemorySegment> host = new IdentityHashMap<>();
        Map<NativeArray, DeviceBuffer> buffers = new IdentityHashMap<>();
        int launched = 0;
        try (DeviceSession session = d.openSession()) {
            for (GraphAction a : frozen.actions()) {
                if (a instanceof GraphAction.LibraryTask l) {
                    throw new IllegalArgumentException(c.name() + ": library task " + l.id() + " is not supported");
                }
                if (!(a instanceof GraphAction.Task t)) {
                    continue;
                }
                Method m = t.method();
                Object[] args = new Object[t.args().size()];
                Map<Integer, Object> specialized = new HashMap<>();
                for (int i = 0; i < args.length; i++) {
                    Object v = t.args().get(i);
                    if (m.getParameters()[i].isAnnotationPresent(Specialize.class)) {
                        specialized.put(i, v);
                    }
                    if (v instanceof NativeArray arr) {
                        if (!buffers.containsKey(arr)) {
                            names.put(arr, t.id() + "." + m.getParameters()[i].getName());
                            MemorySegment g = MemorySegment.ofArray(new byte[(int) (arr.byteSize() + GuardedLaunch.GUARD_BYTES)]);
                            g.copyFrom(arr.getSegment());
                            g.asSlice(arr.byteSize()).fill(SENTINEL);
                            DeviceBuffer b = session.allocate(g.byteSize());
                            session.write(b, 0, g);
                            host.put(arr, g);
                            buffers.put(arr, b);
                        }
                        args[i] = buffers.get(arr);
                    } else {
                        args[i] = v instanceof KernelContext ? null : v;
                    }
                }
                CompiledKernel k = session.compile(new KernelRequest(m, specialized));
                LaunchGrid grid = grid(grids, graph.getName() + "." + t.id(), k, m, t.args(), d);
                session.launch(k, grid, args, false);
                session.synchronize();
                launched++;
                for (Map.Entry<NativeArray, DeviceBuffer> e : buffers.entrySet()) {
                    MemorySegment g = host.get(e.getKey());
                    long size = e.getKey().byteSize();
                    MemorySegment tail = MemorySegment.ofArray(new byte[GuardedLaunch.GUARD_BYTES]);
                    session.read(e.getValue(), 0, g);
                    tail.copyFrom(g.asSlice(size));
                    long changed = 0, first = -1;
                    for (long j = 0; j < tail.byteSize(); j++) {
                        if (tail.get(ValueLayout.JAVA_BYTE, j) != SENTINEL) {
                            changed++;
                            first = first < 0 ? j : first;
                        }
                    }
                    assertEquals(0, changed, c.name() + " on " + d.id() + ", after task " + t.id() + " (" + m.getDeclaringClass()
                            .getSimpleName() + "." + m.getName() + " on " + grid + "): " + changed + " guard bytes past the end of "
                            + names.get(e.getKey()) + " were written, the first " + first + " bytes past the end");
                }
            }
        }
        if (launched == 0) {
            throw new IllegalArgumentException(c.name() + ": the graph has no kernel task");
        }
        Map<String, NativeArray> out = new LinkedHashMap<>();
        for (Map.Entry<NativeArray, MemorySegment> e : host.entrySet()) {
            e.getKey().getSegment().copyFrom(e.getValue().asSlice(0, e.getKey().byteSize()));
            out.put(names.get(e.getKey()), e.getKey());
        }
        return out;
    }

    /** The grid the plan executor would launch on (its GridChooser, package-private, reached reflectively). */
    private static LaunchGrid grid(GridScheduler grids, String taskName, CompiledKernel k, Method m, List<Object> args,
                                   ComputeDevice d) {
        try {
            Class<?> chooser = Class.forName("io.jmamba.runtime.graph.GridChooser");
            Method choose = chooser.getDeclaredMethod("choose", String.class, GridScheduler.class, CompiledKernel.class,
                    Method.class, List.class, ComputeDevice.class);
            choose.setAccessible(true);
            return (LaunchGrid) choose.invoke(null, taskName, grids, k, m, args, d);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach GridChooser.choose for " + taskName, e);
        }
    }

    static void compare(String what, float relTol, Map<String, NativeArray> want, Map<String, NativeArray> got) {
        assertEquals(want.keySet(), got.keySet(), what + ": the graph's arrays");
        for (String name : want.keySet()) {
            NativeArray w = want.get(name), g = got.get(name);
            if (w instanceof FloatArray || w instanceof BFloat16Array) {
                float max = 0f;
                for (long j = 0; j < w.getSize(); j++) {
                    max = Math.max(max, Math.abs(floatAt(w, j)));
                }
                float tol = relTol * max + 1e-6f;
                for (long j = 0; j < w.getSize(); j++) {
                    float a = floatAt(w, j), b = floatAt(g, j);
                    if (!(Math.abs(a - b) <= tol) && !(Float.isNaN(a) && Float.isNaN(b)) && a != b) {
                        fail(what + ": " + name + "[" + j + "]: JVM " + a + ", got " + b + " (tolerance " + tol + ")");
                    }
                }
            } else if (w instanceof IntArray wi) {
                for (long j = 0; j < wi.getSize(); j++) {
                    assertEquals(wi.get(j), ((IntArray) g).get(j), what + ": " + name + "[" + j + "]");
                }
            } else if (w.getSegment().mismatch(g.getSegment()) >= 0) {
                fail(what + ": " + name + " differs from the JVM run at byte " + w.getSegment().mismatch(g.getSegment()));
            }
        }
    }

    private static float floatAt(NativeArray a, long i) {
        return a instanceof BFloat16Array b ? b.get(i) : ((FloatArray) a).get(i);
    }
}
