package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.KernelCompilationException;

import java.lang.classfile.Instruction;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.DiscontinuedInstruction;
import java.lang.classfile.instruction.ExceptionCatch;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.MonitorInstruction;
import java.lang.classfile.instruction.NewMultiArrayInstruction;
import java.lang.classfile.instruction.NewObjectInstruction;
import java.lang.classfile.instruction.NewReferenceArrayInstruction;
import java.lang.classfile.instruction.ThrowInstruction;
import java.lang.classfile.instruction.TypeCheckInstruction;
import java.lang.constant.ClassDesc;

/**
 * The checks that need only one instruction at a time: everything a GPU cannot run that is visible
 * without data flow (allocation, exceptions, strings, synchronisation, virtual calls, field writes,
 * JDK calls without a device equivalent). The first offending instruction (lowest offset) is reported.
 * Checks that need data flow (array sizes, references) happen in {@link Translator}.
 */
final class Checks {
    private Checks() {
    }

    /** The synthetic field javac reads before each {@code assert}. */
    static final String ASSERTIONS_DISABLED = "$assertionsDisabled";

    static void prescan(MethodCode mc) {
        if (mc.code == null) {
            throw new KernelCompilationException(mc.owner, mc.name, 0, "method without code (native or abstract)");
        }
        int bestOffset = Integer.MAX_VALUE;
        String bestConstruct = null;
        int assertEnd = -1;
        for (int i = 0; i < mc.instructions.size(); i++) {
            if (mc.offsets.get(i) < assertEnd) {
                continue; // the body of an assert statement: never runs on a device
            }
            if (mc.instructions.get(i) instanceof FieldInstruction f && f.opcode() == Opcode.GETSTATIC
                    && f.name().equalsString(ASSERTIONS_DISABLED) && i + 1 < mc.instructions.size()
                    && mc.instructions.get(i + 1) instanceof BranchInstruction b && b.opcode() == Opcode.IFNE) {
                assertEnd = mc.offset(b.target());
                continue;
            }
            String c = construct(mc.instructions.get(i));
            if (c != null && mc.offsets.get(i) < bestOffset) {
                bestOffset = mc.offsets.get(i);
                bestConstruct = c;
            }
        }
        for (ExceptionCatch ec : mc.code.exceptionHandlers()) {
            int start = mc.offset(ec.tryStart());
            if (start < bestOffset) {
                bestOffset = start;
                bestConstruct = "try/catch";
            }
        }
        if (bestConstruct != null) {
            throw new KernelCompilationException(mc.owner, mc.name, bestOffset, bestConstruct);
        }
    }

    /** What is wrong with this instruction, or null when it may be compiled. */
    static String construct(Instruction ins) {
        return switch (ins) {
            case NewObjectInstruction n -> "object allocation (new " + n.className().asInternalName().replace('/', '.') + ")";
            case NewReferenceArrayInstruction n ->
                    "array of references (new " + n.componentType().asInternalName().replace('/', '.') + "[])";
            case NewMultiArrayInstruction n -> "multi-dimensional array (new " + n.arrayType().asSymbol().displayName() + ")";
            case InvokeDynamicInstruction d -> "invokedynamic (lambda or string concatenation)";
            case MonitorInstruction m -> m.opcode() == Opcode.MONITORENTER ? "synchronized (monitorenter)" : null;
            case ThrowInstruction t -> "throw";
            case DiscontinuedInstruction d -> "jsr/ret subroutine";
            case TypeCheckInstruction t -> "type check (" + t.opcode().name().toLowerCase() + " "
                    + t.type().asInternalName().replace('/', '.') + ")";
            case ConstantInstruction c -> constant(c);
            case FieldInstruction f -> switch (f.opcode()) {
                case PUTFIELD, PUTSTATIC -> "field write (" + f.owner().asInternalName().replace('/', '.') + "."
                        + f.name().stringValue() + ")";
                default -> null;
            };
            case InvokeInstruction inv -> invoke(inv);
            default -> null;
        };
    }

    private static String constant(ConstantInstruction c) {
        Object v = c.constantValue();
        if (v == null || c.opcode() == Opcode.ACONST_NULL) {
            return null; // aconst_null: rejected where it is used
        }
        if (v instanceof String) {
            return "string constant";
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Float || v instanceof Double) {
            return null;
        }
        if (v instanceof ClassDesc cd) {
            return "class constant (" + cd.displayName() + ".class)";
        }
        return "constant of type " + v.getClass().getSimpleName();
    }

    private static String invoke(InvokeInstruction inv) {
        String owner = inv.owner().asInternalName();
        String name = inv.name().stringValue();
        String dotted = owner.replace('/', '.') + "." + name;
        return switch (inv.opcode()) {
            case INVOKESTATIC -> {
                if (Intrinsics.isStaticIntrinsic(owner, name, inv.type().stringValue())) {
                    yield null;
                }
                if (Intrinsics.isLibraryClass(owner)) {
                    yield "call to " + dotted + " (no device equivalent)";
                }
                yield null;
            }
            case INVOKEVIRTUAL, INVOKEINTERFACE -> Intrinsics.isInstanceIntrinsic(owner, name)
                    ? null : "virtual call to " + dotted;
            case INVOKESPECIAL -> name.equals("<init>") ? "constructor call (" + owner.replace('/', '.') + ")"
                    : "virtual call to " + dotted;
            default -> "call to " + dotted;
        };
    }
}
