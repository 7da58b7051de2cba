package io.jmamba.model.config;

/** A model configuration that cannot be read or describes a model jmamba does not run. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
