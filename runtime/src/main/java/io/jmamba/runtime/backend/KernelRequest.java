package io.jmamba.runtime.backend;

import java.lang.reflect.Method;
import java.util.Map;

/**
 * What to compile: a static kernel method and the values of its {@code @Specialize} parameters
 * (Java parameter index to boxed value). Together with the backend and device this is the code
 * cache key.
 */
public record KernelRequest(Method method, Map<Integer, Object> specialized) {
    public KernelRequest {
        specialized = Map.copyOf(specialized);
    }
}
