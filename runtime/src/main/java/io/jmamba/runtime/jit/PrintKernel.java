package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.KernelCompilationException;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Prints the C source the JIT generates for a kernel:
 * {@code PrintKernel <fully.qualified.Class> <method> [opencl|cuda] [paramIndex=value ...]}.
 * The values are the {@code @Specialize} parameters' (by Java parameter index). Exit status 0 on
 * success, 1 when the kernel does not compile (the reason goes to stderr), 2 on a usage error.
 */
public final class PrintKernel {
    private PrintKernel() {
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Same as {@link #main} without exiting the JVM (for callers such as the CLI and tests).
     *
     * @return 0 on success, 1 when the kernel does not compile, 2 on a usage error
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            out.print(render(args));
            out.flush();
            return 0;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println("usage: jmamba jit <fully.qualified.Class> <method> [opencl|cuda] [paramIndex=value ...]");
            return 2;
        } catch (KernelCompilationException e) {
            err.println("kernel does not compile: " + e.getMessage());
            return 1;
        }
    }

    /** The text {@link #main} prints: a header with the entry and parameters, then the source. */
    public static String render(String[] args) {
        if (args.length < 2) {
            throw new IllegalArgumentException("missing class or method");
        }
        Class<?> cls;
        try {
            cls = Class.forName(args[0]);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("class not found on the class path: " + args[0]);
        }
        Method method = null;
        for (Method m : cls.getDeclaredMethods()) {
            if (m.getName().equals(args[1]) && Modifier.isStatic(m.getModifiers())) {
                if (method != null) {
                    throw new IllegalArgumentException("several static methods named " + args[1] + " in " + args[0]);
                }
                method = m;
            }
        }
        if (method == null) {
            throw new IllegalArgumentException("no static method " + args[1] + " in " + args[0]);
        }
        Dialect dialect = Dialect.OPENCL;
        Map<Integer, Object> spec = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            String a = args[i];
            if (a.equalsIgnoreCase("opencl") || a.equalsIgnoreCase("cuda")) {
                dialect = Dialect.valueOf(a.toUpperCase(Locale.ROOT));
                continue;
            }
            int eq = a.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("expected opencl, cuda or paramIndex=value, got " + a);
            }
            int index;
            try {
                index = Integer.parseInt(a.substring(0, eq));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("parameter index is not a number: " + a);
            }
            if (index < 0 || index >= method.getParameterCount()) {
                throw new IllegalArgumentException("no parameter " + index + " in " + method);
            }
            spec.put(index, parse(method.getParameterTypes()[index], a.substring(eq + 1)));
        }
        GeneratedKernel k = KernelJit.compile(method, spec, dialect);
        StringBuilder sb = new StringBuilder();
        sb.append("/* entry: ").append(k.entryName()).append(" (").append(dialect.name().toLowerCase(Locale.ROOT))
                .append(")\n * params: ").append(k.params()).append("\n * parallel loops: ").append(k.parallelLoops())
                .append("\n * uses context: ").append(k.usesContext()).append(", barriers: ").append(k.usesBarriers())
                .append(", grid barrier: ").append(k.usesGridBarrier())
                .append(", local memory: ").append(k.localMemoryBytes()).append(" bytes */\n");
        sb.append(k.source());
        return sb.toString();
    }

    private static Object parse(Class<?> type, String v) {
        try {
            return switch (type.getName()) {
                case "int", "short", "byte", "char" -> Integer.parseInt(v);
                case "long" -> Long.parseLong(v);
                case "float" -> Float.parseFloat(v);
                case "double" -> Double.parseDouble(v);
                case "boolean" -> Boolean.parseBoolean(v);
                default -> throw new IllegalArgumentException("parameter of type " + type.getName() + " cannot be specialised");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a " + type.getName() + ": " + v);
        }
    }
}
