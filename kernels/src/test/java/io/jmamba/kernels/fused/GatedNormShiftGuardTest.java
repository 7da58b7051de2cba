package io.jmamba.kernels.fused;

import io.jmamba.kernels.norm.NormReference;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.Specialize;
import io.jmamba.runtime.backend.CompiledKernel;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceBuffer;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.backend.DeviceSession;
import io.jmamba.runtime.backend.KernelRequest;
import io.jmamba.runtime.backend.LaunchGrid;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static io.jmamba.kernels.ssd.GoldenFile.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The gated norm + conv-state shift kernels ({@link Mamba2DecodeKernels#gatedNormShift}, its bf16-output form, and
 * {@link PreGatedNormKernels}) with norm groups narrower than the 256-item work-group (and an odd width, and one wider
 * than a work-group), launched straight on a device session with every buffer allocated {@link #GUARD} elements longer
 * than the kernel's shape and the tail filled with a sentinel: the values must match the reference and no guard cell
 * may change. The guard cells are what catch a stray store on the JVM backend (which would otherwise write into memory
 * it owns) and on PoCL, where items past the norm group's width once stored one element each (past the end of
 * {@code out} for the last group), corrupting the host heap.
 */
class GatedNormShiftGuardTest {
    /** Extra elements after each buffer's shape. */
    private static final int GUARD = 1024;
    private static final int SENTINEL = 0x7fa5a5a5;
    private static final short SENTINEL16 = (short) 0x7fa5;
    private static final float EPS = 1e-5f;
    private static final int WIDTH = 4;

    /** The kernels under test: the gate inside the norm (old path), or convSsm's gated y given (PreGatedNormKernels). */
    private enum Kernel {
        GATED_NORM_SHIFT(Mamba2DecodeKernels.class, "gatedNormShift", false),
        GATED_NORM_SHIFT_BF16_OUT(Mamba2DecodeKernels.class, "gatedNormShiftBf16Out", true),
        PRE_GATED_NORM_SHIFT(PreGatedNormKernels.class, "normShift", false),
        PRE_GATED_NORM_SHIFT_BF16_OUT(PreGatedNormKernels.class, "normShiftBf16Out", true);

        final Class<?> owner;
        final String method;
        final boolean bf16;

        Kernel(Class<?> owner, String method, boolean bf16) {
            this.owner = owner;
            this.method = method;
            this.bf16 = bf16;
        }

        boolean preGated() {
            return owner == PreGatedNormKernels.class;
        }

        Method find() {
            for (Method m : owner.getMethods()) {
                if (m.getName().equals(method)) {
                    return m;
                }
            }
            throw new IllegalStateException("no method " + owner.getSimpleName() + "." + method);
        }
    }

    @TestFactory
    List<DynamicTest> narrowNormGroupsStayInsideTheirBuffers() {
        List<DynamicTest> tests = new ArrayList<>();
        for (ComputeDevice d : DeviceMatrix.devices()) {
            for (Kernel kernel : Kernel.values()) {
                for (int groupSize : new int[] {32, 64, 128, 45, 320, 1800}) {
                    for (boolean before : kernel.preGated() ? new boolean[] {false} : new boolean[] {false, true}) {
                        String name = kernel.owner.getSimpleName() + "." + kernel.method + " norm groups of " + groupSize
                                + (before ? " norm before gate" : "") + " on " + d.id();
                        tests.add(dynamicTest(name, () -> check(name, d, kernel, groupSize, before)));
                    }
                }
            }
        }
        return tests;
    }

    private static void check(String name, ComputeDevice d, Kernel kernel, int groupSize, boolean before) {
        // three norm groups a row, three rows: fewer norm work-groups than conv-state shift work-groups
        Mamba2Decode.Shape s = new Mamba2Decode.Shape(3, 3, groupSize, 1, 16, WIDTH, true, 0f, Float.POSITIVE_INFINITY);
        int rows = s.batch(), in = s.dInner(), stateLen = WIDTH - 1;
        Random r = new Random(groupSize * 8L + kernel.ordinal() * 2L + (before ? 1 : 0));
        FloatArray y = FusedGemvTest.fill(r, (long) rows * in), zxbcdt = FusedGemvTest.fill(r, (long) rows * s.inRows());
        FloatArray weight = FusedGemvTest.fill(r, in);
        FloatArray conv = FusedGemvTest.fill(r, (long) rows * s.convDim() * stateLen);
        FloatArray z = new FloatArray((long) rows * in), gated = new FloatArray((long) rows * in);
        FloatArray convWant = new FloatArray(conv.getSize());
        for (int b = 0; b < rows; b++) {
            for (int k = 0; k < in; k++) {
                float zv = zxbcdt.get((long) b * s.inRows() + k);
                z.set((long) b * in + k, zv);
                gated.set((long) b * in + k, y.get((long) b * in + k) * FusedGemvKernels.silu(zv));
            }
            for (int c = 0; c < s.convDim(); c++) {
                long at = ((long) b * s.convDim() + c) * stateLen;
                for (int i = 0; i < stateLen - 1; i++) {
                    convWant.set(at + i, conv.get(at + i + 1));
                }
                convWant.set(at + stateLen - 1, zxbcdt.get((long) b * s.inRows() + in + c));
            }
        }
        FloatArray want = new FloatArray((long) rows * in);
        NormReference.gatedRmsNorm(y, z, weight, want, rows, in, groupSize, EPS, before);

        // both kernel families: work-groups of 256, as many as the norm or the shift needs, whichever is more
        long normGroups = (long) rows * (in / groupSize);
        long shiftGroups = ((long) rows * s.convDim() + Mamba2DecodeKernels.GROUP - 1) / Mamba2DecodeKernels.GROUP;
        int groups = (int) Math.max(normGroups, shiftGroups);
        NativeArray out = kernel.bf16 ? new BFloat16Array(want.getSize() + GUARD) : new FloatArray(want.getSize() + GUARD);
        FloatArray convOut = guarded(conv);
        FloatArray[] inputs = {guarded(kernel.preGated() ? gated : y), guarded(zxbcdt), guarded(weight)};
        fillGuard(out, want.getSize());
        Method m = kernel.find();
        try (DeviceSession session = d.openSession()) {
            DeviceBuffer[] in3 = new DeviceBuffer[3];
            for (int i = 0; i < 3; i++) {
                in3[i] = upload(session, inputs[i]);
            }
            DeviceBuffer dOut = upload(session, out), dConv = upload(session, convOut);
            Object[] args;
            Map<Integer, Object> specialized;
            if (kernel.preGated()) {
                args = new Object[] {null, in3[0], in3[1], in3[2], dOut, dConv, rows, in, s.inRows(), s.convDim(), groupSize,
                        EPS, WIDTH};
                specialized = Map.of(10, groupSize, 12, WIDTH);
            } else {
                args = new Object[] {null, in3[0], in3[1], in3[2], dOut, dConv, rows, in, s.inRows(), s.convDim(), groupSize,
                        EPS, before, groups, WIDTH};
                specialized = Map.of(14, WIDTH);
            }
            assertEquals(specialized.keySet(), specializedIndices(m), name + ": the @Specialize parameters");
            CompiledKernel k = session.compile(new KernelRequest(m, specialized));
            long items = (long) groups * Mamba2DecodeKernels.GROUP;
            session.launch(k, new LaunchGrid(new long[] {items}, new long[] {Mamba2DecodeKernels.GROUP}), args, false);
            session.synchronize();
            session.read(dOut, 0, out.getSegment());
            session.read(dConv, 0, convOut.getSegment());
            for (int i = 0; i < 3; i++) {
                session.read(in3[i], 0, inputs[i].getSegment());
            }
        }
        assertGuard(name + " out", out, want.getSize());
        assertGuard(name + " conv state", convOut, conv.getSize());
        String[] inputNames = {"y", "zxbcdt", "weight"};
        for (int i = 0; i < 3; i++) {
            assertGuard(name + " " + inputNames[i], inputs[i], inputs[i].getSize() - GUARD);
        }
        if (out instanceof BFloat16Array o16) {
            // bf16 keeps 8 significant bits: rounding to nearest is within 2^-9 relative, 2^-8 allows the fp32 value
            // to differ from the reference's in its last bits across a rounding boundary
            for (long i = 0; i < want.getSize(); i++) {
                float w = want.get(i);
                assertEquals(w, o16.get(i), Math.abs(w) * 0x1p-8f + 1e-6f, name + " bf16 out[" + i + "]");
            }
        } else {
            assertClose(name + " out", want, prefix((FloatArray) out, want.getSize()));
        }
        for (long i = 0; i < conv.getSize(); i++) {
            assertEquals(convWant.get(i), convOut.get(i), name + " conv state[" + i + "]");
        }
    }

    private static Set<Integer> specializedIndices(Method m) {
        Set<Integer> indices = new HashSet<>();
        for (int i = 0; i < m.getParameterCount(); i++) {
            if (m.getParameters()[i].isAnnotationPresent(Specialize.class)) {
                indices.add(i);
            }
        }
        return indices;
    }

    /** A copy of {@code a} followed by {@link #GUARD} sentinel elements. */
    private static FloatArray guarded(FloatArray a) {
        FloatArray g = new FloatArray(a.getSize() + GUARD);
        for (long i = 0; i < a.getSize(); i++) {
            g.set(i, a.get(i));
        }
        fillGuard(g, a.getSize());
        return g;
    }

    private static void fillGuard(NativeArray a, long from) {
        for (long i = from; i < a.getSize(); i++) {
            if (a instanceof BFloat16Array b) {
                b.setBits(i, SENTINEL16);
            } else {
                ((FloatArray) a).set(i, Float.intBitsToFloat(SENTINEL));
            }
        }
    }

    private static void assertGuard(String what, NativeArray a, long from) {
        long written = 0, first = -1, last = -1;
        for (long i = from; i < a.getSize(); i++) {
            boolean intact = a instanceof BFloat16Array b ? b.getBits(i) == SENTINEL16
                    : Float.floatToRawIntBits(((FloatArray) a).get(i)) == SENTINEL;
            if (!intact) {
                written++;
                first = first < 0 ? i - from : first;
                last = i - from;
            }
        }
        assertEquals(0, written, what + ": " + written + " guard cells past the end were written, the first "
                + first + " and the last " + last + " past the end");
    }

    private static DeviceBuffer upload(DeviceSession session, NativeArray a) {
        DeviceBuffer b = session.allocate(a.byteSize());
        session.write(b, 0, a.getSegment());
        return b;
    }

    private static FloatArray prefix(FloatArray a, long n) {
        FloatArray p = new FloatArray(n);
        p.getSegment().copyFrom(a.getSegment().asSlice(0, n * Float.BYTES));
        return p;
    }
}
