package io.jmamba.runtime.jit;

import java.lang.classfile.TypeKind;

/** The four JVM computational types a register can hold (boolean, byte, char and short compute as int). */
enum Kind {
    I, J, F, D;

    static Kind of(TypeKind t) {
        return switch (t) {
            case BOOLEAN, BYTE, CHAR, SHORT, INT -> I;
            case LONG -> J;
            case FLOAT -> F;
            case DOUBLE -> D;
            default -> throw new IllegalArgumentException("not a primitive computational type: " + t);
        };
    }

    /** Suffix used in generated register names (v3_i, s0_f). */
    String suffix() {
        return name().toLowerCase();
    }

    boolean isWide() {
        return this == J || this == D;
    }

    boolean isFloating() {
        return this == F || this == D;
    }
}
