package io.jmamba.runtime.backend.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The host side of staged copies (split over threads), which needs no GPU. */
class HostTransfersCopyTest {

    @Test
    void splitCopiesCoverEveryByteAtOddLengthsAndOffsets() {
        Random random = new Random(7);
        try (Arena arena = Arena.ofShared()) {
            for (long len : new long[]{(2L << 20) + 1, (8L << 20) + 3, (5L << 20) - 7, 100}) {
                MemorySegment src = arena.allocate(len + 13);
                byte[] chunk = new byte[4096];
                for (long o = 0; o < src.byteSize(); o += chunk.length) {
                    random.nextBytes(chunk);
                    MemorySegment.copy(MemorySegment.ofArray(chunk), 0, src, o, Math.min(chunk.length, src.byteSize() - o));
                }
                MemorySegment dst = arena.allocate(len + 29);
                dst.fill((byte) 0x11);
                HostTransfers.copy(src, 13, dst, 29, len);
                assertEquals(-1, src.asSlice(13, len).mismatch(dst.asSlice(29, len)), "copy of " + len + " bytes");
                assertEquals(0x11, dst.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 28), "nothing written before the destination");
            }
        }
    }

    @Test
    void confinedSegmentsAreCopiedOnTheCallingThread() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(3L << 20);
            src.fill((byte) 5);
            MemorySegment dst = arena.allocate(3L << 20);
            HostTransfers.copy(src, 0, dst, 0, src.byteSize()); // other threads may not touch these: no WrongThreadException
            assertEquals(-1, src.mismatch(dst));
        }
    }
}
