package io.jmamba.runtime.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/** A cuBLAS handle bound to one session's stream, with host memory for alpha and beta. */
final class CuBlasHandle implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment handle;
    final MemorySegment alpha;
    final MemorySegment beta;

    private CuBlasHandle(MemorySegment stream) {
        CudaLibraries.Lookup lib = CudaLibraries.cublas();
        if (!lib.found()) {
            arena.close();
            throw new IllegalStateException("cannot run a cuBLAS task: " + lib.missing());
        }
        this.handle = CuBlasApi.create(arena.allocate(ADDRESS));
        CuBlasApi.setStream(handle, stream);
        this.alpha = arena.allocate(JAVA_FLOAT);
        this.beta = arena.allocate(JAVA_FLOAT);
    }

    static CuBlasHandle create(MemorySegment stream) {
        return new CuBlasHandle(stream);
    }

    MemorySegment handle() {
        return handle;
    }

    /** Sets alpha and beta for the next call; cuBLAS reads them before the call returns. */
    void scalars(float a, float b) {
        alpha.set(JAVA_FLOAT, 0, a);
        beta.set(JAVA_FLOAT, 0, b);
    }

    @Override
    public void close() {
        try {
            CuBlasApi.destroy(handle);
        } finally {
            arena.close();
        }
    }
}
