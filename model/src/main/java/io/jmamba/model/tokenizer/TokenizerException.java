package io.jmamba.model.tokenizer;

/** A tokenizer.json jmamba cannot read. */
public final class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
