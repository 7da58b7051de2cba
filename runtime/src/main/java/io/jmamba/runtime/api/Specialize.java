package io.jmamba.runtime.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a scalar kernel parameter ({@code int}, {@code long}, {@code float}, {@code double},
 * {@code boolean}) as a specialisation constant: the value given to the task is baked into the
 * compiled kernel as a literal. Loops bounded by it can unroll and {@code new float[n]} with a
 * specialised {@code n} becomes a fixed-size private array held in registers.
 *
 * <p>Each distinct value compiles (and caches) its own kernel: the code cache key is
 * (method, specialised values, backend, device). Use it for shape parameters that change rarely
 * (d_state, chunk size, conv width), never for per-call values such as a sequence position.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Specialize {
}
