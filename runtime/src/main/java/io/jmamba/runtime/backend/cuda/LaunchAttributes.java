package io.jmamba.runtime.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The {@code CUlaunchConfig} of cuLaunchKernelEx with up to two {@code CUlaunchAttribute}s: programmatic
 * stream serialisation (programmatic dependent launch, compute capability 9.0+), which lets the kernel start
 * while the previous one on the stream drains; the kernel's {@code griddepcontrol.wait} then waits for it
 * (KernelContext.gridDependencyWait); and cooperative launch, which guarantees that every block of the
 * grid is resident at once (KernelContext.gridBarrier). One per session, rewritten for every such launch
 * (the session's launches are synchronized).
 *
 * <p>Layouts as in cuda.h (CUDA 12): {@code CUlaunchAttributeValue} is a 64-byte union aligned to 8 (it
 * holds pointers); {@code CUlaunchAttribute} is {@code {CUlaunchAttributeID id; char pad[4]; value}}, 72
 * bytes; {@code CUlaunchConfig} is seven unsigned ints (grid, block, shared bytes), then {@code hStream},
 * {@code attrs} and {@code numAttrs} at offsets 32, 40 and 48, 56 bytes in all.
 */
final class LaunchAttributes {
    /** CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION. */
    static final int PROGRAMMATIC_STREAM_SERIALIZATION = 6;
    /** CU_LAUNCH_ATTRIBUTE_COOPERATIVE. */
    static final int COOPERATIVE = 2;

    static final UnionLayout VALUE = MemoryLayout.unionLayout(
            MemoryLayout.sequenceLayout(64, JAVA_BYTE).withName("pad"),
            JAVA_INT.withName("programmaticStreamSerializationAllowed"),
            JAVA_INT.withName("cooperative"),
            ADDRESS.withName("accessPolicyWindowBasePtr"));
    static final StructLayout ATTRIBUTE = MemoryLayout.structLayout(
            JAVA_INT.withName("id"),
            MemoryLayout.paddingLayout(4),
            VALUE.withName("value"));
    static final StructLayout CONFIG = MemoryLayout.structLayout(
            JAVA_INT.withName("gridDimX"), JAVA_INT.withName("gridDimY"), JAVA_INT.withName("gridDimZ"),
            JAVA_INT.withName("blockDimX"), JAVA_INT.withName("blockDimY"), JAVA_INT.withName("blockDimZ"),
            JAVA_INT.withName("sharedMemBytes"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("hStream"),
            ADDRESS.withName("attrs"),
            JAVA_INT.withName("numAttrs"),
            MemoryLayout.paddingLayout(4));

    private static final long GRID_X = CONFIG.byteOffset(groupElement("gridDimX"));
    private static final long SHARED = CONFIG.byteOffset(groupElement("sharedMemBytes"));
    private static final long STREAM = CONFIG.byteOffset(groupElement("hStream"));
    private static final long ATTRS = CONFIG.byteOffset(groupElement("attrs"));
    private static final long NUM_ATTRS = CONFIG.byteOffset(groupElement("numAttrs"));
    private static final long ATTR_ID = ATTRIBUTE.byteOffset(groupElement("id"));
    private static final long ATTR_ALLOWED = ATTRIBUTE.byteOffset(groupElement("value"),
            groupElement("programmaticStreamSerializationAllowed"));

    private static final long ATTR_VALUE = ATTRIBUTE.byteOffset(groupElement("value"), groupElement("cooperative"));

    private final MemorySegment config;
    /** Two attributes side by side: the configuration points at the first and counts one or both. */
    private final MemorySegment attributes;

    LaunchAttributes(Arena arena) {
        this.config = arena.allocate(CONFIG);
        this.attributes = arena.allocate(ATTRIBUTE, 2);
        attribute(0).set(JAVA_INT, ATTR_ID, PROGRAMMATIC_STREAM_SERIALIZATION);
        attribute(0).set(JAVA_INT, ATTR_ALLOWED, 1);
        config.set(ADDRESS, ATTRS, attributes);
        config.set(JAVA_INT, NUM_ATTRS, 1);
    }

    /** The configuration for {@code c} on {@code stream}, programmatic serialisation allowed. */
    MemorySegment programmatic(LaunchConfig c, int sharedBytes, MemorySegment stream) {
        return configure(c, sharedBytes, stream, true, false);
    }

    /**
     * The configuration for {@code c} on {@code stream} with the attributes asked for (at least one):
     * programmatic stream serialisation and/or a cooperative launch.
     */
    MemorySegment configure(LaunchConfig c, int sharedBytes, MemorySegment stream, boolean programmatic, boolean cooperative) {
        if (!programmatic && !cooperative) {
            throw new IllegalArgumentException("a cuLaunchKernelEx configuration without attributes: launch plainly");
        }
        int[] dims = {c.gridX(), c.gridY(), c.gridZ(), c.blockX(), c.blockY(), c.blockZ()};
        for (int i = 0; i < dims.length; i++) {
            config.set(JAVA_INT, GRID_X + 4L * i, dims[i]);
        }
        config.set(JAVA_INT, SHARED, sharedBytes);
        config.set(ADDRESS, STREAM, stream);
        int n = 0;
        if (programmatic) {
            set(n++, PROGRAMMATIC_STREAM_SERIALIZATION);
        }
        if (cooperative) {
            set(n++, COOPERATIVE);
        }
        config.set(JAVA_INT, NUM_ATTRS, n);
        return config;
    }

    /** Attribute {@code slot} = {@code id} with the value 1 (both attributes are flags; the rest of the union 0). */
    private void set(int slot, int id) {
        MemorySegment a = attribute(slot);
        a.fill((byte) 0);
        a.set(JAVA_INT, ATTR_ID, id);
        a.set(JAVA_INT, ATTR_VALUE, 1);
    }

    /** The first attribute the configuration points to (for tests). */
    MemorySegment attribute() {
        return attribute(0);
    }

    /** Attribute {@code slot} (0 or 1) of the configuration (for tests). */
    MemorySegment attribute(int slot) {
        return attributes.asSlice(slot * ATTRIBUTE.byteSize(), ATTRIBUTE.byteSize());
    }
}
