package io.jmamba.kernels.ssd;

import io.jmamba.runtime.api.FloatArray;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** An SSD problem for tests: config and inputs, from a fixture or random. */
record SsdCase(String name, SsdConfig cfg, SsdInputs in) {
    /** The variants the shared device loops run: all of them. */
    static final List<SsdScan.Variant> CORE_VARIANTS = List.of(SsdScan.Variant.values());

    static SsdCase fromFixture(GoldenFile f) {
        long[] xs = f.shape("x");
        long[] bs = f.shape("B");
        float[] limit = f.metaFloats("dt_limit");
        SsdConfig cfg = new SsdConfig((int) xs[0], (int) xs[1], (int) xs[2], (int) xs[3], (int) bs[2], (int) bs[3],
                f.metaInt("chunk_size"), f.metaBool("dt_softplus"), limit[0], limit[1]);
        SsdInputs in = new SsdInputs(f.array("x"), f.array("dt"), f.array("A"), f.array("B"), f.array("C"),
                f.arrayOrNull("D"), f.arrayOrNull("z"), f.arrayOrNull("dt_bias"), f.arrayOrNull("initial_states"));
        return new SsdCase(f.name(), cfg, in);
    }

    /** Random inputs of the usual magnitudes: A in [-2, -0.1], dt around softplus range. */
    static SsdCase random(String name, SsdConfig cfg, long seed, boolean withD, boolean dPerChannel, boolean withZ,
                          boolean withBias, boolean withInit) {
        Random r = new Random(seed);
        long tokens = (long) cfg.batch() * cfg.seqlen();
        FloatArray x = fill(r, tokens * cfg.heads() * cfg.headdim(), -1, 1);
        FloatArray dt = fill(r, tokens * cfg.heads(), -3, 0.5f);
        FloatArray a = fill(r, cfg.heads(), -2, -0.1f);
        FloatArray b = fill(r, tokens * cfg.groups() * cfg.dstate(), -1, 1);
        FloatArray c = fill(r, tokens * cfg.groups() * cfg.dstate(), -1, 1);
        FloatArray d = withD ? fill(r, dPerChannel ? (long) cfg.heads() * cfg.headdim() : cfg.heads(), -1, 1) : null;
        FloatArray z = withZ ? fill(r, tokens * cfg.heads() * cfg.headdim(), -2, 2) : null;
        FloatArray bias = withBias ? fill(r, cfg.heads(), -1, 1) : null;
        FloatArray init = withInit ? fill(r, (long) cfg.batch() * cfg.heads() * cfg.headdim() * cfg.dstate(), -1, 1) : null;
        return new SsdCase(name, cfg, new SsdInputs(x, dt, a, b, c, d, z, bias, init));
    }

    static FloatArray fill(Random r, long n, float lo, float hi) {
        FloatArray a = new FloatArray(n);
        for (long i = 0; i < n; i++) {
            a.set(i, lo + (hi - lo) * r.nextFloat());
        }
        return a;
    }

    FloatArray newOut() {
        return new FloatArray((long) cfg.batch() * cfg.seqlen() * cfg.heads() * cfg.headdim());
    }

    FloatArray newStates() {
        return new FloatArray((long) cfg.batch() * cfg.heads() * cfg.headdim() * cfg.dstate());
    }

    @Override
    public String toString() {
        return name;
    }
}
