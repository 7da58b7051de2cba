package io.jmamba.runtime.backend.cuda;

import io.jmamba.runtime.backend.DeviceBuffer;
import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelParam;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_CHAR;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Turns launch arguments (one per Java parameter) into cuLaunchKernel's {@code void** kernelParams}:
 * an array parameter becomes its CUdeviceptr and its element count (a C {@code long}), a scalar its
 * value, a KernelContext or a specialised parameter nothing (see {@link KernelParam}).
 *
 * <p>One instance is reused for every launch of a session: cuLaunchKernel copies the values before it
 * returns, so the memory can be overwritten by the next launch, and no launch allocates.
 */
final class KernelArguments {
    private static final int SLOT = 8;

    private final Arena arena;
    private MemorySegment values;
    private MemorySegment pointers;
    private int capacity;

    KernelArguments(Arena arena) {
        this.arena = arena;
        grow(16);
    }

    private void grow(int slots) {
        capacity = slots;
        values = arena.allocate((long) slots * SLOT, SLOT);
        pointers = arena.allocate(ADDRESS, slots);
        for (int i = 0; i < slots; i++) {
            pointers.setAtIndex(ADDRESS, i, values.asSlice((long) i * SLOT, SLOT));
        }
    }

    /** Fills the parameter block for {@code args} and returns the {@code void**} to pass to cuLaunchKernel. */
    MemorySegment pack(CudaSession session, GeneratedKernel kernel, Object[] args) {
        List<KernelParam> params = kernel.params();
        if (args.length != params.size()) {
            throw new IllegalArgumentException("kernel " + kernel.entryName() + " takes " + params.size() + " arguments (one per Java parameter), got "
                    + args.length);
        }
        int needed = 0;
        for (KernelParam p : params) {
            needed += p.kind() == KernelParam.Kind.ARRAY ? 2 : p.kind() == KernelParam.Kind.SCALAR ? 1 : 0;
        }
        if (needed > capacity) {
            grow(Math.max(needed, capacity * 2));
        }
        int slot = 0;
        for (int i = 0; i < params.size(); i++) {
            KernelParam p = params.get(i);
            Object a = args[i];
            long at = (long) slot * SLOT;
            switch (p.kind()) {
                case ARRAY -> {
                    if (!(a instanceof DeviceBuffer db)) {
                        throw bad(kernel, p, "a device buffer", a);
                    }
                    if (!(db instanceof CudaBuffer cb) || cb.session() != session) {
                        throw new IllegalArgumentException("kernel " + kernel.entryName() + ": argument " + p.index() + " (" + p.name()
                                + ") is a buffer of another session or backend: " + db);
                    }
                    int elem = elementBytes(p.elementType(), kernel, p);
                    values.set(JAVA_LONG, at, cb.devicePointer());
                    values.set(JAVA_LONG, at + SLOT, cb.byteSize() / elem);
                    slot += 2;
                }
                case SCALAR -> {
                    putScalar(kernel, p, a, at);
                    slot += 1;
                }
                case CONTEXT, SPECIALIZED -> {
                    // nothing travels: built-ins, or a literal the JIT baked in
                }
            }
        }
        return pointers;
    }

    private void putScalar(GeneratedKernel kernel, KernelParam p, Object a, long at) {
        switch (p.elementType()) {
            case "int" -> values.set(JAVA_INT, at, a instanceof Integer v ? v : (Integer) fail(kernel, p, "an Integer", a));
            case "long" -> values.set(JAVA_LONG, at, a instanceof Long v ? v : (Long) fail(kernel, p, "a Long", a));
            case "float" -> values.set(JAVA_FLOAT, at, a instanceof Float v ? v : (Float) fail(kernel, p, "a Float", a));
            case "double" -> values.set(JAVA_DOUBLE, at, a instanceof Double v ? v : (Double) fail(kernel, p, "a Double", a));
            case "boolean" -> values.set(JAVA_INT, at, a instanceof Boolean v ? (v ? 1 : 0) : (Integer) fail(kernel, p, "a Boolean", a));
            case "byte" -> values.set(JAVA_BYTE, at, a instanceof Byte v ? v : (Byte) fail(kernel, p, "a Byte", a));
            case "short" -> values.set(JAVA_SHORT, at, a instanceof Short v ? v : (Short) fail(kernel, p, "a Short", a));
            case "char" -> values.set(JAVA_CHAR, at, a instanceof Character v ? v : (Character) fail(kernel, p, "a Character", a));
            default -> throw new IllegalArgumentException("kernel " + kernel.entryName() + ": parameter " + p.name()
                    + " has scalar type " + p.elementType() + ", which the CUDA backend cannot pass");
        }
    }

    static int elementBytes(String type, GeneratedKernel kernel, KernelParam p) {
        return switch (type) {
            case "byte" -> 1;
            case "half", "bf16", "short", "char" -> 2;
            case "float", "int" -> 4;
            case "long", "double" -> 8;
            default -> throw new IllegalArgumentException("kernel " + kernel.entryName() + ": array parameter " + p.name()
                    + " has element type " + type + ", unknown to the CUDA backend");
        };
    }

    private static Object fail(GeneratedKernel kernel, KernelParam p, String wanted, Object got) {
        throw bad(kernel, p, wanted, got);
    }

    private static IllegalArgumentException bad(GeneratedKernel kernel, KernelParam p, String wanted, Object got) {
        return new IllegalArgumentException("kernel " + kernel.entryName() + ": argument " + p.index() + " (" + p.name() + ", "
                + p.kind().name().toLowerCase() + " " + p.elementType() + ") needs " + wanted + ", got "
                + (got == null ? "null" : got.getClass().getSimpleName() + " " + got));
    }
}
