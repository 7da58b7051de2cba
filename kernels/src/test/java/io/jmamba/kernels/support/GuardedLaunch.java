package io.jmamba.kernels.support;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.backend.CompiledKernel;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceBuffer;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.backend.DeviceSession;
import io.jmamba.runtime.backend.KernelRequest;
import io.jmamba.runtime.backend.LaunchGrid;
import org.junit.jupiter.api.DynamicTest;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Launches one kernel straight on a device session with every array argument allocated {@link #GUARD_BYTES} bytes
 * longer than its shape and the tail filled with a sentinel, then checks that no guard byte changed and that every
 * array (inputs included) holds what the JVM backend's run of the same launch left in it. The guard bytes catch a
 * stray store past a buffer's end: on the JVM backend it would land in memory the backend owns, on PoCL in the
 * host heap (PoCL 3.1 once ran a per-item store loop for every item of a work-group whose barriers sat in a
 * work-group-uniform {@code if}; see GatedNormShiftGuardTest). Comparing against the JVM run (the reference
 * backend, checked against references by each kernel's own tests) catches a stray store inside a buffer.
 */
public final class GuardedLaunch {
    /** Extra bytes after each array's shape. */
    public static final int GUARD_BYTES = 4096;
    private static final byte SENTINEL = (byte) 0x7b;

    /**
     * One launch: the kernel, its {@code @Specialize} values, its grid and a factory of fresh arguments (one per Java
     * parameter: a {@link NativeArray}, a boxed scalar, or null for the KernelContext). {@code relTol} bounds the
     * float difference from the JVM run relative to the largest magnitude of that array (sums in another order).
     */
    public record Case(String name, Method kernel, Map<Integer, Object> specialized, LaunchGrid grid,
                       Supplier<Object[]> args, float relTol) {
    }

    private GuardedLaunch() {
    }

    /** The method {@code name} of {@code owner} (kernel names are unique in their classes). */
    public static Method method(Class<?> owner, String name) {
        for (Method m : owner.getMethods()) {
            if (m.getName().equals(name)) {
                return m;
            }
        }
        throw new IllegalStateException("no method " + owner.getSimpleName() + "." + name);
    }

    /** One dynamic test per (case, device of {@link DeviceMatrix}); the JVM reference run happens once per case. */
    public static List<DynamicTest> tests(List<Case> cases) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases) {
            NativeArray[][] reference = new NativeArray[1][];
            for (ComputeDevice d : DeviceMatrix.devices()) {
                tests.add(dynamicTest(c.name() + " on " + d.id(), () -> {
                    if (reference[0] == null) {
                        reference[0] = run(c, jvm());
                    }
                    NativeArray[] got = d.id().equals("jvm") ? reference[0] : run(c, d);
                    compare(c, d, reference[0], got);
                }));
            }
        }
        return tests;
    }

    /** The JVM reference, also where JMAMBA_BACKENDS leaves it out of the matrix (a GPU run). */
    private static ComputeDevice jvm() {
        return DeviceMatrix.reference().orElseThrow(() -> new IllegalStateException("no JVM backend, the reference"));
    }

    /** Runs the case on {@code d}; checks the guards; returns the arrays (null for scalars) as the kernel left them. */
    public static NativeArray[] run(Case c, ComputeDevice d) {
        Object[] args = c.args().get();
        NativeArray[] arrays = new NativeArray[args.length];
        Object[] launchArgs = new Object[args.length];
        MemorySegment[] guarded = new MemorySegment[args.length];
        try (DeviceSession session = d.openSession()) {
            DeviceBuffer[] buffers = new DeviceBuffer[args.length];
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof NativeArray a) {
                    arrays[i] = a;
                    guarded[i] = MemorySegment.ofArray(new byte[(int) (a.byteSize() + GUARD_BYTES)]);
                    guarded[i].copyFrom(a.getSegment());
                    guarded[i].asSlice(a.byteSize()).fill(SENTINEL);
                    buffers[i] = session.allocate(guarded[i].byteSize());
                    session.write(buffers[i], 0, guarded[i]);
                    launchArgs[i] = buffers[i];
                } else {
                    launchArgs[i] = args[i];
                }
            }
            CompiledKernel k = session.compile(new KernelRequest(c.kernel(), c.specialized()));
            session.launch(k, c.grid(), launchArgs, false);
            session.synchronize();
            for (int i = 0; i < args.length; i++) {
                if (arrays[i] != null) {
                    session.read(buffers[i], 0, guarded[i]);
                }
            }
        }
        for (int i = 0; i < args.length; i++) {
            if (arrays[i] == null) {
                continue;
            }
            long size = arrays[i].byteSize();
            long changed = 0, first = -1, last = -1;
            for (long b = size; b < guarded[i].byteSize(); b++) {
                if (guarded[i].get(ValueLayout.JAVA_BYTE, b) != SENTINEL) {
                    changed++;
                    first = first < 0 ? b - size : first;
                    last = b - size;
                }
            }
            assertEquals(0, changed, c.name() + " on " + d.id() + ": argument " + i + " (" + c.kernel().getParameters()[i].getName()
                    + "): " + changed + " guard bytes past its end were written, the first " + first + " and the last "
                    + last + " bytes past the end");
            arrays[i].getSegment().copyFrom(guarded[i].asSlice(0, size));
        }
        return arrays;
    }

    private static void compare(Case c, ComputeDevice d, NativeArray[] want, NativeArray[] got) {
        for (int i = 0; i < want.length; i++) {
            if (want[i] == null) {
                continue;
            }
            String what = c.name() + " on " + d.id() + ": argument " + i + " (" + c.kernel().getParameters()[i].getName() + ")";
            if (want[i] instanceof FloatArray || want[i] instanceof BFloat16Array) {
                float max = 0f;
                for (long j = 0; j < want[i].getSize(); j++) {
                    max = Math.max(max, Math.abs(floatAt(want[i], j)));
                }
                float tol = c.relTol() * max + 1e-6f;
                for (long j = 0; j < want[i].getSize(); j++) {
                    float w = floatAt(want[i], j), g = floatAt(got[i], j);
                    if (!(Math.abs(w - g) <= tol) && !(Float.isNaN(w) && Float.isNaN(g)) && w != g) {
                        fail(what + "[" + j + "]: JVM " + w + ", got " + g + " (tolerance " + tol + ")");
                    }
                }
            } else if (want[i] instanceof IntArray wi) {
                IntArray gi = (IntArray) got[i];
                for (long j = 0; j < wi.getSize(); j++) {
                    assertEquals(wi.get(j), gi.get(j), what + "[" + j + "]");
                }
            } else if (want[i].getSegment().mismatch(got[i].getSegment()) >= 0) {
                fail(what + ": differs from the JVM run at byte " + want[i].getSegment().mismatch(got[i].getSegment()));
            }
        }
    }

    private static float floatAt(NativeArray a, long i) {
        return a instanceof BFloat16Array b ? b.get(i) : ((FloatArray) a).get(i);
    }
}
