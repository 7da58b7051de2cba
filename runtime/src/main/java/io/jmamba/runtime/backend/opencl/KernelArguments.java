package io.jmamba.runtime.backend.opencl;

import io.jmamba.runtime.jit.GeneratedKernel;
import io.jmamba.runtime.jit.KernelParam;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Sets a kernel's arguments from the launch's Java arguments, following the {@link KernelParam} contract:
 * an array becomes a cl_mem and a {@code long} element count, a scalar its value in its C type (boolean as
 * int), a KernelContext or specialised parameter nothing. Wrong arguments are reported with the
 * parameter's name before OpenCL sees them.
 */
final class KernelArguments {
    private KernelArguments() {
    }

    static void bind(OpenCl cl, OpenClSession session, OpenClProgram built, Object[] args, Arena arena) {
        GeneratedKernel g = built.generated();
        List<KernelParam> params = g.params();
        if (args.length != params.size()) {
            throw new IllegalArgumentException("kernel " + g.entryName() + " takes " + params.size()
                    + " arguments (one per Java parameter), got " + args.length);
        }
        int clIndex = 0;
        for (KernelParam p : params) {
            Object a = args[p.index()];
            switch (p.kind()) {
                case ARRAY -> {
                    OpenClBuffer buf = buffer(session, g, p, a);
                    MemorySegment mem = buf.handle();
                    MemorySegment slot = arena.allocate(ADDRESS);
                    slot.set(ADDRESS, 0, mem);
                    // a NULL cl_mem (empty buffer) is passed as a NULL arg_value: the kernel sees a NULL pointer
                    set(cl, built, g, p, clIndex++, ADDRESS.byteSize(), mem.equals(MemorySegment.NULL) ? MemorySegment.NULL : slot);
                    MemorySegment size = arena.allocate(JAVA_LONG);
                    size.set(JAVA_LONG, 0, buf.byteSize() / elementBytes(g, p));
                    set(cl, built, g, p, clIndex++, 8, size);
                }
                case SCALAR -> {
                    MemorySegment value = scalar(g, p, a, arena);
                    set(cl, built, g, p, clIndex++, value.byteSize(), value);
                }
                case CONTEXT, SPECIALIZED -> {
                    // built-ins and literals: no C parameter
                }
            }
        }
    }

    private static OpenClBuffer buffer(OpenClSession session, GeneratedKernel g, KernelParam p, Object a) {
        if (!(a instanceof OpenClBuffer buf)) {
            throw new IllegalArgumentException("kernel " + g.entryName() + ": argument " + p.index() + " (" + p.name()
                    + ") is a " + p.elementType() + " array and needs an OpenCL device buffer, got "
                    + (a == null ? "null" : a.getClass().getName()));
        }
        if (buf.session() != session) {
            throw new IllegalArgumentException("kernel " + g.entryName() + ": argument " + p.index() + " (" + p.name()
                    + ") is a buffer of another session (" + buf + ")");
        }
        return buf;
    }

    static int elementBytes(GeneratedKernel g, KernelParam p) {
        return switch (p.elementType()) {
            case "byte", "boolean" -> 1;
            case "half", "bf16", "short", "char" -> 2;
            case "float", "int" -> 4;
            case "double", "long" -> 8;
            default -> throw new IllegalArgumentException("kernel " + g.entryName() + ": parameter " + p.name()
                    + " has an unknown element type " + p.elementType());
        };
    }

    private static MemorySegment scalar(GeneratedKernel g, KernelParam p, Object a, Arena arena) {
        String t = p.elementType();
        MemorySegment s;
        switch (t) {
            case "int" -> {
                s = arena.allocate(JAVA_INT);
                s.set(JAVA_INT, 0, switch (a) {
                    case Integer i -> i;
                    case Short v -> v;
                    case Byte v -> v;
                    case Character c -> c;
                    case null, default -> throw wrongType(g, p, a);
                });
            }
            case "long" -> {
                s = arena.allocate(JAVA_LONG);
                s.set(JAVA_LONG, 0, switch (a) {
                    case Long l -> l;
                    case Integer i -> i;
                    case Short v -> v;
                    case Byte v -> v;
                    case Character c -> c;
                    case null, default -> throw wrongType(g, p, a);
                });
            }
            case "float" -> {
                s = arena.allocate(JAVA_FLOAT);
                s.set(JAVA_FLOAT, 0, switch (a) {
                    case Float f -> f;
                    case Integer i -> i;
                    case Long l -> l;
                    case Short v -> v;
                    case Byte v -> v;
                    case null, default -> throw wrongType(g, p, a);
                });
            }
            case "double" -> {
                s = arena.allocate(JAVA_DOUBLE);
                s.set(JAVA_DOUBLE, 0, switch (a) {
                    case Double d -> d;
                    case Float f -> f;
                    case Integer i -> i;
                    case Long l -> l;
                    case Short v -> v;
                    case Byte v -> v;
                    case null, default -> throw wrongType(g, p, a);
                });
            }
            case "boolean" -> {
                s = arena.allocate(JAVA_INT);
                if (!(a instanceof Boolean b)) {
                    throw wrongType(g, p, a);
                }
                s.set(JAVA_INT, 0, b ? 1 : 0);
            }
            case "byte" -> {
                s = arena.allocate(JAVA_BYTE);
                if (!(a instanceof Byte b)) {
                    throw wrongType(g, p, a);
                }
                s.set(JAVA_BYTE, 0, b);
            }
            case "short", "char" -> {
                s = arena.allocate(JAVA_SHORT);
                short v = switch (a) {
                    case Short x when t.equals("short") -> x;
                    case Byte x when t.equals("short") -> x;
                    case Character c when t.equals("char") -> (short) c.charValue();
                    case null, default -> throw wrongType(g, p, a);
                };
                s.set(JAVA_SHORT, 0, v);
            }
            default -> throw new IllegalArgumentException("kernel " + g.entryName() + ": parameter " + p.name()
                    + " has an unknown scalar type " + t);
        }
        return s;
    }

    private static IllegalArgumentException wrongType(GeneratedKernel g, KernelParam p, Object a) {
        return new IllegalArgumentException("kernel " + g.entryName() + ": argument " + p.index() + " (" + p.name()
                + ") is a " + p.elementType() + ", got " + (a == null ? "null" : a.getClass().getSimpleName() + " " + a));
    }

    private static void set(OpenCl cl, OpenClProgram built, GeneratedKernel g, KernelParam p, int clIndex, long size,
                            MemorySegment value) {
        int rc = cl.kernels().setArg(built.kernel(), clIndex, size, value);
        if (rc != ClConstants.CL_SUCCESS) {
            throw new OpenClException("clSetKernelArg", rc, "kernel " + g.entryName() + ", C argument " + clIndex
                    + " for Java parameter " + p.index() + " (" + p.name() + ", " + p.kind() + " " + p.elementType() + ")");
        }
    }
}
