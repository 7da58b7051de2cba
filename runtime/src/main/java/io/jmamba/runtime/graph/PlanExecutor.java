package io.jmamba.runtime.graph;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionResult;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.ImmutableTaskGraph;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.ProfileReport;
import io.jmamba.runtime.api.Specialize;
import io.jmamba.runtime.backend.CompiledKernel;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceSession;
import io.jmamba.runtime.backend.Devices;
import io.jmamba.runtime.backend.GraphCaptureSession;
import io.jmamba.runtime.backend.KernelRequest;
import io.jmamba.runtime.backend.LaunchGrid;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs an execution plan's graphs on one device: opens the session on first use, keeps one device
 * buffer per array (see {@link BufferTable}), performs transfers by their modes, compiles each task
 * once and launches it on the grid {@link GridChooser} picks. Actions run in the order they were
 * recorded; a graph ends with a synchronisation.
 */
public final class PlanExecutor implements AutoCloseable {
    private final List<ImmutableTaskGraph> graphs;
    private final BufferTable buffers = new BufferTable();
    private final Map<String, PreparedTask> tasks = new HashMap<>();
    /** The same prepared tasks by their graph action, so that a launch builds no name and hashes no string. */
    private final Map<GraphAction.Task, PreparedTask> byAction = new IdentityHashMap<>();
    /** Compile time of every task prepared so far (the profile reports the part added by one execution). */
    private long compileNanosTotal;
    /** Per array, the "graph/direction" pairs whose FIRST_EXECUTION transfer has been done. */
    private final Map<NativeArray, Set<String>> firstTransfersDone = new IdentityHashMap<>();
    private final Set<NativeArray> persisted = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Captured runs by graph name and first action index. */
    private final Map<String, CapturedRun> captured = new HashMap<>();
    /**
     * Whether library calls (cuBLAS) go into the CUDA graphs with the kernels around them. True until a
     * capture that holds one fails; the plan then runs library calls eagerly between captured kernel runs.
     */
    private boolean captureLibraryCalls = true;
    private ComputeDevice device;
    private DeviceSession session;
    private GridScheduler scheduler;
    private boolean profiling;
    private boolean cudaGraph;
    private int selected = -1;
    /** Graphs that have run to the end at least once: their first-execution copies are all done. */
    private final Set<String> graphsRun = new HashSet<>();
    private boolean closed;

    public PlanExecutor(List<ImmutableTaskGraph> graphs) {
        this.graphs = List.copyOf(graphs);
        Set<String> names = new HashSet<>();
        for (ImmutableTaskGraph g : graphs) {
            if (!names.add(g.name())) {
                throw new IllegalArgumentException("two task graphs of one plan are named " + g.name());
            }
        }
    }

    public synchronized void setDevice(ComputeDevice device) {
        checkOpen();
        if (session != null && device != this.device) {
            throw new IllegalStateException("the plan already runs on " + this.device.id() + "; make a new plan for " + device.id());
        }
        this.device = device;
    }

    public synchronized void setGridScheduler(GridScheduler scheduler) {
        this.scheduler = scheduler;
        tasks.values().forEach(t -> t.grid = null);
        dropCaptured(); // captured CUDA graphs hold the old launch shapes
    }

    public synchronized void setProfiling(boolean on) {
        this.profiling = on;
    }

    public synchronized void setCudaGraph(boolean on) {
        this.cudaGraph = on;
    }

    public synchronized void selectGraph(int index) {
        if (index < -1 || index >= graphs.size()) {
            throw new IndexOutOfBoundsException("graph index " + index + " out of range: the plan has " + graphs.size() + " graphs");
        }
        this.selected = index;
    }

    public synchronized ComputeDevice device() {
        if (device == null) {
            device = Devices.best();
        }
        return device;
    }

    /** Compiles every task of every graph now. */
    public synchronized void warmUp() {
        checkOpen();
        for (ImmutableTaskGraph g : graphs) {
            for (GraphAction a : g.actions()) {
                if (a instanceof GraphAction.Task t) {
                    prepared(g, t);
                }
            }
        }
    }

    public synchronized ExecutionResult execute() {
        checkOpen();
        long start = System.nanoTime();
        Map<String, Long> kernelNanos = new LinkedHashMap<>();
        long compileBefore = compileNanosTotal;
        for (int i = 0; i < graphs.size(); i++) {
            if (selected == -1 || selected == i) {
                run(graphs.get(i), kernelNanos);
                graphsRun.add(graphs.get(i).name());
            }
        }
        session().synchronize();
        long compile = compileNanosTotal - compileBefore;
        ProfileReport report = new ProfileReport(Map.copyOf(kernelNanos), buffers.takeCopyToDeviceNanos(),
                buffers.takeCopyToHostNanos(), compile, System.nanoTime() - start);
        return new ExecutionResult(this, report);
    }

    private void run(ImmutableTaskGraph graph, Map<String, Long> kernelNanos) {
        List<GraphAction> actions = graph.actions();
        for (int i = 0; i < actions.size(); i++) {
            GraphAction action = actions.get(i);
            switch (action) {
                case GraphAction.ToDevice t -> {
                    for (NativeArray a : t.arrays()) {
                        if (due(graph, "in", a, t.mode())) {
                            buffers.toDevice(session(), a);
                        }
                    }
                }
                case GraphAction.ToHost t -> {
                    if (t.mode() == DataTransferMode.UNDER_DEMAND) {
                        continue;
                    }
                    session().synchronize();
                    for (NativeArray a : t.arrays()) {
                        if (due(graph, "out", a, t.mode())) {
                            buffers.toHost(session(), a, "graph " + graph.name());
                        }
                    }
                }
                case GraphAction.Persist p -> persisted.addAll(p.arrays());
                case GraphAction.Consume c -> {
                    for (NativeArray a : c.arrays()) {
                        if (!persisted.contains(a) || !buffers.has(a)) {
                            throw new IllegalStateException("graph " + graph.name() + " consumes " + a
                                    + " from the device, but no earlier graph of this plan persisted it (persistOnDevice)");
                        }
                    }
                }
                case GraphAction.Task t -> {
                    if (capturable(graph) && inCapture(action)) {
                        i = runCapturedFrom(graph, actions, i);
                    } else {
                        launch(prepared(graph, t), kernelNanos);
                    }
                }
                case GraphAction.LibraryTask l -> {
                    if (capturable(graph) && inCapture(action)) {
                        i = runCapturedFrom(graph, actions, i);
                    } else {
                        long t0 = System.nanoTime();
                        l.call().run(session(), libraryArgs(l));
                        if (profiling) {
                            session().synchronize();
                            kernelNanos.put(graph.name() + "." + l.id(), System.nanoTime() - t0);
                        }
                    }
                }
            }
        }
    }

    /** From a graph's second run: its first compiles its kernels and makes its first-execution copies. */
    private boolean capturable(ImmutableTaskGraph graph) {
        return cudaGraph && graphsRun.contains(graph.name()) && !profiling && session() instanceof GraphCaptureSession;
    }

    /** Whether an action can be recorded in a CUDA graph: kernels always, library calls while they capture. */
    private boolean inCapture(GraphAction a) {
        return a instanceof GraphAction.Task || a instanceof GraphAction.LibraryTask && captureLibraryCalls;
    }

    /**
     * A run of captured tasks goes on across {@link #doneForGood} actions ({@code -Djmamba.cuda.graphs.acrossCopies=false}
     * cuts it there, as before session 7). Why it matters: task builders add a first-execution copy of a placeholder
     * array before many tasks; when each such action ended a captured run, a decode step was replayed as one small CUDA
     * graph per kernel or two: a graph launch each and no programmatic dependent launch across the cuts. The split
     * decode's timeline on the H100 showed it (session 6, {@code SplitDecodeBench.timeline}): every launch started
     * ~2.5 us after the one before had ended; with whole runs, launches start while the one before runs (session 7).
     * Read when a plan is built.
     */
    private final boolean captureAcrossCopies =
            !"false".equals(System.getProperty("jmamba.cuda.graphs.acrossCopies"));

    /**
     * Whether {@code a} does nothing in this and every later execution: a first-execution copy to the device whose
     * arrays have all been copied (the placeholders that task builders add between tasks).
     */
    private boolean doneForGood(ImmutableTaskGraph graph, GraphAction a) {
        if (!captureAcrossCopies || !(a instanceof GraphAction.ToDevice t) || t.mode() != DataTransferMode.FIRST_EXECUTION) {
            return false;
        }
        for (NativeArray x : t.arrays()) {
            if (!firstTransfersDone.getOrDefault(x, Set.of()).contains(graph.name() + "/in")) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs the longest run of capturable actions from {@code start} (passing over {@link #doneForGood} ones) as one
     * graph; returns its last index.
     */
    private int runCapturedFrom(ImmutableTaskGraph graph, List<GraphAction> actions, int start) {
        // a captured run's extent cannot change (doneForGood holds for good once its graph has run; a refused library
        // call drops every captured run): replay it without walking its actions again, which every decode step would
        // pay before its launch
        String key = graph.name() + "@" + start;
        CapturedRun known = captured.get(key);
        if (known != null) {
            known.graph().replay();
            return known.end();
        }
        int end = start;
        List<GraphAction> run = new ArrayList<>(List.of(actions.get(start)));
        for (int i = start + 1; i < actions.size(); i++) {
            GraphAction a = actions.get(i);
            if (inCapture(a)) {
                run.add(a);
                end = i;
            } else if (!doneForGood(graph, a)) {
                break;
            }
        }
        GraphCaptureSession.CapturedGraph g = capture(graph, run);
        if (g != null) {
            captured.put(key, new CapturedRun(g, end));
            g.replay();
            return end;
        }
        // a library call refused capture: from now on library calls run eagerly, so the runs change
        // shape; graphs captured with library calls in them must not be replayed beside eager ones
        captureLibraryCalls = false;
        dropCaptured();
        for (GraphAction a : run) {
            switch (a) {
                case GraphAction.Task t -> launch(prepared(graph, t), null);
                case GraphAction.LibraryTask l -> l.call().run(session(), libraryArgs(l));
                default -> throw new IllegalStateException("not a task: " + a);
            }
        }
        return end;
    }

    /**
     * Captures a run of consecutive tasks (kernels and library calls) into a CUDA graph, without running it. Returns
     * null, having recorded nothing, when a run with a library call in it could not be captured (a library that
     * allocates or synchronises inside its call).
     */
    private GraphCaptureSession.CapturedGraph capture(ImmutableTaskGraph graph, List<GraphAction> run) {
        GraphCaptureSession cs = (GraphCaptureSession) session();
        List<List<Object>> libraryArgs = new ArrayList<>();
        boolean hasLibraryCall = false;
        for (GraphAction a : run) { // compile, allocate and look up buffers outside the capture
            if (a instanceof GraphAction.Task t) {
                PreparedTask p = prepared(graph, t);
                p.deviceArgs(this);
                libraryArgs.add(null);
            } else {
                libraryArgs.add(libraryArgs((GraphAction.LibraryTask) a));
                hasLibraryCall = true;
            }
        }
        RuntimeException failure = null;
        GraphCaptureSession.CapturedGraph g = null;
        cs.beginCapture();
        try {
            for (int k = 0; k < run.size(); k++) {
                switch (run.get(k)) {
                    case GraphAction.Task t -> launch(prepared(graph, t), null);
                    case GraphAction.LibraryTask l -> l.call().run(session(), libraryArgs.get(k));
                    default -> throw new IllegalStateException("not a task: " + run.get(k));
                }
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            g = cs.endCapture();
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            if (g != null) {
                g.close();
            }
            if (hasLibraryCall) {
                return null;
            }
            throw failure;
        }
        return g;
    }

    /** A captured run: its CUDA graph and the index of its last action. */
    private record CapturedRun(GraphCaptureSession.CapturedGraph graph, int end) {
    }

    private void dropCaptured() {
        captured.values().forEach(r -> r.graph().close());
        captured.clear();
    }

    private List<Object> libraryArgs(GraphAction.LibraryTask l) {
        List<Object> deviceArgs = new ArrayList<>(l.args().size());
        for (Object o : l.args()) {
            deviceArgs.add(o instanceof NativeArray a ? buffers.bufferOf(session(), a) : o);
        }
        return deviceArgs;
    }

    private void launch(PreparedTask p, Map<String, Long> kernelNanos) {
        Object[] args = p.deviceArgs(this);
        if (p.grid == null) {
            p.grid = GridChooser.choose(p.name, scheduler, p.kernel, p.task.method(), p.task.args(), device());
        }
        long ns = session().launch(p.kernel, p.grid, args, profiling && kernelNanos != null);
        if (ns >= 0 && kernelNanos != null) {
            kernelNanos.merge(p.name, ns, Long::sum);
        }
    }

    /** The task of {@code graph} prepared (compiled) once, looked up by its action afterwards. */
    private PreparedTask prepared(ImmutableTaskGraph graph, GraphAction.Task task) {
        PreparedTask p = byAction.get(task);
        if (p == null) {
            p = prepare(graph.name() + "." + task.id(), task);
            byAction.put(task, p);
        }
        return p;
    }

    private PreparedTask prepare(String name, GraphAction.Task task) {
        PreparedTask p = tasks.get(name);
        if (p == null) {
            Map<Integer, Object> specialized = new HashMap<>();
            var params = task.method().getParameters();
            for (int i = 0; i < params.length; i++) {
                if (params[i].isAnnotationPresent(Specialize.class)) {
                    specialized.put(i, task.args().get(i));
                }
            }
            CompiledKernel kernel = session().compile(new KernelRequest(task.method(), specialized));
            p = new PreparedTask(name, task, kernel);
            tasks.put(name, p);
            compileNanosTotal += kernel.compileNanos();
        }
        return p;
    }

    private boolean due(ImmutableTaskGraph graph, String direction, NativeArray a, DataTransferMode mode) {
        if (mode == DataTransferMode.EVERY_EXECUTION) {
            return true;
        }
        return firstTransfersDone.computeIfAbsent(a, k -> new HashSet<>()).add(graph.name() + "/" + direction);
    }

    public synchronized String generatedSource(String taskName) {
        checkOpen();
        for (ImmutableTaskGraph g : graphs) {
            for (GraphAction a : g.actions()) {
                if (a instanceof GraphAction.Task t && taskName.equals(g.name() + "." + t.id())) {
                    return prepare(taskName, t).kernel.source();
                }
            }
        }
        throw new IllegalArgumentException("no task " + taskName + " in this plan");
    }

    public synchronized void transferToHost(NativeArray... arrays) {
        checkOpen();
        session().synchronize();
        for (NativeArray a : arrays) {
            buffers.toHost(session(), a, "transferToHost");
        }
    }

    /** Bytes of device memory the plan holds now (0 once closed). */
    public synchronized long deviceBytes() {
        return closed ? 0 : buffers.liveBytes();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        dropCaptured();
        buffers.freeAll();
        tasks.clear();
        byAction.clear();
        if (session != null) {
            session.close();
        }
    }

    private DeviceSession session() {
        if (session == null) {
            session = device().openSession();
        }
        return session;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this execution plan is closed");
        }
    }

    /** A task's compiled kernel and, once known, its grid. */
    private static final class PreparedTask {
        final String name;
        final GraphAction.Task task;
        final CompiledKernel kernel;
        LaunchGrid grid;

        PreparedTask(String name, GraphAction.Task task, CompiledKernel kernel) {
            this.name = name;
            this.task = task;
            this.kernel = kernel;
        }

        Object[] deviceArgs(PlanExecutor plan) {
            Object[] out = new Object[task.args().size()];
            for (int i = 0; i < out.length; i++) {
                Object o = task.args().get(i);
                out[i] = o instanceof NativeArray a ? plan.buffers.bufferOf(plan.session(), a)
                        : o instanceof io.jmamba.runtime.api.KernelContext ? null : o;
            }
            return out;
        }
    }
}
