package io.jmamba.kernels.support;

import java.util.SplittableRandom;

/** Random tensors and slicing helpers for kernel tests. */
public final class TestTensors {
    private TestTensors() {
    }

    /** Uniform in [lo, hi). */
    public static Tensor uniform(SplittableRandom rnd, double lo, double hi, long... shape) {
        Tensor t = Tensor.zeros(shape);
        for (long i = 0; i < t.numel(); i++) {
            t.data().set(i, (float) (lo + (hi - lo) * rnd.nextDouble()));
        }
        return t;
    }

    /** Elements {@code [from, to)} of the last dimension. */
    public static Tensor sliceLast(Tensor t, long from, long to) {
        long[] s = t.shape();
        long last = s[s.length - 1];
        long outer = t.numel() / Math.max(1, last);
        s[s.length - 1] = to - from;
        Tensor out = Tensor.zeros(s);
        for (long o = 0; o < outer; o++) {
            for (long i = from; i < to; i++) {
                out.data().set(o * (to - from) + (i - from), t.data().get(o * last + i));
            }
        }
        return out;
    }

    /** Joins two tensors along the last dimension. */
    public static Tensor concatLast(Tensor a, Tensor b) {
        long[] s = a.shape();
        long la = a.dim(-1);
        long lb = b.dim(-1);
        long outer = a.numel() / Math.max(1, la);
        s[s.length - 1] = la + lb;
        Tensor out = Tensor.zeros(s);
        for (long o = 0; o < outer; o++) {
            for (long i = 0; i < la; i++) {
                out.data().set(o * (la + lb) + i, a.data().get(o * la + i));
            }
            for (long i = 0; i < lb; i++) {
                out.data().set(o * (la + lb) + la + i, b.data().get(o * lb + i));
            }
        }
        return out;
    }

    public static Tensor copy(Tensor t) {
        Tensor c = Tensor.zeros(t.shape());
        c.data().copyFrom(t.data());
        return c;
    }
}
