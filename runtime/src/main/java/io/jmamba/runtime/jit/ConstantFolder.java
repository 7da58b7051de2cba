package io.jmamba.runtime.jit;

/**
 * Folds IR operations on constants with exactly Java's semantics (it runs in Java), so that sizes like
 * {@code new float[2 * dstate]} become literals after specialisation. Returns null when an operand is
 * unknown or the operation would throw in Java (division by zero).
 */
final class ConstantFolder {
    private ConstantFolder() {
    }

    static Number fold(String op, Kind kind, Number a, Number b) {
        if (a == null || b == null) {
            return null;
        }
        switch (kind) {
            case I -> {
                int x = a.intValue();
                int y = b.intValue();
                return switch (op) {
                    case "add" -> x + y;
                    case "sub" -> x - y;
                    case "mul" -> x * y;
                    case "div" -> y == 0 ? null : x / y;
                    case "rem" -> y == 0 ? null : x % y;
                    case "and" -> x & y;
                    case "or" -> x | y;
                    case "xor" -> x ^ y;
                    case "shl" -> x << y;
                    case "shr" -> x >> y;
                    case "ushr" -> x >>> y;
                    default -> null;
                };
            }
            case J -> {
                long x = a.longValue();
                long y = b.longValue();
                int s = b.intValue();
                return switch (op) {
                    case "add" -> x + y;
                    case "sub" -> x - y;
                    case "mul" -> x * y;
                    case "div" -> y == 0 ? null : x / y;
                    case "rem" -> y == 0 ? null : x % y;
                    case "and" -> x & y;
                    case "or" -> x | y;
                    case "xor" -> x ^ y;
                    case "shl" -> x << s;
                    case "shr" -> x >> s;
                    case "ushr" -> x >>> s;
                    default -> null;
                };
            }
            case F -> {
                float x = a.floatValue();
                float y = b.floatValue();
                return switch (op) {
                    case "add" -> x + y;
                    case "sub" -> x - y;
                    case "mul" -> x * y;
                    case "div" -> x / y;
                    case "rem" -> x % y;
                    default -> null;
                };
            }
            case D -> {
                double x = a.doubleValue();
                double y = b.doubleValue();
                return switch (op) {
                    case "add" -> x + y;
                    case "sub" -> x - y;
                    case "mul" -> x * y;
                    case "div" -> x / y;
                    case "rem" -> x % y;
                    default -> null;
                };
            }
        }
        return null;
    }

    static Number neg(Kind kind, Number a) {
        if (a == null) {
            return null;
        }
        return switch (kind) {
            case I -> -a.intValue();
            case J -> -a.longValue();
            case F -> -a.floatValue();
            case D -> -a.doubleValue();
        };
    }

    static Number convert(String op, Number a) {
        if (a == null) {
            return null;
        }
        return switch (op) {
            case "i2l", "f2l", "d2l" -> op.equals("i2l") ? (Number) (long) a.intValue()
                    : op.equals("f2l") ? (Number) (long) a.floatValue() : (Number) (long) a.doubleValue();
            case "i2f" -> (float) a.intValue();
            case "i2d" -> (double) a.intValue();
            case "l2i" -> (int) a.longValue();
            case "l2f" -> (float) a.longValue();
            case "l2d" -> (double) a.longValue();
            case "f2i" -> (int) a.floatValue();
            case "f2d" -> (double) a.floatValue();
            case "d2i" -> (int) a.doubleValue();
            case "d2f" -> (float) a.doubleValue();
            case "i2b" -> (int) (byte) a.intValue();
            case "i2s" -> (int) (short) a.intValue();
            case "i2c" -> (int) (char) a.intValue();
            default -> null;
        };
    }
}
