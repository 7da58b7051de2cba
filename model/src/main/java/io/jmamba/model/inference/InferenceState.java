package io.jmamba.model.inference;

/**
 * The recurrent state of a batch of sequences, owned by the engine that made it (a reference
 * state lives on the Java heap, a device state in device buffers). Only the engine that created a
 * state may be handed it back.
 */
public interface InferenceState {
    int batch();

    /** Tokens fed so far to sequence {@code b}. */
    long position(int b);
}
