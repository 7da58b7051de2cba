package io.jmamba.model.weights;

/** A checkpoint that cannot be read or does not fit its config: the message names the file or tensor. */
public final class WeightsException extends RuntimeException {
    public WeightsException(String message) {
        super(message);
    }

    public WeightsException(String message, Throwable cause) {
        super(message, cause);
    }
}
