package io.jmamba.runtime.jit;

import java.util.List;
import java.util.function.Predicate;

/** A side-effect-free expression of the typed IR. Every expression has the register kind it yields. */
sealed interface Expr {
    Kind kind();

    /** The value when the expression folds to a constant (after specialisation), else null. */
    default Number constValue() {
        return null;
    }

    /** Whether this expression or a sub-expression satisfies {@code p}. */
    default boolean any(Predicate<Expr> p) {
        return p.test(this);
    }

    /** A literal. */
    record Const(Kind kind, Number value) implements Expr {
        @Override
        public Number constValue() {
            return value;
        }
    }

    /** A read of a register; {@code known} is the value constant propagation proved it holds, if any. */
    record Reg(Var var, Number known) implements Expr {
        @Override
        public Kind kind() {
            return var.kind();
        }

        @Override
        public Number constValue() {
            return known;
        }
    }

    /** Binary arithmetic with Java semantics: add sub mul div rem and or xor shl shr ushr. */
    record Bin(String op, Kind kind, Expr a, Expr b) implements Expr {
        @Override
        public Number constValue() {
            return ConstantFolder.fold(op, kind, a.constValue(), b.constValue());
        }

        @Override
        public boolean any(Predicate<Expr> p) {
            return p.test(this) || a.any(p) || b.any(p);
        }
    }

    /** Negation. */
    record Neg(Kind kind, Expr a) implements Expr {
        @Override
        public Number constValue() {
            return ConstantFolder.neg(kind, a.constValue());
        }

        @Override
        public boolean any(Predicate<Expr> p) {
            return p.test(this) || a.any(p);
        }
    }

    /** A JVM conversion (i2l, f2i, i2b, ...): {@code op} is the opcode mnemonic. */
    record Convert(String op, Kind kind, Expr a) implements Expr {
        @Override
        public Number constValue() {
            return ConstantFolder.convert(op, a.constValue());
        }

        @Override
        public boolean any(Predicate<Expr> p) {
            return p.test(this) || a.any(p);
        }
    }

    /** lcmp, fcmpl, fcmpg, dcmpl, dcmpg: -1, 0 or 1 exactly as Java computes it. */
    record Compare(String op, Expr a, Expr b) implements Expr {
        @Override
        public Kind kind() {
            return Kind.I;
        }

        @Override
        public boolean any(Predicate<Expr> p) {
            return p.test(this) || a.any(p) || b.any(p);
        }
    }

    /** A condition (0 or 1) from a JVM branch test: {@code a rel b}, rel one of eq ne lt ge gt le. */
    record Cond(String rel, Expr a, Expr b) implements Expr {
        @Override
        public Kind kind() {
            return Kind.I;
        }

        @Override
        public boolean any(Predicate<Expr> p) {
            return p.test(this) || a.any(p) || b.any(p);
        }
    }

    /** Element {@code index} of an array (reads memory). */
    record ArrayLoad(ArrayRef array, Expr index) implements Expr {
        @Override
        public Kind kind() {
            return array.elem().kind;
        }

        @Override
        public boolean any(Predicate<Expr> p) {
            return p.test(this) || index.any(p);
        }
    }

    /** The element count of an array ({@code getSize()} is long, {@code arraylength} int). */
    record ArraySize(ArrayRef array, Kind kind) implements Expr {
        @Override
        public Number constValue() {
            if (array.constSize() < 0) {
                return null;
            }
            return kind == Kind.I ? (Number) (int) array.constSize() : (Number) array.constSize();
        }
    }

    /** A pure built-in: a math function, a bit cast, a KernelContext id, a Java-semantics helper. */
    record Intrinsic(String name, Kind kind, List<Expr> args) implements Expr {
        @Override
        public boolean any(Predicate<Expr> p) {
            if (p.test(this)) {
                return true;
            }
            for (Expr e : args) {
                if (e.any(p)) {
                    return true;
                }
            }
            return false;
        }
    }
}
