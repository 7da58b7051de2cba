package io.jmamba.runtime.jit;

/**
 * A C variable of the generated function: a local-variable register, an operand-stack register or a
 * temporary. All are declared at the top of the function, so gotos never jump over a declaration.
 *
 * @param name     the C name
 * @param kind     the computational kind
 * @param constVal for a specialised parameter: its literal (the variable's initial value); otherwise null
 * @param mutable  whether the method assigns it (then it is not declared {@code const})
 */
record Var(String name, Kind kind, Number constVal, boolean mutable) {
    Var(String name, Kind kind, Number constVal) {
        this(name, kind, constVal, false);
    }
}
