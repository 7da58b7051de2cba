package io.jmamba.kernels.fused;

import io.jmamba.kernels.nn.ShapeCheck;
import io.jmamba.runtime.api.FloatArray;

/**
 * The shape checks that {@link PersistentDecode} and {@link SplitDecode} share: a Mamba-2 decode layer's residuals,
 * in_proj, conv, SSM parameters and state, gate norm weight and out_proj bias (each names the array and both shapes).
 */
final class DecodeLayerChecks {
    private DecodeLayerChecks() {
    }

    /** Checks the arrays every decode-layer form takes; null means absent where an argument may be absent. */
    static void requireLayerArrays(Mamba2Decode.Shape s, int dModel, FloatArray residualIn, FloatArray residualOut,
                                   FloatArray normW, FloatArray inW, FloatArray inBias, FloatArray zxbcdt, FloatArray convState,
                                   FloatArray convW, FloatArray convBias, FloatArray ssmState, FloatArray a, FloatArray d,
                                   FloatArray dtBias, FloatArray gateW, FloatArray outBias) {
        int rows = s.batch();
        if (residualIn != null) {
            ShapeCheck.requireShape("residualIn", residualIn, "(rows, dModel)", rows, dModel);
        }
        if (residualOut != null) {
            ShapeCheck.requireShape("residualOut", residualOut, "(rows, dModel)", rows, dModel);
            if (residualOut == residualIn) {
                throw new IllegalArgumentException("residualOut must not be residualIn: work-groups still read it");
            }
        }
        ShapeCheck.requireShape("normWeight", normW, "(dModel)", dModel);
        ShapeCheck.requireShape("in_proj W (packed bf16)", inW, "(inRows, dModel / 2)", s.inRows(), dModel / 2);
        if (inBias != null) {
            ShapeCheck.requireShape("in_proj bias", inBias, "(inRows)", s.inRows());
        }
        ShapeCheck.requireShape("zxbcdt", zxbcdt, "(rows, inRows)", rows, s.inRows());
        ShapeCheck.requireShape("convState", convState, "(rows, convDim, width - 1)", rows, s.convDim(), s.width() - 1);
        ShapeCheck.requireShape("convWeight", convW, "(convDim, width)", s.convDim(), s.width());
        if (convBias != null) {
            ShapeCheck.requireShape("convBias", convBias, "(convDim)", s.convDim());
        }
        ShapeCheck.requireShape("ssmState", ssmState, "(rows, heads, headdim, dstate)", rows, s.heads(), s.headdim(), s.dstate());
        ShapeCheck.requireShape("A", a, "(heads)", s.heads());
        if (d != null) {
            ShapeCheck.requireShape("D", d, "(heads)", s.heads());
        }
        if (dtBias != null) {
            ShapeCheck.requireShape("dtBias", dtBias, "(heads)", s.heads());
        }
        ShapeCheck.requireShape("gateNormWeight", gateW, "(dInner)", s.dInner());
        if (outBias != null) {
            ShapeCheck.requireShape("out_proj bias", outBias, "(dModel)", dModel);
        }
    }
}
