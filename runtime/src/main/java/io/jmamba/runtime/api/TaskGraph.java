package io.jmamba.runtime.api;

import io.jmamba.runtime.graph.GraphAction;
import io.jmamba.runtime.graph.KernelMethods;
import io.jmamba.runtime.graph.LibraryCall;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A named sequence of data transfers and kernel tasks, written the way TornadoVM's reads:
 * <pre>{@code
 * TaskGraph g = new TaskGraph("s0")
 *     .transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b)
 *     .task("t0", Kernels::add, a, b, c)
 *     .transferToHost(DataTransferMode.EVERY_EXECUTION, c);
 * try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
 *     plan.execute();
 * }
 * }</pre>
 * A graph only records; an {@link ExecutionPlan} compiles and runs a {@link #snapshot()} of it.
 * Arrays written by one task and read by the next stay on the device between them.
 */
public final class TaskGraph {
    private final String name;
    private final List<GraphAction> actions = new ArrayList<>();
    private final Set<String> taskIds = new HashSet<>();

    public TaskGraph(String name) {
        if (name == null || name.isBlank() || name.contains(".")) {
            throw new IllegalArgumentException("a task graph needs a non-blank name without '.', got " + name);
        }
        this.name = name;
    }

    public String getName() {
        return name;
    }

    public TaskGraph transferToDevice(DataTransferMode mode, Object... arrays) {
        if (mode == DataTransferMode.UNDER_DEMAND) {
            throw new IllegalArgumentException("UNDER_DEMAND applies to transferToHost only");
        }
        actions.add(new GraphAction.ToDevice(mode, arrays("transferToDevice", arrays)));
        return this;
    }

    public TaskGraph transferToHost(DataTransferMode mode, Object... arrays) {
        actions.add(new GraphAction.ToHost(mode, arrays("transferToHost", arrays)));
        return this;
    }

    /** Keeps these arrays on the device after this graph, for a later graph of the same plan to consume. */
    public TaskGraph persistOnDevice(Object... arrays) {
        actions.add(new GraphAction.Persist(arrays("persistOnDevice", arrays)));
        return this;
    }

    /** Takes these arrays from the device copies an earlier graph of the same plan persisted. */
    public TaskGraph consumeFromDevice(Object... arrays) {
        actions.add(new GraphAction.Consume(arrays("consumeFromDevice", arrays)));
        return this;
    }

    /**
     * A task given by class and method name, for kernels with more parameters than the typed
     * overloads take. The method must be static and its parameter count must match {@code args}.
     */
    public TaskGraph task(String id, Class<?> owner, String methodName, Object... args) {
        return addTask(id, KernelMethods.byName(owner, methodName, args.length), args);
    }

    /** A task run by a device library (cuBLAS, say) rather than a compiled kernel. */
    public TaskGraph libraryTask(String id, LibraryCall call, Object... args) {
        checkId(id);
        actions.add(new GraphAction.LibraryTask(id, Objects.requireNonNull(call, "call"), List.of(args)));
        return this;
    }

    /** An immutable copy of what has been recorded so far. */
    public ImmutableTaskGraph snapshot() {
        return new ImmutableTaskGraph(name, List.copyOf(actions));
    }

    private TaskGraph addTask(String id, Tasks.TaskCode code, Object[] args) {
        return addTask(id, KernelMethods.resolve(Objects.requireNonNull(code, "task code")), args);
    }

    private TaskGraph addTask(String id, Method method, Object[] args) {
        checkId(id);
        KernelMethods.checkArguments(name + "." + id, method, args);
        actions.add(new GraphAction.Task(id, method, Arrays.asList(args.clone())));
        return this;
    }

    private void checkId(String id) {
        if (id == null || id.isBlank() || id.contains(".")) {
            throw new IllegalArgumentException("a task id must be non-blank and without '.', got " + id);
        }
        if (!taskIds.add(id)) {
            throw new IllegalArgumentException("task graph " + name + " already has a task " + id);
        }
    }

    private static List<NativeArray> arrays(String what, Object[] objects) {
        List<NativeArray> out = new ArrayList<>();
        for (int i = 0; i < objects.length; i++) {
            if (!(objects[i] instanceof NativeArray a)) {
                throw new IllegalArgumentException(what + ": argument " + i + " must be an off-heap array "
                        + "(FloatArray, IntArray, ...), got " + (objects[i] == null ? "null" : objects[i].getClass().getName()));
            }
            out.add(a);
        }
        return out;
    }

    public TaskGraph task(String id, Tasks.Task0 code) {
        return addTask(id, code, new Object[] {});
    }

    public <T1> TaskGraph task(String id, Tasks.Task1<T1> code, T1 a1) {
        return addTask(id, code, new Object[] {a1});
    }

    public <T1, T2> TaskGraph task(String id, Tasks.Task2<T1, T2> code, T1 a1, T2 a2) {
        return addTask(id, code, new Object[] {a1, a2});
    }

    public <T1, T2, T3> TaskGraph task(String id, Tasks.Task3<T1, T2, T3> code, T1 a1, T2 a2, T3 a3) {
        return addTask(id, code, new Object[] {a1, a2, a3});
    }

    public <T1, T2, T3, T4> TaskGraph task(String id, Tasks.Task4<T1, T2, T3, T4> code, T1 a1, T2 a2, T3 a3, T4 a4) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4});
    }

    public <T1, T2, T3, T4, T5> TaskGraph task(String id, Tasks.Task5<T1, T2, T3, T4, T5> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5});
    }

    public <T1, T2, T3, T4, T5, T6> TaskGraph task(String id, Tasks.Task6<T1, T2, T3, T4, T5, T6> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6});
    }

    public <T1, T2, T3, T4, T5, T6, T7> TaskGraph task(String id, Tasks.Task7<T1, T2, T3, T4, T5, T6, T7> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8> TaskGraph task(String id, Tasks.Task8<T1, T2, T3, T4, T5, T6, T7, T8> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9> TaskGraph task(String id, Tasks.Task9<T1, T2, T3, T4, T5, T6, T7, T8, T9> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> TaskGraph task(String id, Tasks.Task10<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> TaskGraph task(String id, Tasks.Task11<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> TaskGraph task(String id, Tasks.Task12<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> TaskGraph task(String id, Tasks.Task13<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> TaskGraph task(String id, Tasks.Task14<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15> TaskGraph task(String id, Tasks.Task15<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16> TaskGraph task(String id, Tasks.Task16<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17> TaskGraph task(String id, Tasks.Task17<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18> TaskGraph task(String id, Tasks.Task18<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19> TaskGraph task(String id, Tasks.Task19<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20> TaskGraph task(String id, Tasks.Task20<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19, T20 a20) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21> TaskGraph task(String id, Tasks.Task21<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19, T20 a20, T21 a21) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22> TaskGraph task(String id, Tasks.Task22<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19, T20 a20, T21 a21, T22 a22) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23> TaskGraph task(String id, Tasks.Task23<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19, T20 a20, T21 a21, T22 a22, T23 a23) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23});
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23, T24> TaskGraph task(String id, Tasks.Task24<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23, T24> code, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19, T20 a20, T21 a21, T22 a22, T23 a23, T24 a24) {
        return addTask(id, code, new Object[] {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24});
    }
}
