package io.jmamba.runtime.graph;

import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.TaskGraph;
import io.jmamba.runtime.api.Tasks;
import io.jmamba.runtime.api.WorkerGrid1D;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input to task graphs gets a clear error when the task is recorded. */
class TaskGraphInputTest {

    private static void assertMessage(Throwable e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message \"" + e.getMessage() + "\" lacks \"" + p + "\"");
        }
    }

    @Test
    void lambdaWithBodyIsRejected() {
        FloatArray a = new FloatArray(4);
        Tasks.Task1<FloatArray> body = x -> x.set(0, 1f);
        var e = assertThrows(IllegalArgumentException.class, () -> new TaskGraph("g").task("t", body, a));
        assertMessage(e, "method reference", "lambda");
    }

    @Test
    void instanceMethodIsRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").task("t", GraphKernels.class, "notStatic", new FloatArray(1)));
        assertMessage(e, "notStatic", "static");
    }

    @Test
    void nullArgumentIsNamed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").task("t", GraphKernels::add, new FloatArray(1), null, new FloatArray(1)));
        assertMessage(e, "g.t", "argument 1", "null");
    }

    @Test
    void wronglyTypedArgumentIsNamed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").task("t", GraphKernels.class, "add", new FloatArray(1), new IntArray(1), new FloatArray(1)));
        assertMessage(e, "argument 1", "FloatArray", "IntArray");
    }

    @Test
    void wrongArgumentCount() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").task("t", GraphKernels.class, "scale", new FloatArray(1), new FloatArray(1)));
        assertMessage(e, "no method", "scale", "2 parameters");
    }

    @Test
    void duplicateTaskId() {
        FloatArray a = new FloatArray(1);
        TaskGraph g = new TaskGraph("g").task("t", GraphKernels::increment, a);
        var e = assertThrows(IllegalArgumentException.class, () -> g.task("t", GraphKernels::increment, a));
        assertMessage(e, "already has a task t");
    }

    @Test
    void localSizeMustDivideGlobalSize() {
        var e = assertThrows(IllegalArgumentException.class, () -> new WorkerGrid1D(100).setLocalWork(64));
        assertMessage(e, "[64]", "does not divide", "[100]");
    }

    @Test
    void transferOfNonArray() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").transferToDevice(io.jmamba.runtime.api.DataTransferMode.EVERY_EXECUTION, "text"));
        assertMessage(e, "argument 0", "off-heap array", "java.lang.String");
    }
}
