package io.jmamba.runtime.backend;

/**
 * A session that can record a sequence of launches and replay it as one unit (CUDA graphs).
 * The plan executor uses it when a plan asks for it and the session implements it.
 */
public interface GraphCaptureSession extends DeviceSession {
    /** Starts recording: launches and copies issued until {@link #endCapture()} are recorded, not run. */
    void beginCapture();

    /** Stops recording and returns the instantiated graph. */
    CapturedGraph endCapture();

    /** A recorded graph; replaying it runs its launches with the arguments they had at capture. */
    interface CapturedGraph extends AutoCloseable {
        void replay();

        @Override
        void close();
    }
}
