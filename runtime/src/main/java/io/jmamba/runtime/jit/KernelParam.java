package io.jmamba.runtime.jit;

/**
 * How one Java parameter of a kernel appears in the generated code. The generated entry point takes,
 * in Java parameter order:
 * <ul>
 *   <li>{@link Kind#ARRAY}: two C parameters, a global pointer {@code T* name} and {@code long name_size}
 *       (element count, what {@code getSize()} returns);</li>
 *   <li>{@link Kind#SCALAR}: one C parameter of the scalar's type (boolean as int);</li>
 *   <li>{@link Kind#CONTEXT} and {@link Kind#SPECIALIZED}: nothing (built-ins, or a literal baked in).</li>
 * </ul>
 *
 * @param index       the Java parameter index
 * @param name        the Java parameter name (or argN when the class file has none)
 * @param kind        see above
 * @param elementType for arrays: float, int, long, byte, double, half or bf16; for scalars: the Java type name
 */
public record KernelParam(int index, String name, Kind kind, String elementType) {
    public enum Kind { ARRAY, SCALAR, CONTEXT, SPECIALIZED }
}
