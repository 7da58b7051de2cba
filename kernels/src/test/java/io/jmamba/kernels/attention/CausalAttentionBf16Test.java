package io.jmamba.kernels.attention;

import io.jmamba.kernels.support.Target;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.backend.ComputeDevice;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * bf16 tensor-core flash attention against {@link CausalAttentionReference} (float64) run on the same
 * bf16-rounded inputs, on every target. Tolerance as the official bf16 tests: |out - ref| at most
 * 3e-2 relative plus 1e-2 absolute (out is rounded to bf16 and P is rounded to bf16 before P V).
 * Lengths cover a single token, odd lengths that end inside a key tile and a query tile, one past a
 * tile (65), several query tiles so the causal diagonal and the longest-first order both matter.
 */
class CausalAttentionBf16Test {
    private static final double RTOL = 3e-2;
    private static final double ATOL = 1e-2;

    /** batch, nheads, seqlen, headdim, causal, mTiles, keyTile. */
    private static final int[][] CASES = {
            {1, 1, 1, 64, 1, 1, 64},
            {1, 2, 65, 64, 1, 2, 32},
            {2, 1, 100, 64, 1, 2, 32},
            {1, 1, 37, 64, 0, 1, 64},
            {1, 1, 150, 64, 1, 1, 64},
            {1, 1, 300, 64, 1, 1, 32},
            {1, 1, 70, 32, 1, 1, 64},
            {1, 2, 130, 64, 1, 2, 64}};

    /**
     * Cases 1 and 2 share one specialisation, the register kernel's default tiles; case 7 the asynchronous kernel's:
     * compiled targets build those two kernels by default.
     */
    private static final int[] COMPILED_BY_DEFAULT = {1, 2, 7};

    /** Every case on the JVM; on compiled targets (PoCL builds take ~15 s per specialisation) the first kernel. */
    @TestFactory
    List<DynamicTest> matchesReference() {
        return cases(false, null);
    }

    /**
     * The same cases with K/V staged by asynchronous copies ({@link FlashAttentionBf16AsyncKernel}), whatever
     * {@link CausalAttentionBf16#ASYNC_PROPERTY} says: every case on the JVM, the default tiles on compiled targets.
     */
    @TestFactory
    List<DynamicTest> asyncStagingMatchesReference() {
        return cases(false, true);
    }

    /** The other specialisations with asynchronous staging on compiled targets. */
    @Tag("slow")
    @TestFactory
    List<DynamicTest> asyncStagingMatchesReferenceEverySpecialisation() {
        return cases(true, true);
    }

    /** The other specialisations (non-causal, two m-tiles with 32-key tiles, headdim 32, one token) on compiled targets. */
    @Tag("slow")
    @TestFactory
    List<DynamicTest> matchesReferenceEverySpecialisation() {
        return cases(true, null);
    }

    /** {@code async}: the staging to build with, null for the builder's default (the system property). */
    private static List<DynamicTest> cases(boolean slowOnes, Boolean async) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Target target : Target.all()) {
            ComputeDevice device = ((Target.OnDevice) target).device();
            boolean jvm = device.backendName().equals("jvm");
            for (int i = 0; i < CASES.length; i++) {
                int[] c = CASES[i];
                int index = i;
                boolean byDefault = jvm || Arrays.stream(COMPILED_BY_DEFAULT).anyMatch(x -> x == index);
                if (byDefault != slowOnes) {
                    String name = Arrays.toString(c) + (async != null && async ? " async" : "") + " on " + target.name();
                    tests.add(DynamicTest.dynamicTest(name, () -> check(device, c, async)));
                }
            }
        }
        return tests;
    }

    private static void check(ComputeDevice device, int[] c, Boolean async) {
        long[] shape = {c[0], c[1], c[2], c[3]};
        SplittableRandom rnd = new SplittableRandom(Arrays.hashCode(c));
        // q, k in [-3, 3]: large logits move the running maximum often (rescaling exercised)
        BFloat16Array q = random(rnd, shape, 3);
        BFloat16Array k = random(rnd, shape, 3);
        BFloat16Array v = random(rnd, shape, 1);
        boolean causal = c[4] == 1;
        CausalAttentionBf16.Builder builder = CausalAttentionBf16.of(q, k, v, shape).causal(causal)
                .tiles(new CausalAttentionBf16.Tiles(c[5], c[6]));
        if (async != null) {
            builder.asyncStaging(async);
        }
        CausalAttentionBf16 att = builder.build();
        assertEquals(async != null ? async : CausalAttentionBf16.asyncByDefault(), att.asyncStaging());
        BFloat16Array out = att.runFlash(device);
        Tensor want = CausalAttentionReference.forward(widen(q, shape), widen(k, shape), widen(v, shape), att.scale(), causal);
        double worst = 0;
        for (long i = 0; i < out.getSize(); i++) {
            double ref = want.data().get(i);
            double got = out.get(i);
            double err = Math.abs(got - ref);
            if (!(err <= ATOL + RTOL * Math.abs(ref))) {
                long d = i % c[3], t = i / c[3] % c[2], h = i / c[3] / c[2];
                fail("out[row " + h + ", token " + t + ", dim " + d + "] = " + got + ", reference " + ref);
            }
            worst = Math.max(worst, err);
        }
        // bf16 rounding of P and of out: typical errors are a few 1e-3, far inside the bound
        assertTrue(worst < ATOL, "largest error " + worst);
    }

    private static BFloat16Array random(SplittableRandom rnd, long[] shape, double range) {
        BFloat16Array a = new BFloat16Array(shape[0] * shape[1] * shape[2] * shape[3]);
        for (long i = 0; i < a.getSize(); i++) {
            a.set(i, (float) ((rnd.nextDouble() * 2 - 1) * range));
        }
        return a;
    }

    /** The bf16 values as a float tensor (exact), for the reference. */
    private static Tensor widen(BFloat16Array a, long[] shape) {
        FloatArray f = new FloatArray(a.getSize());
        for (long i = 0; i < a.getSize(); i++) {
            f.set(i, a.get(i));
        }
        return Tensor.of(f, shape);
    }

    @Test
    void defaultScaleAndTiles() {
        BFloat16Array t = new BFloat16Array(128);
        CausalAttentionBf16 att = CausalAttentionBf16.of(t, t, t, 1, 1, 2, 64).build();
        assertEquals(0.125f, att.scale());
        if (System.getProperty(CausalAttentionBf16.TILES_PROPERTY) == null && System.getProperty(CausalAttentionBf16.ASYNC_PROPERTY) == null) {
            // asynchronous staging and its tiles unless a property says otherwise
            assertTrue(att.asyncStaging());
            assertEquals(CausalAttentionBf16.Tiles.ASYNC_DEFAULT, att.tiles());
        }
        CausalAttentionBf16 registers = CausalAttentionBf16.of(t, t, t, 1, 1, 2, 64).asyncStaging(false).build();
        assertEquals(CausalAttentionBf16.defaultTiles(false), registers.tiles());
    }

    @Test
    void badInputsNameTheArgument() {
        BFloat16Array q = new BFloat16Array(2 * 5 * 64);
        var e = assertThrows(IllegalArgumentException.class,
                () -> CausalAttentionBf16.of(q, new BFloat16Array(2 * 4 * 64), q, 1, 2, 5, 64).build());
        assertEquals("attention bf16: k has 512 elements but shape [1, 2, 5, 64] needs 640", e.getMessage());
        var eh = assertThrows(IllegalArgumentException.class,
                () -> CausalAttentionBf16.of(new BFloat16Array(40), new BFloat16Array(40), new BFloat16Array(40), 1, 1, 1, 40).build());
        assertEquals("attention bf16: headdim must be a multiple of 16 up to 128 (tensor-core k-steps), got 40", eh.getMessage());
        var er = assertThrows(IllegalArgumentException.class, () -> CausalAttentionBf16.of(q, q, q, 2, 5, 64).build());
        assertEquals("attention bf16: shape must be [batch, nheads, seqlen, headdim], got [2, 5, 64]", er.getMessage());
        var eo = assertThrows(IllegalArgumentException.class, () -> CausalAttentionBf16.of(q, q, q, 1, 2, 5, 64).build()
                .addFlash(new io.jmamba.runtime.api.TaskGraph("g"), "a", new io.jmamba.runtime.api.GridScheduler(), new BFloat16Array(3)));
        assertEquals("attention bf16: out has 3 elements but shape [1, 2, 5, 64] needs 640", eo.getMessage());
    }

    @Test
    void tilesComeFromTheSystemProperty() {
        String old = System.getProperty(CausalAttentionBf16.TILES_PROPERTY);
        try {
            System.setProperty(CausalAttentionBf16.TILES_PROPERTY, "2, 32");
            assertEquals(new CausalAttentionBf16.Tiles(2, 32), CausalAttentionBf16.Tiles.fromProperty());
            System.setProperty(CausalAttentionBf16.TILES_PROPERTY, "2");
            var e = assertThrows(IllegalArgumentException.class, CausalAttentionBf16.Tiles::fromProperty);
            assertTrue(e.getMessage().contains("\"mTiles,keyTile\""), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new CausalAttentionBf16.Tiles(1, 40));
        } finally {
            if (old == null) {
                System.clearProperty(CausalAttentionBf16.TILES_PROPERTY);
            } else {
                System.setProperty(CausalAttentionBf16.TILES_PROPERTY, old);
            }
        }
    }
}
