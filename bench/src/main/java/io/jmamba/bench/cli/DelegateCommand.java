package io.jmamba.bench.cli;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Subcommands implemented in other modules, found by class name so that this module compiles and
 * runs whether or not they have landed; a missing one is reported by name.
 */
abstract class DelegateCommand implements Command {
    private final String className;

    DelegateCommand(String className) {
        this.className = className;
    }

    /** Calls the delegate; returns its exit status. */
    abstract int invoke(Class<?> cls, String[] args, PrintStream out) throws ReflectiveOperationException;

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Class<?> cls;
        try {
            cls = Class.forName(className);
        } catch (ClassNotFoundException e) {
            err.println("jmamba " + name() + ": not available in this build: " + className + " was not found on the class path");
            return 1;
        }
        try {
            return invoke(cls, args, out);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }

    /** {@code jmamba generate}: io.jmamba.model.generate.GenerateCommand.run(String[], PrintStream). */
    static class Generate extends DelegateCommand {
        Generate() {
            this("io.jmamba.model.generate.GenerateCommand");
        }

        Generate(String className) {
            super(className);
        }

        @Override
        public String name() {
            return "generate";
        }

        @Override
        public String summary() {
            return "generate tokens with a Mamba model (--model DIR --ids 1,2,3 | --prompt TEXT ...)";
        }

        @Override
        int invoke(Class<?> cls, String[] args, PrintStream out) throws ReflectiveOperationException {
            Method m = cls.getMethod("run", String[].class, PrintStream.class);
            Object r = m.invoke(null, args, out);
            return r instanceof Integer status ? status : 0;
        }
    }

    /**
     * {@code jmamba model-speed}: the model benchmark, io.jmamba.model.generate.ModelSpeedCommand.run(String[],
     * PrintStream) (prefill and decode times of a whole Mamba model on one device).
     */
    static final class ModelSpeed extends Generate {
        ModelSpeed() {
            super("io.jmamba.model.generate.ModelSpeedCommand");
        }

        @Override
        public String name() {
            return "model-speed";
        }

        @Override
        public String summary() {
            return "time a Mamba model's prefill and decode (--arch mamba2|mamba1 --weights bf16 --decode fused ...)";
        }
    }

    /**
     * {@code jmamba jit}: prints a kernel's generated source through io.jmamba.runtime.jit.PrintKernel
     * ({@code render(String[])}, whose IllegalArgumentException is a usage error).
     */
    static final class Jit extends DelegateCommand {
        static final String USAGE = "usage: jmamba jit <fully.qualified.Class> <method> [opencl|cuda] [paramIndex=value ...]\n"
                + "  prints the OpenCL C or CUDA C the JIT generates; values are the @Specialize parameters' by Java index\n";

        Jit() {
            super("io.jmamba.runtime.jit.PrintKernel");
        }

        @Override
        public String name() {
            return "jit";
        }

        @Override
        public String summary() {
            return "print the OpenCL C / CUDA C the JIT generates for a kernel method";
        }

        @Override
        int invoke(Class<?> cls, String[] args, PrintStream out) throws ReflectiveOperationException {
            if (args.length == 1 && Main.isHelp(args[0])) {
                out.print(USAGE);
                return 0;
            }
            Method render = cls.getMethod("render", String[].class);
            try {
                out.print((String) render.invoke(null, (Object) args));
                return 0;
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof IllegalArgumentException bad) {
                    throw new UsageException(bad.getMessage(), USAGE);
                }
                throw e;
            }
        }
    }
}
