package io.jmamba.runtime.jit;

import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LocalVariable;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates method calls: intrinsics (math, bit casts, KernelContext, NativeArray access) become IR
 * expressions or intrinsic statements; calls to other static methods become calls to device functions,
 * translated on first use per (method, argument address spaces). A call to a method still being
 * translated closes a cycle in the call graph: recursion, which is rejected.
 */
final class CallTranslator {
    private final Translator tr;
    private final Program program;

    CallTranslator(Translator tr) {
        this.tr = tr;
        this.program = tr.program;
    }

    void invoke(InvokeInstruction inv) {
        MethodTypeDesc type = inv.typeSymbol();
        List<Object> args = new ArrayList<>();
        for (int i = 0; i < type.parameterCount(); i++) {
            args.addFirst(tr.popValue());
        }
        Object receiver = inv.opcode() == Opcode.INVOKESTATIC ? null : tr.popValue();
        String owner = inv.owner().asInternalName();
        String name = inv.name().stringValue();
        String dotted = owner.replace('/', '.') + "." + name;
        switch (inv.opcode()) {
            case INVOKESTATIC -> {
                if (args.stream().allMatch(a -> a instanceof Expr)) {
                    Expr e = Intrinsics.staticCall(owner, name, type, args.stream().map(a -> (Expr) a).toList());
                    if (e != null) {
                        tr.push(e);
                        return;
                    }
                }
                if (Intrinsics.isLibraryClass(owner)) {
                    throw tr.reject(tr.bci(), "call to " + dotted + " (no device equivalent)");
                }
                callDeviceFunction(owner, name, type, args);
            }
            case INVOKEVIRTUAL, INVOKEINTERFACE -> {
                if (receiver == AbstractState.CONTEXT && owner.equals(Intrinsics.CONTEXT)) {
                    contextCall(name, type, args);
                } else if (receiver instanceof ArrayRef a && Intrinsics.ARRAY_CLASSES.contains(owner)
                        && a.space() == ArrayRef.Space.GLOBAL) {
                    arrayCall(a, name, args);
                } else {
                    throw tr.reject(tr.bci(), "virtual call to " + dotted);
                }
            }
            default -> throw tr.reject(tr.bci(), "virtual call to " + dotted);
        }
    }

    private void arrayCall(ArrayRef a, String name, List<Object> args) {
        switch (name) {
            case "get" -> tr.push(new Expr.ArrayLoad(a, (Expr) args.get(0)));
            case "set" -> {
                tr.protectMemoryBeforeCall();
                tr.emit(new Stmt.ArrayStore(a, (Expr) args.get(0), (Expr) args.get(1)));
            }
            case "getSize" -> tr.push(new Expr.ArraySize(a, Kind.J));
            case "getPair", "setPair" -> {
                if (a.elem() != ElemType.BF16) {
                    throw tr.reject(tr.bci(), "NativeArray." + name + " on a " + a.elem().javaName + " array (only BFloat16Array has pairs)");
                }
                // the same pointer seen as 32-bit pairs; the index stays an element index (even by contract)
                ArrayRef pairs = new ArrayRef(a.cName(), a.sizeExpr(), ElemType.BF16_PAIR, a.space(), a.kernelParamIndex(), a.constSize());
                if (name.equals("getPair")) {
                    tr.push(new Expr.ArrayLoad(pairs, (Expr) args.get(0)));
                } else {
                    tr.protectMemoryBeforeCall();
                    tr.emit(new Stmt.ArrayStore(pairs, (Expr) args.get(0), (Expr) args.get(1)));
                }
            }
            case "get4", "set4" -> {
                if (!(args.get(1) instanceof ArrayRef v) || v.space() == ArrayRef.Space.GLOBAL || v.elem() != ElemType.FLOAT) {
                    throw tr.reject(tr.bci(), "NativeArray." + name + " with something other than a private or local float[] "
                            + "(got " + args.get(1) + ")");
                }
                tr.protectMemoryBeforeCall();
                tr.emit(new Stmt.Call(null, name.equals("get4") ? "vec.load4" : "vec.store4",
                        List.of(a, args.get(0), v, args.get(2)), true));
            }
            default -> throw tr.reject(tr.bci(), "virtual call to NativeArray." + name);
        }
    }

    private void contextCall(String name, MethodTypeDesc type, List<Object> args) {
        switch (name) {
            case "localBarrier", "globalBarrier" -> {
                tr.protectMemoryBeforeCall();
                program.usesBarriers = true;
                tr.emit(new Stmt.Call(null, name.equals("localBarrier") ? "barrier.local" : "barrier.global",
                        List.of(), true));
            }
            case "gridDependencyWait", "launchDependents" -> {
                // a compiler barrier on CUDA: loads before it stay before, loads after it stay after
                tr.protectMemoryBeforeCall();
                if (name.equals("gridDependencyWait")) {
                    program.usesGridDependency = true;
                }
                tr.emit(new Stmt.Call(null, name.equals("gridDependencyWait") ? GridDependencyOps.WAIT : GridDependencyOps.LAUNCH,
                        List.of(), true));
            }
            case "gridBarrier" -> gridBarrier(args);
            case "asyncCopy16" -> asyncCopy(args);
            case "asyncCopyCommit" -> {
                tr.protectMemoryBeforeCall();
                tr.emit(new Stmt.Call(null, AsyncCopyOps.COMMIT, List.of(), true));
            }
            case "asyncCopyWait" -> asyncCopyWait((Expr) args.getFirst());
            case "ldmatrixX4", "ldmatrixX4Trans" -> matrixLoad(name, args);
            case "allocateFloatLocalArray", "allocateIntLocalArray", "allocateLongLocalArray",
                 "allocateDoubleLocalArray" -> allocateLocal(name, (Expr) args.get(0));
            case "atomicAdd" -> {
                if (!(args.get(0) instanceof ArrayRef a) || args.get(0) == null) {
                    throw tr.reject(tr.bci(), "atomicAdd on something that is not an array");
                }
                if (a.space() == ArrayRef.Space.PRIVATE) {
                    throw tr.reject(tr.bci(), "atomicAdd on a private array");
                }
                tr.protectMemoryBeforeCall();
                Kind k = a.elem().kind;
                Var result = tr.newTemp(k);
                tr.emit(new Stmt.Call(result, "atomic.add", List.of(a, args.get(1), args.get(2)), true));
                tr.push(new Expr.Reg(result, null));
            }
            case "globalTimer" -> {
                // a statement, not an expression: two reads must stay two reads, in program order
                tr.protectMemoryBeforeCall();
                Var result = tr.newTemp(Kind.J);
                tr.emit(new Stmt.Call(result, "time.global", List.of(), true));
                tr.push(new Expr.Reg(result, null));
            }
            case "atomicAdd2" -> {
                if (!(args.get(0) instanceof ArrayRef a) || a.elem() != ElemType.FLOAT || a.space() != ArrayRef.Space.GLOBAL) {
                    throw tr.reject(tr.bci(), "atomicAdd2 on something that is not a global FloatArray");
                }
                tr.protectMemoryBeforeCall();
                tr.emit(new Stmt.Call(null, "atomic.add2", List.of(a, args.get(1), args.get(2), args.get(3)), true));
            }
            case "mmaBf16", "mmaF16" -> mmaCall(name, args);
            case "mmaBf16Frag", "mmaF16Frag", "mmaTf32Frag" -> mmaFragCall(name, args);
            case "warpSize" -> tr.push(new Expr.Const(Kind.I, io.jmamba.runtime.api.KernelContext.WARP_SIZE));
            case "laneId" -> {
                program.usesContextIds = true;
                tr.push(new Expr.Bin("and", Kind.I, new Expr.Intrinsic("ctx.localIdx", Kind.I, List.of()),
                        new Expr.Const(Kind.I, io.jmamba.runtime.api.KernelContext.WARP_SIZE - 1)));
            }
            default -> {
                String op = Intrinsics.WARP_METHODS.get(name);
                if (op == null) {
                    throw tr.reject(tr.bci(), "virtual call to io.jmamba.runtime.api.KernelContext." + name);
                }
                warpCall(op, args);
            }
        }
    }

    /**
     * KernelContext.gridBarrier(counter): the counter must be a global int array (a kernel parameter or one
     * passed down to a device function), and the call must not sit in a {@code @Parallel} loop, whose
     * grid-stride trip count differs between work-items. The kernel then needs an exact grid (its groups
     * are counted) and, on the JVM, one thread per work-item.
     */
    private void gridBarrier(List<Object> args) {
        if (!(args.get(0) instanceof ArrayRef counter) || counter.space() != ArrayRef.Space.GLOBAL
                || counter.elem() != ElemType.INT) {
            throw tr.reject(tr.bci(), "KernelContext.gridBarrier on something other than an IntArray kernel argument (got "
                    + args.get(0) + ")");
        }
        if (tr.insideParallelLoop(tr.bci())) {
            throw tr.reject(tr.bci(), "KernelContext.gridBarrier inside a @Parallel loop (every work-item must reach it "
                    + "the same number of times; use the KernelContext ids)");
        }
        tr.protectMemoryBeforeCall();
        program.usesContextIds = true;
        program.usesBarriers = true;
        program.usesGridBarrier = true;
        tr.emit(new Stmt.Call(null, GridBarrierOps.BARRIER, List.of(counter), true));
    }

    /**
     * KernelContext.asyncCopy16(local, localIndex, global, globalIndex): the destination must be a work-group
     * local array (it is shared memory the copy lands in), the source a global array of the same 32-bit width
     * (bf16 pairs or ints into an int[], floats into a float[]).
     */
    private void asyncCopy(List<Object> args) {
        if (!(args.get(0) instanceof ArrayRef dst) || dst.space() != ArrayRef.Space.LOCAL) {
            throw tr.reject(tr.bci(), "KernelContext.asyncCopy16 into something other than a work-group local array "
                    + "(got " + args.get(0) + "; allocate it with KernelContext.allocateIntLocalArray/allocateFloatLocalArray)");
        }
        if (!(args.get(2) instanceof ArrayRef src) || src.space() != ArrayRef.Space.GLOBAL) {
            throw tr.reject(tr.bci(), "KernelContext.asyncCopy16 from something other than a global array (got " + args.get(2) + ")");
        }
        tr.protectMemoryBeforeCall();
        tr.emit(new Stmt.Call(null, AsyncCopyOps.COPY, List.copyOf(args), true));
    }

    /** KernelContext.asyncCopyWait(n): n must fold to a constant (PTX takes it as an immediate). */
    private void asyncCopyWait(Expr pending) {
        Number n = pending.constValue();
        int max = io.jmamba.runtime.api.KernelContext.MAX_PENDING_COPY_GROUPS;
        if (n == null || n.intValue() < 0 || n.intValue() > max) {
            throw tr.reject(tr.bci(), "KernelContext.asyncCopyWait with a pending-group count that is not a constant in 0.."
                    + max + " (got " + (n == null ? "a value known only at run time" : n) + "; use a literal or a @Specialize parameter)");
        }
        tr.protectMemoryBeforeCall();
        tr.emit(new Stmt.Call(null, AsyncCopyOps.WAIT, List.of(new Expr.Const(Kind.I, n.intValue())), true));
    }

    /**
     * KernelContext.ldmatrixX4/ldmatrixX4Trans(local, index, stride, regs, offset): a warp-collective load (CUDA
     * ldmatrix) from a work-group local int array into a private int array; on OpenCL each item reads its own
     * elements, so unlike the emulated shuffles it needs no scratch and no barrier.
     */
    private void matrixLoad(String name, List<Object> args) {
        if (!(args.get(0) instanceof ArrayRef local) || local.space() != ArrayRef.Space.LOCAL || local.elem() != ElemType.INT) {
            throw tr.reject(tr.bci(), "KernelContext." + name + " from something other than a work-group local int array (got "
                    + args.get(0) + ")");
        }
        if (!(args.get(3) instanceof ArrayRef regs) || regs.space() != ArrayRef.Space.PRIVATE || regs.elem() != ElemType.INT) {
            throw tr.reject(tr.bci(), "KernelContext." + name + " into something other than a private int[] (each lane keeps "
                    + "its own four registers; got " + args.get(3) + ")");
        }
        if (tr.insideParallelLoop(tr.bci())) {
            throw tr.reject(tr.bci(), "warp operation KernelContext." + name
                    + " inside a @Parallel loop (all 32 lanes of a warp must call it together; use the KernelContext ids)");
        }
        tr.protectMemoryBeforeCall();
        program.usesContextIds = true;
        program.usesWarpOps = true;
        List<Object> callArgs = new ArrayList<>(args);
        callArgs.add(new Expr.Bin("and", Kind.I, new Expr.Intrinsic("ctx.localIdx", Kind.I, List.of()),
                new Expr.Const(Kind.I, io.jmamba.runtime.api.KernelContext.WARP_SIZE - 1)));
        tr.emit(new Stmt.Call(null, name.equals("ldmatrixX4") ? MatrixLoadOps.LOAD : MatrixLoadOps.LOAD_TRANS,
                List.copyOf(callArgs), true));
    }

    /**
     * A warp operation: a statement, not an expression, because on OpenCL and the JVM it synchronises the
     * work-group and so must run exactly once, in program order, never hoisted or dropped.
     */
    private void warpCall(String op, List<Object> args) {
        if (tr.insideParallelLoop(tr.bci())) {
            // a grid-stride loop runs a different number of times on different work-items: the 32 lanes
            // of a warp would not all reach the call
            throw tr.reject(tr.bci(), "warp operation KernelContext." + WARP_JAVA_NAMES.get(op)
                    + " inside a @Parallel loop (all 32 lanes of a warp must call it together; use the KernelContext ids)");
        }
        tr.protectMemoryBeforeCall();
        program.usesContextIds = true;
        program.usesBarriers = true; // emulated with barriers on OpenCL; the JVM needs one thread per item
        program.usesWarpOps = true;
        program.usesWarpScratch = true;
        Expr value = (Expr) args.getFirst();
        Var result = tr.newTemp(value.kind());
        tr.emit(new Stmt.Call(result, op, List.copyOf(args), true));
        tr.push(new Expr.Reg(result, null));
    }

    /** A warp matrix multiply-accumulate: A and B global 16-bit arrays, the accumulator a private float array. */
    private void mmaCall(String name, List<Object> args) {
        ElemType in = name.equals("mmaBf16") ? ElemType.BF16 : ElemType.HALF;
        if (!(args.get(0) instanceof ArrayRef a) || a.space() != ArrayRef.Space.GLOBAL || a.elem() != in
                || !(args.get(3) instanceof ArrayRef b) || b.space() != ArrayRef.Space.GLOBAL || b.elem() != in) {
            throw tr.reject(tr.bci(), "KernelContext." + name + " on arrays that are not kernel parameters");
        }
        if (!(args.get(6) instanceof ArrayRef acc) || acc.space() != ArrayRef.Space.PRIVATE || acc.elem() != ElemType.FLOAT) {
            throw tr.reject(tr.bci(), "KernelContext." + name + " with an accumulator that is not a private float[] "
                    + "(each lane keeps its own four elements)");
        }
        if (tr.insideParallelLoop(tr.bci())) {
            throw tr.reject(tr.bci(), "warp operation KernelContext." + name
                    + " inside a @Parallel loop (all 32 lanes of a warp must call it together; use the KernelContext ids)");
        }
        tr.protectMemoryBeforeCall();
        program.usesContextIds = true;
        program.usesWarpOps = true;
        Expr lane = new Expr.Bin("and", Kind.I, new Expr.Intrinsic("ctx.localIdx", Kind.I, List.of()),
                new Expr.Const(Kind.I, io.jmamba.runtime.api.KernelContext.WARP_SIZE - 1));
        List<Object> callArgs = new java.util.ArrayList<>(args);
        callArgs.add(lane);
        tr.emit(new Stmt.Call(null, name.equals("mmaBf16") ? "mma.bf16" : "mma.f16", List.copyOf(callArgs), true));
    }

    /**
     * A register-fragment MMA: six operand registers and a private float accumulator. On OpenCL the lanes
     * exchange their fragments through the warp scratch (barriers), so it counts as a warp operation.
     */
    private void mmaFragCall(String name, List<Object> args) {
        for (int i = 0; i < 6; i++) {
            if (!(args.get(i) instanceof Expr)) {
                throw tr.reject(tr.bci(), "KernelContext." + name + " with operand " + i + " that is not a value");
            }
        }
        if (!(args.get(6) instanceof ArrayRef acc) || acc.space() != ArrayRef.Space.PRIVATE || acc.elem() != ElemType.FLOAT) {
            throw tr.reject(tr.bci(), "KernelContext." + name + " with an accumulator that is not a private float[] "
                    + "(each lane keeps its own four elements)");
        }
        if (tr.insideParallelLoop(tr.bci())) {
            throw tr.reject(tr.bci(), "warp operation KernelContext." + name
                    + " inside a @Parallel loop (all 32 lanes of a warp must call it together; use the KernelContext ids)");
        }
        tr.protectMemoryBeforeCall();
        program.usesContextIds = true;
        program.usesBarriers = true; // emulated with barriers on OpenCL; the JVM needs one thread per item
        program.usesWarpOps = true;
        program.usesWarpScratch = true;
        String op = switch (name) {
            case "mmaBf16Frag" -> "mma.frag.bf16";
            case "mmaF16Frag" -> "mma.frag.f16";
            default -> "mma.frag.tf32";
        };
        tr.emit(new Stmt.Call(null, op, List.copyOf(args), true));
    }

    private static final Map<String, String> WARP_JAVA_NAMES = new HashMap<>();

    static {
        Intrinsics.WARP_METHODS.forEach((java, ir) -> WARP_JAVA_NAMES.put(ir, java));
    }

    private void allocateLocal(String name, Expr size) {
        if (!tr.fn.entry) {
            throw tr.reject(tr.bci(), "work-group local array allocated in a device function "
                    + "(allocate it in the kernel method and pass it as an argument)");
        }
        Number n = size.constValue();
        if (n == null) {
            throw tr.reject(tr.bci(), "work-group local array of non-constant size");
        }
        if (n.intValue() <= 0) {
            throw tr.reject(tr.bci(), "work-group local array of size " + n);
        }
        ElemType e = switch (name) {
            case "allocateFloatLocalArray" -> ElemType.FLOAT;
            case "allocateIntLocalArray" -> ElemType.INT;
            case "allocateLongLocalArray" -> ElemType.LONG;
            default -> ElemType.DOUBLE;
        };
        ArrayRef a = tr.fn.localArrays.get(tr.bci());
        if (a == null) {
            String cName = tr.names().unique(tr.nameOfNextStore("lmem" + tr.bci()));
            a = new ArrayRef(cName, String.valueOf(n.intValue()), e, ArrayRef.Space.LOCAL, -1, n.intValue());
            tr.fn.localArrays.put(tr.bci(), a);
        }
        tr.push(a);
    }

    private void callDeviceFunction(String owner, String name, MethodTypeDesc type, List<Object> args) {
        String key = owner + "." + name + type.descriptorString();
        int at = program.inProgress.indexOf(key);
        if (at >= 0) {
            List<String> chain = new ArrayList<>(program.inProgressNames.subList(at, program.inProgressNames.size()));
            chain.add(name);
            throw tr.reject(tr.bci(), "recursion (" + String.join(" -> ", chain) + ")");
        }
        Class<?> cls;
        try {
            cls = Class.forName(owner.replace('/', '.'), false, program.loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw tr.reject(tr.bci(), "call to " + owner.replace('/', '.') + "." + name + " (class not found: " + e + ")");
        }
        MethodModel mm = ClassFiles.method(cls, name, type.descriptorString());
        if (mm == null) {
            throw tr.reject(tr.bci(), "call to " + owner.replace('/', '.') + "." + name + " (method not found)");
        }
        StringBuilder variant = new StringBuilder(key).append('|');
        List<Object> abstractArgs = new ArrayList<>();
        List<Object> callArgs = new ArrayList<>();
        Map<Integer, Object> constantArgs = new HashMap<>();
        for (Object a : args) {
            switch (a) {
                case Expr e when e.constValue() != null && (e.kind() == Kind.I || e.kind() == Kind.J) -> {
                    // a constant integer argument specialises the device function (sizes like dstate fold there too)
                    constantArgs.put(abstractArgs.size(), e.constValue());
                    abstractArgs.add(e.kind());
                    variant.append('=').append(e.constValue()).append(',');
                }
                case Expr e -> {
                    abstractArgs.add(e.kind());
                    callArgs.add(e);
                    variant.append('p');
                }
                case ArrayRef r -> {
                    abstractArgs.add(r);
                    callArgs.add(r);
                    variant.append(r.space()).append(':').append(r.elem()).append(',');
                }
                default -> {
                    if (a != AbstractState.CONTEXT) {
                        throw tr.reject(tr.bci(), "argument " + a + " to " + name);
                    }
                    abstractArgs.add(a);
                    variant.append("ctx,");
                }
            }
        }
        FunctionIR f = program.functions.get(variant.toString());
        if (f == null) {
            MethodCode code = new MethodCode(owner, mm);
            String simple = owner.substring(owner.lastIndexOf('/') + 1);
            String cName = program.uniqueCName(Names.sanitize(simple + "_" + name));
            program.inProgress.add(key);
            program.inProgressNames.add(name);
            try {
                f = new Translator(program, code, cName, false, constantArgs, abstractArgs, paramNames(code)).translate();
            } finally {
                program.inProgress.removeLast();
                program.inProgressNames.removeLast();
            }
            program.functions.put(variant.toString(), f);
        }
        tr.protectMemoryBeforeCall();
        Var result = f.returnKind != null ? tr.newTemp(f.returnKind) : null;
        tr.emit(new Stmt.Call(result, f.cName, callArgs, false));
        if (result != null) {
            tr.push(new Expr.Reg(result, null));
        }
    }

    /** Java parameter names of a method from its LocalVariableTable, else argN. */
    static List<String> paramNames(MethodCode code) {
        List<String> names = new ArrayList<>();
        int slot = 0;
        for (int i = 0; i < code.type.parameterCount(); i++) {
            String n = "arg" + i;
            for (LocalVariable lv : code.localVariables) {
                if (lv.slot() == slot && code.offset(lv.startScope()) == 0) {
                    n = lv.name().stringValue();
                }
            }
            names.add(n);
            String d = code.type.parameterType(i).descriptorString();
            slot += d.equals("J") || d.equals("D") ? 2 : 1;
        }
        return names;
    }
}
