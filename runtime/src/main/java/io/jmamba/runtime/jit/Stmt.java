package io.jmamba.runtime.jit;

import java.util.List;

/** A statement of the typed IR. Control flow is explicit: branches name their target block. */
sealed interface Stmt {
    /** {@code var = value}. */
    record Assign(Var var, Expr value) implements Stmt { }

    /** {@code array[index] = value}. */
    record ArrayStore(ArrayRef array, Expr index, Expr value) implements Stmt { }

    /** Zero-fills a private array (Java initialises new arrays with zeros). */
    record ZeroFill(ArrayRef array) implements Stmt { }

    /**
     * A call with side effects: a device function, an atomic, a barrier. {@code result} is null for void.
     * {@code callee} is the device function's C name or an intrinsic name the emitter knows.
     */
    record Call(Var result, String callee, List<Object> args, boolean intrinsic) implements Stmt { }

    /** {@code if (cond) goto target}. */
    record Branch(Expr cond, int target) implements Stmt { }

    /** {@code goto target}. */
    record Goto(int target) implements Stmt { }

    /** A switch on an int; targets are block start offsets. */
    record Switch(Expr key, List<Integer> values, List<Integer> targets, int defaultTarget) implements Stmt { }

    /** Return, with a value or (null) without. */
    record Return(Expr value) implements Stmt { }
}
