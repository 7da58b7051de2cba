package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.KernelCompilationException;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;

/**
 * Reads class files the way the contract says: through the declaring class's ClassLoader
 * ({@code getResourceAsStream("a/b/C.class")}), so classes compiled in memory work when their loader
 * serves their bytes. Parsed models are kept per class.
 */
final class ClassFiles {
    /** Per class and no longer: a ClassValue does not keep an in-memory (fuzzer) class loader alive. */
    private static final ClassValue<ClassModel> MODELS = new ClassValue<>() {
        @Override
        protected ClassModel computeValue(Class<?> cls) {
            return parse(cls);
        }
    };

    private ClassFiles() {
    }

    static ClassModel model(Class<?> cls) {
        return MODELS.get(cls);
    }

    private static ClassModel parse(Class<?> cls) {
        ClassLoader loader = cls.getClassLoader() != null ? cls.getClassLoader() : ClassLoader.getSystemClassLoader();
        String resource = cls.getName().replace('.', '/') + ".class";
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new KernelCompilationException(cls.getName(), "?", -1,
                        "class file " + resource + " not found through " + loader
                                + " (a class loader must serve the bytes of the kernel classes it defines)");
            }
            return ClassFile.of().parse(in.readAllBytes());
        } catch (IOException e) {
            throw new KernelCompilationException("cannot read class file " + resource + ": " + e.getMessage(), e);
        }
    }

    /** The method model with this name and descriptor, or null. */
    static MethodModel method(Class<?> cls, String name, String descriptor) {
        for (MethodModel m : model(cls).methods()) {
            if (m.methodName().equalsString(name) && m.methodType().equalsString(descriptor)) {
                return m;
            }
        }
        return null;
    }
}
