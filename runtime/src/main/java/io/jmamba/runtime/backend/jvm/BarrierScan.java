package io.jmamba.runtime.backend.jvm;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.Set;

/**
 * Tells whether a kernel (or a static method it calls) waits at a work-group barrier. Kernels that
 * do need one thread per work-item on the JVM; all others can run a group's items one after another
 * on one thread, which is much cheaper.
 */
final class BarrierScan {
    private static final String CONTEXT = "io/jmamba/runtime/api/KernelContext";

    private BarrierScan() {
    }

    static boolean usesBarrier(Method kernel) {
        ClassLoader loader = kernel.getDeclaringClass().getClassLoader();
        String owner = kernel.getDeclaringClass().getName().replace('.', '/');
        String descriptor = java.lang.invoke.MethodType.methodType(kernel.getReturnType(), kernel.getParameterTypes())
                .toMethodDescriptorString();
        return scan(loader, owner, kernel.getName(), descriptor, new HashSet<>());
    }

    private static boolean scan(ClassLoader loader, String owner, String name, String descriptor, Set<String> seen) {
        if (!seen.add(owner + "." + name + descriptor)) {
            return false;
        }
        ClassModel cm = load(loader, owner);
        if (cm == null) {
            // Without the bytes we cannot tell: assume the worst, which is slower but always correct.
            return true;
        }
        for (MethodModel m : cm.methods()) {
            if (!m.methodName().equalsString(name) || !m.methodType().equalsString(descriptor) || m.code().isEmpty()) {
                continue;
            }
            for (CodeElement e : m.code().get()) {
                if (e instanceof InvokeInstruction inv) {
                    String target = inv.owner().asInternalName();
                    String targetName = inv.name().stringValue();
                    if (target.equals(CONTEXT) && targetName.endsWith("Barrier")) {
                        return true;
                    }
                    if (inv.opcode() == java.lang.classfile.Opcode.INVOKESTATIC
                            && !target.startsWith("java/")
                            && scan(loader, target, targetName, inv.type().stringValue(), seen)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static ClassModel load(ClassLoader loader, String internalName) {
        ClassLoader l = loader != null ? loader : ClassLoader.getSystemClassLoader();
        try (InputStream in = l.getResourceAsStream(internalName + ".class")) {
            return in == null ? null : ClassFile.of().parse(in.readAllBytes());
        } catch (IOException e) {
            return null;
        }
    }
}
