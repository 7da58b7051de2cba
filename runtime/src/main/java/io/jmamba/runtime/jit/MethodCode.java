package io.jmamba.runtime.jit;

import java.lang.classfile.Attributes;
import java.lang.classfile.CodeElement;
import java.lang.classfile.Instruction;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.TypeAnnotation;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.classfile.instruction.LabelTarget;
import java.lang.classfile.instruction.LocalVariable;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One method's code as the JIT front end sees it: instructions with their bytecode offsets, label
 * offsets, the local variable table (for readable names) and the {@code @Parallel} variables found in
 * the Code attribute's RuntimeVisibleTypeAnnotations.
 */
final class MethodCode {
    static final String PARALLEL_DESC = "Lio/jmamba/runtime/api/Parallel;";

    final String owner;
    final String ownerInternal;
    final String name;
    final MethodTypeDesc type;
    final boolean isStatic;
    final CodeAttribute code;
    final List<Instruction> instructions = new ArrayList<>();
    final List<Integer> offsets = new ArrayList<>();
    final List<LocalVariable> localVariables = new ArrayList<>();
    /** A {@code @Parallel} variable: its slot and the bytecode range where it is live. */
    record ParallelVar(int slot, int start, int end) { }
    final List<ParallelVar> parallelVars = new ArrayList<>();
    private final Map<Label, Integer> labelOffsets = new HashMap<>();

    MethodCode(String ownerInternal, MethodModel method) {
        this.ownerInternal = ownerInternal;
        this.owner = ownerInternal.replace('/', '.');
        this.name = method.methodName().stringValue();
        this.type = method.methodTypeSymbol();
        this.isStatic = method.flags().has(java.lang.reflect.AccessFlag.STATIC);
        this.code = (CodeAttribute) method.code().orElse(null);
        if (code == null) {
            return;
        }
        int bci = 0;
        for (CodeElement e : code) {
            if (e instanceof Instruction ins) {
                instructions.add(ins);
                offsets.add(bci);
                bci += ins.sizeInBytes();
            } else if (e instanceof LabelTarget lt) {
                labelOffsets.put(lt.label(), bci);
            } else if (e instanceof LocalVariable lv) {
                localVariables.add(lv);
            }
        }
        code.findAttribute(Attributes.runtimeVisibleTypeAnnotations()).ifPresent(attr -> {
            for (TypeAnnotation ta : attr.annotations()) {
                if (ta.targetInfo() instanceof TypeAnnotation.LocalVarTarget target
                        && ta.annotation().className().equalsString(PARALLEL_DESC)) {
                    for (TypeAnnotation.LocalVarTargetInfo info : target.table()) {
                        parallelVars.add(new ParallelVar(info.index(), offset(info.startLabel()),
                                offset(info.endLabel())));
                    }
                }
            }
        });
    }

    int offset(Label label) {
        Integer o = labelOffsets.get(label);
        return o != null ? o : code.labelToBci(label);
    }

    /** Index in {@link #instructions} of the instruction at bytecode offset {@code bci}, or -1. */
    int indexAt(int bci) {
        int i = java.util.Collections.binarySearch(offsets, bci);
        return i >= 0 ? i : -1;
    }
}
