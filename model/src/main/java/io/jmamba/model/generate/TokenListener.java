package io.jmamba.model.generate;

/** Called with each new token as soon as it is chosen (streaming). */
@FunctionalInterface
public interface TokenListener {
    void onToken(int sequence, int token);

    TokenListener NONE = (s, t) -> { };
}
