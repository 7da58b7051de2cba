package io.jmamba.model.weights;

import java.util.Optional;

/** The element types a safetensors header may name, with their sizes in bytes. */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), F8_E4M3(1), F8_E5M2(1),
    I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** Whether {@link SafetensorsFile#floats} can read it (converting to float32 where needed). */
    public boolean isFloatConvertible() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    public static Optional<DType> byName(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
