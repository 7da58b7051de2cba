package io.jmamba.kernels.conv;

import io.jmamba.kernels.support.Tensor;

/**
 * Depthwise causal 1-D convolution in double precision: the specification of {@link CausalConv1dKernels}.
 * <pre>
 *   forward: xp = concat(initial_states or zeros [W-1], x) per (batch, channel)
 *            out[t] = act(bias + sum_k weight[k] * xp[t + k]),  k = 0..W-1
 *            final_states = the last W-1 entries of xp
 *   update:  xs = concat(conv_state [S], x [T]);  out[t] = act(bias + sum_k weight[k] * xs[S + t - (W-1) + k])
 *            new conv_state = the last S entries of xs
 * </pre>
 * with act = silu or identity; layouts x, out {@code [batch, dim, seqlen]}, weight {@code [dim, W]}.
 */
public final class CausalConv1dReference {
    private CausalConv1dReference() {
    }

    public static CausalConv1dResult forward(Tensor x, Tensor weight, Tensor bias, Tensor initialStates, boolean silu) {
        ConvShape s = ConvShape.forward(x, weight, bias, initialStates);
        int w = s.width();
        long len = s.seqlen();
        Tensor out = Tensor.zeros(x.shape());
        Tensor fin = Tensor.zeros(s.batch(), s.dim(), w - 1);
        for (long row = 0; row < (long) s.batch() * s.dim(); row++) {
            int d = (int) (row % s.dim());
            double[] xp = new double[(int) (w - 1 + len)];
            for (int i = 0; i < w - 1; i++) {
                xp[i] = initialStates == null ? 0 : initialStates.data().get(row * (w - 1) + i);
            }
            for (int t = 0; t < len; t++) {
                xp[w - 1 + t] = x.data().get(row * len + t);
            }
            for (int t = 0; t < len; t++) {
                double acc = bias == null ? 0 : bias.data().get(d);
                for (int k = 0; k < w; k++) {
                    acc += weight.data().get((long) d * w + k) * xp[t + k];
                }
                out.data().set(row * len + t, (float) act(acc, silu));
            }
            for (int i = 0; i < w - 1; i++) {
                fin.data().set(row * (w - 1) + i, (float) xp[(int) len + i]);
            }
        }
        return new CausalConv1dResult(out, fin);
    }

    /** Returns the output and the new state; {@code convState} is not modified. */
    public static CausalConv1dResult update(Tensor convState, Tensor x, Tensor weight, Tensor bias, boolean silu) {
        ConvShape s = ConvShape.update(convState, x, weight, bias);
        int w = s.width();
        int st = s.stateLen();
        long len = s.seqlen();
        Tensor out = Tensor.zeros(x.shape());
        Tensor newState = Tensor.zeros(convState.shape());
        for (long row = 0; row < (long) s.batch() * s.dim(); row++) {
            int d = (int) (row % s.dim());
            double[] xs = new double[(int) (st + len)];
            for (int i = 0; i < st; i++) {
                xs[i] = convState.data().get(row * st + i);
            }
            for (int t = 0; t < len; t++) {
                xs[st + t] = x.data().get(row * len + t);
            }
            for (int t = 0; t < len; t++) {
                double acc = bias == null ? 0 : bias.data().get(d);
                for (int k = 0; k < w; k++) {
                    acc += weight.data().get((long) d * w + k) * xs[st + t - (w - 1) + k];
                }
                out.data().set(row * len + t, (float) act(acc, silu));
            }
            for (int i = 0; i < st; i++) {
                newState.data().set(row * st + i, (float) xs[(int) len + i]);
            }
        }
        return new CausalConv1dResult(out, newState);
    }

    private static double act(double v, boolean silu) {
        return silu ? v / (1 + Math.exp(-v)) : v;
    }
}
