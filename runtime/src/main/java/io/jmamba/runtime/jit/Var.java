package io.jmamba.runtime.jit;

/**
 * A C variable of the generated function: a local-variable register, an operand-stack register or a
 * temporary. All are declared at the top of the function, so gotos never jump over a declaration.
 *
 * @param name     the C name
 * @param kind     the computational kind
 * @param constVal for a specialised parameter: its literal, declared {@code const}; otherwise null
 */
record Var(String name, Kind kind, Number constVal) {
}
