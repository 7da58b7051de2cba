package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.backend.GraphCaptureSession;

import java.lang.foreign.MemorySegment;

/**
 * A CUDA graph recorded from a session's stream (cuStreamBeginCapture .. cuStreamEndCapture) and
 * instantiated. {@link #replay()} enqueues the whole recorded sequence with one cuGraphLaunch; the
 * launches keep the arguments they had when recorded, so values that change between replays must live
 * in device buffers.
 */
public final class CudaGraph implements GraphCaptureSession.CapturedGraph {
    private final CudaSession session;
    private final MemorySegment graph;
    private final MemorySegment exec;

    CudaGraph(CudaSession session, MemorySegment graph, MemorySegment exec) {
        this.session = session;
        this.graph = graph;
        this.exec = exec;
    }

    /** Enqueues the recorded work on the session's stream; {@code session.synchronize()} waits for it. */
    @Override
    public void replay() {
        session.replay(this);
    }

    @Override
    public void close() {
        session.destroy(this);
    }

    MemorySegment graph() {
        return graph;
    }

    MemorySegment exec() {
        return exec;
    }
}
