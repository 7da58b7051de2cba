package io.jmamba.runtime.backend.cuda;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Host-device copies for one session's stream.
 *
 * <p>Small copies and copies from page-locked memory this session allocated go straight to
 * cuMemcpy*Async. Large copies from ordinary (pageable) memory, and any copy from a heap segment (which
 * a native call cannot take), go through two page-locked staging buffers in turn: while the DMA engine
 * moves one chunk, Java fills or drains the other. Events mark when a staging buffer may be reused.
 */
final class HostTransfers implements AutoCloseable {
    /**
     * Copies up to this size go to the driver directly (it stages pageable memory itself);
     * {@code -Djmamba.cuda.directCopyLimit=BYTES} changes it (read when a session opens).
     */
    static final long DEFAULT_DIRECT_LIMIT = 1L << 20;
    /** Size of each of the two staging buffers. */
    static final long CHUNK = 8L << 20;
    /** Host copies are split into pieces of at least this size... */
    private static final long PIECE = 1L << 20;
    /** ...over at most this many threads. */
    private static final int COPY_THREADS = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors() / 2));
    /** A thread that is never started: segments accessible by it are accessible by any thread. */
    private static final Thread PROBE = Thread.ofPlatform().unstarted(() -> { });

    private final MemorySegment stream;
    private final long directLimit = Long.getLong("jmamba.cuda.directCopyLimit", DEFAULT_DIRECT_LIMIT);
    private final List<MemorySegment> pinned = new ArrayList<>();
    private MemorySegment[] staging;
    private MemorySegment[] stagingDone;
    private final boolean[] pending = new boolean[2];

    HostTransfers(MemorySegment stream) {
        this.stream = stream;
    }

    /** Page-locked host memory, freed when the session closes. */
    MemorySegment allocatePinned(long bytes) {
        MemorySegment m = CuDriver.memHostAlloc(Math.max(1, bytes)).asSlice(0, bytes);
        pinned.add(m);
        return m;
    }

    boolean isPinned(MemorySegment s) {
        if (!s.isNative()) {
            return false;
        }
        long a = s.address();
        for (MemorySegment p : pinned) {
            if (a >= p.address() && a + s.byteSize() <= p.address() + p.byteSize()) {
                return true;
            }
        }
        return false;
    }

    /** Host to device; returns once {@code src} may be changed again. */
    void toDevice(long dst, MemorySegment src) {
        long n = src.byteSize();
        if (n == 0) {
            return;
        }
        if (src.isNative() && (n <= directLimit || isPinned(src))) {
            // pageable: the driver copies to its own staging memory before it returns
            CuDriver.memcpyHtoDAsync(dst, src, n, stream);
            if (isPinned(src)) {
                // pinned memory is read by the DMA engine later: wait so that the caller may reuse it
                CuDriver.streamSynchronize(stream);
            }
            return;
        }
        ensureStaging();
        int k = 0;
        for (long off = 0; off < n; off += CHUNK, k ^= 1) {
            long len = Math.min(CHUNK, n - off);
            if (pending[k]) {
                CuDriver.eventSynchronize(stagingDone[k]);
            }
            copy(src, off, staging[k], 0, len);
            CuDriver.memcpyHtoDAsync(dst + off, staging[k], len, stream);
            CuDriver.eventRecord(stagingDone[k], stream);
            pending[k] = true;
        }
    }

    /** Device to host; returns when {@code dst} holds the data. */
    void toHost(MemorySegment dst, long src) {
        long n = dst.byteSize();
        if (n == 0) {
            return;
        }
        if (dst.isNative() && (n <= directLimit || isPinned(dst))) {
            CuDriver.memcpyDtoHAsync(dst, src, n, stream);
            CuDriver.streamSynchronize(stream);
            return;
        }
        ensureStaging();
        long chunks = (n + CHUNK - 1) / CHUNK;
        issueRead(0, src, n);
        for (long c = 0; c < chunks; c++) {
            if (c + 1 < chunks) {
                issueRead(c + 1, src, n);
            }
            int k = (int) (c & 1);
            CuDriver.eventSynchronize(stagingDone[k]);
            pending[k] = false;
            long off = c * CHUNK;
            copy(staging[k], 0, dst, off, Math.min(CHUNK, n - off));
        }
    }

    /**
     * Host memory copy into or out of a staging buffer. One thread copies about 10 GB/s, well under
     * what PCIe moves, so large pieces are split over the common pool when both segments may be used
     * from other threads (a confined arena's may not).
     */
    static void copy(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, long len) {
        int parts = (int) Math.min(COPY_THREADS, len / PIECE);
        if (parts < 2 || !src.isAccessibleBy(PROBE) || !dst.isAccessibleBy(PROBE)) {
            MemorySegment.copy(src, srcOff, dst, dstOff, len);
            return;
        }
        long per = ((len + parts - 1) / parts + 4095) & ~4095L; // whole pages, covering all of len
        IntStream.range(0, parts).parallel().forEach(p -> {
            long o = p * per;
            if (o < len) {
                MemorySegment.copy(src, srcOff + o, dst, dstOff + o, Math.min(per, len - o));
            }
        });
    }

    private void issueRead(long chunk, long src, long n) {
        int k = (int) (chunk & 1);
        long off = chunk * CHUNK;
        long len = Math.min(CHUNK, n - off);
        CuDriver.memcpyDtoHAsync(staging[k], src + off, len, stream);
        CuDriver.eventRecord(stagingDone[k], stream);
        pending[k] = true;
    }

    private void ensureStaging() {
        if (staging == null) {
            staging = new MemorySegment[]{allocatePinned(CHUNK), allocatePinned(CHUNK)};
            stagingDone = new MemorySegment[]{CuDriver.eventCreate(2 /* CU_EVENT_DISABLE_TIMING */), CuDriver.eventCreate(2)};
        }
    }

    @Override
    public void close() {
        if (stagingDone != null) {
            for (MemorySegment e : stagingDone) {
                CuDriver.eventDestroy(e);
            }
            stagingDone = null;
            staging = null;
        }
        for (MemorySegment p : pinned) {
            CuDriver.memFreeHost(MemorySegment.ofAddress(p.address()));
        }
        pinned.clear();
    }
}
