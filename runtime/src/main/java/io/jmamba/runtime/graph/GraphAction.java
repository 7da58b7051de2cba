package io.jmamba.runtime.graph;

import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.NativeArray;

import java.lang.reflect.Method;
import java.util.List;

/** One step recorded by a {@code TaskGraph}, in the order the user wrote them. */
public sealed interface GraphAction {

    /** Host to device copies of {@code arrays}. */
    record ToDevice(DataTransferMode mode, List<NativeArray> arrays) implements GraphAction {
    }

    /** Device to host copies of {@code arrays}, done after the graph's tasks. */
    record ToHost(DataTransferMode mode, List<NativeArray> arrays) implements GraphAction {
    }

    /**
     * A kernel call: {@code method} is static; {@code args} holds one value per Java parameter:
     * a {@link NativeArray}, a boxed scalar, or the {@code KernelContext} placeholder.
     */
    record Task(String id, Method method, List<Object> args) implements GraphAction {
    }

    /** A task served by a library (cuBLAS, say) rather than a JIT kernel. */
    record LibraryTask(String id, LibraryCall call, List<Object> args) implements GraphAction {
    }

    /** Keep these arrays' device buffers alive when the graph ends, for later graphs of the plan. */
    record Persist(List<NativeArray> arrays) implements GraphAction {
    }

    /** Use the device buffers an earlier graph of the plan left for these arrays; copy nothing in. */
    record Consume(List<NativeArray> arrays) implements GraphAction {
    }
}
