package io.jmamba.runtime.backend.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The cuLaunchKernelEx structures have cuda.h's sizes and offsets (a wrong one would crash the driver, not fail). */
class LaunchAttributesTest {
    @Test
    void layoutsMatchCudaH() {
        assertEquals(64, LaunchAttributes.VALUE.byteSize());
        assertEquals(8, LaunchAttributes.VALUE.byteAlignment());
        assertEquals(72, LaunchAttributes.ATTRIBUTE.byteSize());
        assertEquals(8, LaunchAttributes.ATTRIBUTE.byteOffset(groupElement("value")));
        assertEquals(56, LaunchAttributes.CONFIG.byteSize());
        assertEquals(24, LaunchAttributes.CONFIG.byteOffset(groupElement("sharedMemBytes")));
        assertEquals(32, LaunchAttributes.CONFIG.byteOffset(groupElement("hStream")));
        assertEquals(40, LaunchAttributes.CONFIG.byteOffset(groupElement("attrs")));
        assertEquals(48, LaunchAttributes.CONFIG.byteOffset(groupElement("numAttrs")));
    }

    @Test
    void programmaticConfigurationCarriesTheLaunchAndOneAttribute() {
        try (Arena arena = Arena.ofConfined()) {
            LaunchAttributes la = new LaunchAttributes(arena);
            MemorySegment stream = MemorySegment.ofAddress(0x1234_5678L);
            MemorySegment c = la.programmatic(new LaunchConfig(838, 2, 1, 64, 1, 1), 0, stream);
            int[] expect = {838, 2, 1, 64, 1, 1, 0};
            for (int i = 0; i < expect.length; i++) {
                assertEquals(expect[i], c.get(JAVA_INT, 4L * i), "field " + i);
            }
            assertEquals(0x1234_5678L, c.get(ADDRESS, 32).address());
            assertEquals(la.attribute().address(), c.get(ADDRESS, 40).address());
            assertEquals(1, c.get(JAVA_INT, 48));
            assertEquals(LaunchAttributes.PROGRAMMATIC_STREAM_SERIALIZATION, la.attribute().get(JAVA_INT, 0));
            assertEquals(6, la.attribute().get(JAVA_INT, 0));
            assertEquals(1, la.attribute().get(JAVA_INT, 8), "programmaticStreamSerializationAllowed");
        }
    }

    @Test
    void cooperativeConfigurationsCarryOneOrBothAttributes() {
        try (Arena arena = Arena.ofConfined()) {
            LaunchAttributes la = new LaunchAttributes(arena);
            MemorySegment stream = MemorySegment.ofAddress(0x10L);
            MemorySegment c = la.configure(new LaunchConfig(132, 1, 1, 256, 1, 1), 0, stream, false, true);
            assertEquals(132, c.get(JAVA_INT, 0));
            assertEquals(1, c.get(JAVA_INT, 48), "one attribute");
            assertEquals(LaunchAttributes.COOPERATIVE, la.attribute(0).get(JAVA_INT, 0));
            assertEquals(2, la.attribute(0).get(JAVA_INT, 0), "CU_LAUNCH_ATTRIBUTE_COOPERATIVE");
            assertEquals(1, la.attribute(0).get(JAVA_INT, 8), "cooperative");

            c = la.configure(new LaunchConfig(132, 1, 1, 256, 1, 1), 0, stream, true, true);
            assertEquals(2, c.get(JAVA_INT, 48), "two attributes");
            assertEquals(la.attribute(0).address(), c.get(ADDRESS, 40).address());
            assertEquals(la.attribute(0).address() + 72, la.attribute(1).address(), "an array of CUlaunchAttribute");
            assertEquals(6, la.attribute(0).get(JAVA_INT, 0));
            assertEquals(1, la.attribute(0).get(JAVA_INT, 8));
            assertEquals(2, la.attribute(1).get(JAVA_INT, 0));
            assertEquals(1, la.attribute(1).get(JAVA_INT, 8));

            c = la.programmatic(new LaunchConfig(1, 1, 1, 32, 1, 1), 0, stream);
            assertEquals(1, c.get(JAVA_INT, 48), "back to PDL alone");
            assertEquals(6, la.attribute(0).get(JAVA_INT, 0));
        }
    }
}
