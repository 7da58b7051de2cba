package io.jmamba.runtime.fuzz;

import io.jmamba.runtime.api.KernelContext;

import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles Java source in memory with the JDK's compiler (module jdk.compiler) and loads the result
 * from a class loader that also serves the class bytes through {@code getResourceAsStream}, which is
 * how the JIT reads a kernel's bytecode.
 */
final class InMemoryJavac {
    private InMemoryJavac() {
    }

    /** Compiles one public class and loads it. */
    static Class<?> compileAndLoad(String qualifiedName, String source) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("no Java compiler in this runtime (module jdk.compiler missing; a jlinked "
                    + "runtime needs it added, e.g. EXTRA_MODULES=jdk.compiler)");
        }
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Map<String, byte[]> classes = new HashMap<>();
        StandardJavaFileManager std = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8);
        JavaFileManager fm = new ForwardingJavaFileManager<>(std) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind, FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + kind.extension), kind) {
                    @Override
                    public OutputStream openOutputStream() {
                        return new ByteArrayOutputStream() {
                            @Override
                            public void close() {
                                classes.put(className, toByteArray());
                            }
                        };
                    }
                };
            }
        };
        JavaFileObject src = new SimpleJavaFileObject(URI.create("string:///" + qualifiedName.replace('.', '/') + ".java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        List<String> options = List.of("-classpath", runtimeClasspath(), "-parameters", "-g", "-proc:none");
        boolean ok = javac.getTask(null, fm, diagnostics, options, null, List.of(src)).call();
        if (!ok) {
            throw new IllegalStateException("generated source does not compile: " + diagnostics.getDiagnostics() + "\n" + source);
        }
        try {
            return Class.forName(qualifiedName, true, new BytesClassLoader(classes, InMemoryJavac.class.getClassLoader()));
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where the jmamba API classes are (a directory in a Maven build, a jar elsewhere), plus the class path. */
    private static String runtimeClasspath() {
        try {
            String api = new File(KernelContext.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath();
            return api + File.pathSeparator + System.getProperty("java.class.path", "");
        } catch (URISyntaxException | NullPointerException e) {
            return System.getProperty("java.class.path", "");
        }
    }

    /** Defines classes from bytes and hands the same bytes out as {@code .class} resources. */
    static final class BytesClassLoader extends ClassLoader {
        private final Map<String, byte[]> classes;

        BytesClassLoader(Map<String, byte[]> classes, ClassLoader parent) {
            super(parent);
            this.classes = Map.copyOf(classes);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = classes.get(name);
            if (b == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, b, 0, b.length);
        }

        @Override
        public InputStream getResourceAsStream(String name) {
            if (name.endsWith(".class")) {
                byte[] b = classes.get(name.substring(0, name.length() - 6).replace('/', '.'));
                if (b != null) {
                    return new ByteArrayInputStream(b);
                }
            }
            return super.getResourceAsStream(name);
        }
    }
}
