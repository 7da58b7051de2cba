package io.jmamba.model.device;

import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.inference.InferenceState;
import io.jmamba.runtime.api.FloatArray;

import java.lang.foreign.MemorySegment;

/**
 * A batch's recurrent state for the device engine: a host copy per layer (conv [batch, channels,
 * d_conv-1], SSM [batch, d_inner * d_state]) and, while decoding, the plan whose device buffers hold
 * the newer values.
 */
final class DeviceState implements InferenceState {
    final DeviceEngine engine;
    final int batch;
    final FloatArray[] conv;
    final FloatArray[] ssm;
    final long[] positions;
    /** The plan holding this state's latest values on the device, or null when the host copy is current. */
    ForwardPlan resident;

    DeviceState(DeviceEngine engine, MambaConfig c, int batch) {
        if (batch <= 0) {
            throw new IllegalArgumentException("batch must be > 0, got " + batch);
        }
        this.engine = engine;
        this.batch = batch;
        conv = new FloatArray[c.nLayer()];
        ssm = new FloatArray[c.nLayer()];
        for (int l = 0; l < c.nLayer(); l++) {
            conv[l] = new FloatArray(batch * c.convStateSize());
            ssm[l] = new FloatArray(batch * c.ssmStateSize());
        }
        positions = new long[batch];
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public long position(int b) {
        return positions[b];
    }

    /** Copies this state's host arrays into (toPlan) or out of a plan's state arrays of the same batch. */
    void copy(Activations a, boolean toPlan) {
        for (int l = 0; l < conv.length; l++) {
            copy(toPlan ? conv[l] : a.convState[l], toPlan ? a.convState[l] : conv[l]);
            copy(toPlan ? ssm[l] : a.ssmState[l], toPlan ? a.ssmState[l] : ssm[l]);
        }
    }

    /** Copies sequence {@code b} of this state into sequence 0 of {@code one} (toOne) or back. */
    void copySlot(int b, DeviceState one, boolean toOne) {
        for (int l = 0; l < conv.length; l++) {
            slot(conv[l], one.conv[l], b, toOne);
            slot(ssm[l], one.ssm[l], b, toOne);
        }
    }

    private static void slot(FloatArray batchArr, FloatArray oneArr, int b, boolean toOne) {
        long bytes = oneArr.byteSize();
        MemorySegment batchSeg = batchArr.getSegment().asSlice(b * bytes, bytes);
        if (toOne) {
            MemorySegment.copy(batchSeg, 0, oneArr.getSegment(), 0, bytes);
        } else {
            MemorySegment.copy(oneArr.getSegment(), 0, batchSeg, 0, bytes);
        }
    }

    private static void copy(FloatArray from, FloatArray to) {
        MemorySegment.copy(from.getSegment(), 0, to.getSegment(), 0, from.byteSize());
    }
}
