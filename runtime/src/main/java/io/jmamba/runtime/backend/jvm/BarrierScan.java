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
import java.util.function.Predicate;

/**
 * Tells whether a kernel (or a static method it calls) waits at a work-group barrier (warp operations
 * count: the JVM runs them through one), and whether it uses warp operations. Kernels that
 * do need one thread per work-item on the JVM; all others can run a group's items one after another
 * on one thread, which is much cheaper.
 */
final class BarrierScan {
    private static final String CONTEXT = "io/jmamba/runtime/api/KernelContext";

    private BarrierScan() {
    }

    /** KernelContext's warp operations: on the JVM they exchange values through the group at a barrier. */
    private static final Set<String> WARP_OPS = Set.of("shuffle", "shuffleXor", "shuffleUp", "shuffleDown",
            "warpReduceSum", "warpReduceMax", "warpReduceMin", "warpInclusiveScanSum",
            "mmaBf16Frag", "mmaF16Frag", "mmaTf32Frag"); // register-fragment MMAs exchange their operands

    static boolean usesBarrier(Method kernel) {
        return scan(kernel, n -> n.endsWith("Barrier") || WARP_OPS.contains(n), true);
    }

    /**
     * Whether the kernel calls KernelContext.gridBarrier (false when its class bytes cannot be read: such a
     * kernel's barrier then fails with a message instead of waiting for groups that run later).
     */
    static boolean usesGridBarrier(Method kernel) {
        return scan(kernel, n -> n.equals("gridBarrier"), false);
    }

    /** Whether the kernel calls a warp operation or a warp MMA (false when its class bytes cannot be read). */
    static boolean usesWarpOps(Method kernel) {
        return scan(kernel, n -> WARP_OPS.contains(n) || n.equals("mmaBf16") || n.equals("mmaF16") || n.startsWith("ldmatrix"), false);
    }

    private static boolean scan(Method kernel, Predicate<String> contextMethod, boolean whenUnreadable) {
        ClassLoader loader = kernel.getDeclaringClass().getClassLoader();
        String owner = kernel.getDeclaringClass().getName().replace('.', '/');
        String descriptor = java.lang.invoke.MethodType.methodType(kernel.getReturnType(), kernel.getParameterTypes())
                .toMethodDescriptorString();
        return scan(loader, owner, kernel.getName(), descriptor, new HashSet<>(), contextMethod, whenUnreadable);
    }

    private static boolean scan(ClassLoader loader, String owner, String name, String descriptor, Set<String> seen,
                                Predicate<String> contextMethod, boolean whenUnreadable) {
        if (!seen.add(owner + "." + name + descriptor)) {
            return false;
        }
        ClassModel cm = load(loader, owner);
        if (cm == null) {
            // Without the bytes we cannot tell: assume the worst, which is slower but always correct.
            return whenUnreadable;
        }
        for (MethodModel m : cm.methods()) {
            if (!m.methodName().equalsString(name) || !m.methodType().equalsString(descriptor) || m.code().isEmpty()) {
                continue;
            }
            for (CodeElement e : m.code().get()) {
                if (e instanceof InvokeInstruction inv) {
                    String target = inv.owner().asInternalName();
                    String targetName = inv.name().stringValue();
                    if (target.equals(CONTEXT) && contextMethod.test(targetName)) {
                        return true;
                    }
                    if (inv.opcode() == java.lang.classfile.Opcode.INVOKESTATIC
                            && !target.startsWith("java/")
                            && scan(loader, target, targetName, inv.type().stringValue(), seen, contextMethod, whenUnreadable)) {
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
