package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.KernelCompilationException;
import io.jmamba.runtime.api.KernelContext;
import io.jmamba.runtime.api.NativeArray;

import java.lang.classfile.MethodModel;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Entry point of the JIT: class file -> typed IR ({@link Translator}, with the checks of {@link Checks})
 * -> specialisation and constant folding -> C ({@link CEmitter}) in either dialect.
 *
 * <p>Results are cached by (method, specialised values, dialect); the backends add the device to their
 * own cache of built programs. Pipeline stages: {@link ClassFiles} reads the class bytes through the
 * declaring class's loader, {@link MethodCode} lists instructions and {@code @Parallel} variables,
 * {@link Translator} and {@link CallTranslator} interpret the bytecode into {@link FunctionIR}s, and
 * {@link CEmitter} with {@link CSyntax} and {@link JavaHelpers} writes the source.
 */
public final class KernelJit {
    private record CacheKey(Method method, Map<Integer, Object> specialized, Dialect dialect, String boundsOverride) { }

    /** Cached kernels per declaring class, so that classes of in-memory loaders can still be unloaded. */
    private static final ClassValue<Map<CacheKey, GeneratedKernel>> CACHE = new ClassValue<>() {
        @Override
        protected Map<CacheKey, GeneratedKernel> computeValue(Class<?> cls) {
            return new ConcurrentHashMap<>();
        }
    };
    private static final AtomicInteger CACHED = new AtomicInteger();

    private KernelJit() {
    }

    /**
     * Compiles a static kernel method to C source in {@code dialect}.
     *
     * @param specialized values of the method's {@code @Specialize} parameters by Java parameter index
     * @throws io.jmamba.runtime.api.KernelCompilationException naming class, method, bytecode offset and
     *         construct for anything a device cannot run
     */
    public static GeneratedKernel compile(Method method, Map<Integer, Object> specialized, Dialect dialect) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(dialect, "dialect");
        Map<Integer, Object> spec = specialized == null ? Map.of() : new TreeMap<>(specialized);
        CacheKey key = new CacheKey(method, spec, dialect, LaunchBoundsRule.overrideValue(method));
        Map<CacheKey, GeneratedKernel> cache = CACHE.get(method.getDeclaringClass());
        GeneratedKernel cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        GeneratedKernel k = compileUncached(method, spec, dialect);
        GeneratedKernel prior = cache.putIfAbsent(key, k);
        if (prior == null) {
            CACHED.incrementAndGet();
        }
        return prior != null ? prior : k;
    }

    /** Number of kernels compiled into the code cache since start (for tests and the profiler). */
    public static int cachedKernels() {
        return CACHED.get();
    }

    private static GeneratedKernel compileUncached(Method method, Map<Integer, Object> spec, Dialect dialect) {
        Class<?> cls = method.getDeclaringClass();
        if (!Modifier.isStatic(method.getModifiers())) {
            throw new KernelCompilationException(cls.getName(), method.getName(), 0, "non-static kernel method");
        }
        Class<?>[] types = method.getParameterTypes();
        for (Integer i : spec.keySet()) {
            if (i < 0 || i >= types.length || !types[i].isPrimitive()) {
                throw new KernelCompilationException(cls.getName(), method.getName(), 0,
                        "specialised value given for parameter " + i + ", which is not a scalar parameter");
            }
        }
        String descriptor = MethodType.methodType(method.getReturnType(), types).toMethodDescriptorString();
        MethodModel model = ClassFiles.method(cls, method.getName(), descriptor);
        if (model == null) {
            throw new KernelCompilationException(cls.getName(), method.getName(), 0,
                    "method not found in the class file read through " + cls.getClassLoader());
        }
        String internal = cls.getName().replace('.', '/');
        MethodCode code = new MethodCode(internal, model);
        ClassLoader loader = cls.getClassLoader() != null ? cls.getClassLoader() : ClassLoader.getSystemClassLoader();
        Program program = new Program(loader);
        String entryName = entryName(cls, method, spec);
        program.usedCNames.add(entryName);
        List<String> paramNames = paramNames(method, code);
        program.inProgress.add(internal + "." + method.getName() + descriptor);
        program.inProgressNames.add(method.getName());
        FunctionIR entry = new Translator(program, code, entryName, true, spec, null, paramNames).translate();
        program.functions.put("<entry>", entry);
        String entryAttribute = dialect == Dialect.CUDA ? LaunchBoundsRule.cudaAttribute(LaunchBoundsRule.of(method)) : "";
        String source = new CEmitter(dialect, cls.getName() + "." + method.getName(), entryAttribute).emit(program);
        long localBytes = 0;
        for (ArrayRef a : entry.localArrays.values()) {
            localBytes += a.constSize() * a.elem().bytes();
        }
        if (program.usesWarpScratch && dialect == Dialect.OPENCL) {
            localBytes += WarpOps.SCRATCH_SLOTS * 4L; // the emulated warps' scratch array
        }
        return new GeneratedKernel(entryName, source, dialect, kernelParams(method, spec, paramNames),
                parallelLoops(program.parallelLoops), program.usesContextIds, program.usesBarriers, localBytes,
                program.usesWarpOps, program.usesGridDependency, program.usesGridBarrier);
    }

    static String entryName(Class<?> cls, Method method, Map<Integer, Object> spec) {
        String simple = cls.getName().substring(cls.getName().lastIndexOf('.') + 1);
        String name = Names.sanitize(simple + "_" + method.getName());
        if (spec.isEmpty()) {
            return name;
        }
        StringBuilder sb = new StringBuilder();
        spec.forEach((i, v) -> sb.append(i).append('=').append(v).append(';'));
        return name + "_s" + String.format("%08x", sb.toString().hashCode());
    }

    private static List<String> paramNames(Method method, MethodCode code) {
        List<String> fromClassFile = CallTranslator.paramNames(code);
        List<String> names = new ArrayList<>();
        Parameter[] ps = method.getParameters();
        for (int i = 0; i < ps.length; i++) {
            names.add(ps[i].isNamePresent() ? ps[i].getName() : fromClassFile.get(i));
        }
        return names;
    }

    private static List<KernelParam> kernelParams(Method method, Map<Integer, Object> spec, List<String> names) {
        List<KernelParam> params = new ArrayList<>();
        Class<?>[] types = method.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            Class<?> t = types[i];
            String name = Names.sanitize(names.get(i));
            KernelParam p;
            if (KernelContext.class.isAssignableFrom(t)) {
                p = new KernelParam(i, name, KernelParam.Kind.CONTEXT, "KernelContext");
            } else if (NativeArray.class.isAssignableFrom(t)) {
                p = new KernelParam(i, name, KernelParam.Kind.ARRAY, elementName(t));
            } else if (spec.containsKey(i)) {
                p = new KernelParam(i, name, KernelParam.Kind.SPECIALIZED, t.getName());
            } else {
                p = new KernelParam(i, name, KernelParam.Kind.SCALAR, t.getName());
            }
            params.add(p);
        }
        return List.copyOf(params);
    }

    private static String elementName(Class<?> arrayClass) {
        return switch (arrayClass.getSimpleName()) {
            case "FloatArray" -> "float";
            case "IntArray" -> "int";
            case "LongArray" -> "long";
            case "ByteArray" -> "byte";
            case "DoubleArray" -> "double";
            case "HalfFloatArray" -> "half";
            case "BFloat16Array" -> "bf16";
            default -> arrayClass.getSimpleName();
        };
    }

    /** One loop per dimension; two loops of one dimension with different bounds give an unknown bound. */
    private static List<ParallelLoop> parallelLoops(List<ParallelLoop> found) {
        Map<Integer, ParallelLoop> byDim = new TreeMap<>();
        for (ParallelLoop l : found) {
            byDim.merge(l.dimension(), l, (a, b) -> a.bound().equals(b.bound()) ? a
                    : new ParallelLoop(a.dimension(), new ParallelLoop.Bound.Unknown()));
        }
        return List.copyOf(byDim.values());
    }
}
