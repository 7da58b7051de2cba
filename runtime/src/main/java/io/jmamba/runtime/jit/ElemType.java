package io.jmamba.runtime.jit;

import java.lang.classfile.TypeKind;

/** Element type of an array the kernel touches: what is stored and which register kind it loads as. */
enum ElemType {
    BOOLEAN(Kind.I, "boolean"), BYTE(Kind.I, "byte"), CHAR(Kind.I, "char"), SHORT(Kind.I, "short"),
    INT(Kind.I, "int"), LONG(Kind.J, "long"), FLOAT(Kind.F, "float"), DOUBLE(Kind.D, "double"),
    /** IEEE binary16 storage, float compute (HalfFloatArray). */
    HALF(Kind.F, "half"),
    /** bfloat16 storage (the top half of a float), float compute (BFloat16Array). */
    BF16(Kind.F, "bf16"),
    /**
     * A view of a bf16 array as pairs: {@code BFloat16Array.getPair/setPair}, one 32-bit access at the
     * address of an even element index (the index stays an element index).
     */
    BF16_PAIR(Kind.I, "bf16pair");

    final Kind kind;
    /** The name KernelParam uses. */
    final String javaName;

    ElemType(Kind kind, String javaName) {
        this.kind = kind;
        this.javaName = javaName;
    }

    int bytes() {
        return switch (this) {
            case BOOLEAN, BYTE -> 1;
            case CHAR, SHORT, HALF, BF16 -> 2;
            case INT, FLOAT, BF16_PAIR -> 4;
            case LONG, DOUBLE -> 8;
        };
    }

    static ElemType of(TypeKind t) {
        return switch (t) {
            case BOOLEAN -> BOOLEAN;
            case BYTE -> BYTE;
            case CHAR -> CHAR;
            case SHORT -> SHORT;
            case INT -> INT;
            case LONG -> LONG;
            case FLOAT -> FLOAT;
            case DOUBLE -> DOUBLE;
            default -> throw new IllegalArgumentException("not a primitive element type: " + t);
        };
    }
}
