package io.jmamba.runtime.jit;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Values of {@code static final} primitive fields that javac did not inline (their initialiser is not
 * a compile-time constant, e.g. {@code static final int N = Integer.getInteger("n", 4)}). Such a field
 * cannot change once its class is initialised, so its value becomes a literal in the kernel.
 */
final class StaticConstants {
    private StaticConstants() {
    }

    /** The boxed value, or null when the field is not a static final primitive. */
    static Object read(ClassLoader loader, String ownerInternal, String name) {
        try {
            Class<?> cls = Class.forName(ownerInternal.replace('/', '.'), true, loader);
            Field f = cls.getDeclaredField(name);
            int m = f.getModifiers();
            if (!Modifier.isStatic(m) || !Modifier.isFinal(m) || !f.getType().isPrimitive()) {
                return null;
            }
            f.setAccessible(true);
            return f.get(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }
}
