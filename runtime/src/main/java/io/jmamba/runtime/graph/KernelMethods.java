package io.jmamba.runtime.graph;

import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.NativeArray;
import io.jmamba.runtime.api.Tasks;

import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/** Finds the static method behind a task's method reference and checks a task's arguments against it. */
public final class KernelMethods {
    private KernelMethods() {
    }

    /**
     * The static method a method reference names. A serializable lambda carries a
     * {@link SerializedLambda} that says which method implements it; javac gives lambdas with a body
     * a synthetic {@code lambda$...} method, which is how those are told apart and rejected.
     */
    public static Method resolve(Tasks.TaskCode code) {
        SerializedLambda sl;
        try {
            Method writeReplace = code.getClass().getDeclaredMethod("writeReplace");
            writeReplace.setAccessible(true);
            sl = (SerializedLambda) writeReplace.invoke(code);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalArgumentException("task code must be a method reference to a static method "
                    + "(Kernels::add), got an object of " + code.getClass().getName());
        }
        if (sl.getImplMethodName().startsWith("lambda$")) {
            throw new IllegalArgumentException("task code must be a method reference to a static method, not a lambda "
                    + "with a body (in " + sl.getCapturingClass().replace('/', '.') + "); move the body into a static method");
        }
        if (sl.getImplMethodKind() != MethodHandleInfo.REF_invokeStatic) {
            throw new IllegalArgumentException("kernel " + sl.getImplClass().replace('/', '.') + "." + sl.getImplMethodName()
                    + " must be a static method (got a " + MethodHandleInfo.referenceKindToString(sl.getImplMethodKind())
                    + " reference)");
        }
        if (sl.getCapturedArgCount() != 0) {
            throw new IllegalArgumentException("task code must not capture values: pass them as task arguments");
        }
        try {
            ClassLoader loader = code.getClass().getClassLoader();
            Class<?> owner = Class.forName(sl.getImplClass().replace('/', '.'), false, loader);
            for (Method m : owner.getDeclaredMethods()) {
                if (m.getName().equals(sl.getImplMethodName())
                        && java.lang.invoke.MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString().equals(sl.getImplMethodSignature())) {
                    return m;
                }
            }
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("cannot load kernel class " + sl.getImplClass(), e);
        }
        throw new IllegalArgumentException("cannot find kernel method " + sl.getImplClass() + "." + sl.getImplMethodName());
    }

    /** The static method {@code owner.name} with {@code arity} parameters; it must be the only one. */
    public static Method byName(Class<?> owner, String name, int arity) {
        List<Method> found = new ArrayList<>();
        for (Method m : owner.getDeclaredMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == arity) {
                found.add(m);
            }
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("no method " + owner.getName() + "." + name + " with " + arity + " parameters");
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException("method " + owner.getName() + "." + name + " with " + arity
                    + " parameters is overloaded; use a method reference");
        }
        Method m = found.getFirst();
        if (!Modifier.isStatic(m.getModifiers())) {
            throw new IllegalArgumentException("kernel " + owner.getName() + "." + name + " must be a static method");
        }
        return m;
    }

    /** Checks that each argument suits its parameter: arrays of the right class, scalars of the right type, no nulls. */
    public static void checkArguments(String taskName, Method method, Object[] args) {
        Class<?>[] types = method.getParameterTypes();
        if (types.length != args.length) {
            throw new IllegalArgumentException("task " + taskName + ": " + describe(method) + " takes " + types.length
                    + " arguments, got " + args.length);
        }
        var params = method.getParameters();
        for (int i = 0; i < args.length; i++) {
            Class<?> t = types[i];
            Object a = args[i];
            String where = "task " + taskName + ": argument " + i + " (" + params[i].getName() + ", " + t.getSimpleName() + ")";
            if (a == null) {
                throw new IllegalArgumentException(where + " is null");
            }
            boolean ok;
            if (t.isPrimitive()) {
                ok = box(t).isInstance(a);
            } else if (NativeArray.class.isAssignableFrom(t) || t == KernelContext.class) {
                ok = t.isInstance(a);
            } else {
                throw new IllegalArgumentException("task " + taskName + ": parameter " + i + " of " + describe(method)
                        + " has type " + t.getName() + "; kernels take off-heap arrays, primitives and KernelContext");
            }
            if (!ok) {
                throw new IllegalArgumentException(where + " got a " + a.getClass().getSimpleName());
            }
        }
    }

    public static String describe(Method m) {
        return m.getDeclaringClass().getName() + "." + m.getName();
    }

    private static Class<?> box(Class<?> p) {
        if (p == int.class) return Integer.class;
        if (p == long.class) return Long.class;
        if (p == float.class) return Float.class;
        if (p == double.class) return Double.class;
        if (p == boolean.class) return Boolean.class;
        if (p == byte.class) return Byte.class;
        if (p == short.class) return Short.class;
        if (p == char.class) return Character.class;
        throw new AssertionError(p);
    }
}
