package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.KernelCompilationException;

import java.lang.classfile.Instruction;
import java.lang.classfile.Label;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.ArrayLoadInstruction;
import java.lang.classfile.instruction.ArrayStoreInstruction;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.ConvertInstruction;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.IncrementInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.NewPrimitiveArrayInstruction;
import java.lang.classfile.instruction.NopInstruction;
import java.lang.classfile.instruction.OperatorInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.StackInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The front end proper: abstract interpretation of one method's bytecode over basic blocks, turning
 * the operand stack into typed registers and expressions (see {@link AbstractState}) and emitting
 * {@link Stmt}s per block. References are resolved statically to arrays; constants are propagated so
 * that specialised sizes fold. A worklist re-translates a block whenever its entry state changes.
 */
final class Translator {
    final Program program;
    final MethodCode mc;
    final FunctionIR fn;
    private final Names names;
    private final Map<String, Var> registers = new HashMap<>();
    private final Map<Var, Integer> scalarParamIndex = new HashMap<>();
    private final Set<Integer> storedSlots = new HashSet<>();
    /** Stores (and increments) per local slot: a slot stored once holds one value for the whole method. */
    private final Map<Integer, Integer> storeCounts = new HashMap<>();
    /** The value of each local stored exactly once, so a loop bound held in it can be traced to the parameters. */
    private final Map<Var, Expr> singleDefinitions = new HashMap<>();
    /** The kernel entry's @Parallel loops; none for device functions (their loops run as written). */
    private GridStrideLoops parallel;
    private final TreeSet<Integer> leaders = new TreeSet<>();
    private final Map<Integer, AbstractState> entryStates = new HashMap<>();
    private final AbstractState initial;

    // per-block translation state
    private AbstractState st;
    private List<Stmt> out;
    private int tempCounter;
    private int bci;

    /**
     * @param args for device functions: the abstract value of each argument at the call (ArrayRef,
     *             CONTEXT or a Kind); null for the kernel entry, whose parameters come from its signature
     */
    Translator(Program program, MethodCode mc, String cName, boolean entry, Map<Integer, Object> specialized,
               List<Object> args, List<String> paramNames) {
        this.program = program;
        this.mc = mc;
        this.fn = new FunctionIR(cName, mc, entry);
        Checks.prescan(mc);
        Set<String> taken = new HashSet<>();
        this.names = new Names(mc.localVariables, taken);
        int maxLocals = mc.code.maxLocals();
        this.initial = new AbstractState(new ArrayList<>(), new Object[maxLocals], new Object[maxLocals]);
        if (!mc.isStatic) {
            throw reject(0, "non-static kernel method");
        }
        MethodTypeDesc type = mc.type;
        ClassDesc ret = type.returnType();
        if (!ret.descriptorString().equals("V")) {
            if (!ret.isPrimitive()) {
                throw reject(0, "return of a reference (" + ret.displayName() + ") from a device function");
            }
            fn.returnKind = Kind.of(TypeKind.from(ret));
        }
        for (Instruction ins : mc.instructions) {
            if (ins instanceof StoreInstruction s) {
                storedSlots.add(s.slot());
                storeCounts.merge(s.slot(), 1, Integer::sum);
            } else if (ins instanceof IncrementInstruction inc) {
                storedSlots.add(inc.slot());
                storeCounts.merge(inc.slot(), 1, Integer::sum);
            }
        }
        int slot = 0;
        for (int i = 0; i < type.parameterCount(); i++) {
            ClassDesc p = type.parameterType(i);
            String pname = names.unique(paramNames.get(i));
            if (p.isPrimitive()) {
                Kind k = Kind.of(TypeKind.from(p));
                Object spec = specialized == null ? null : specialized.get(i);
                Var v;
                if (spec != null) {
                    Number value = narrow(p.descriptorString(), literal(k, spec, pname));
                    boolean assigned = storedSlots.contains(slot);
                    v = new Var(pname, k, value, assigned);
                    initial.consts[slot] = assigned ? AbstractState.NOT_CONSTANT : value;
                } else {
                    v = new Var(pname, k, null);
                    initial.consts[slot] = AbstractState.NOT_CONSTANT;
                    fn.params.add(new FunctionIR.CParam(v, p.displayName(), null));
                    scalarParamIndex.put(v, i);
                }
                registers.put(slot + "_" + k, v);
                slot += k.isWide() ? 2 : 1;
                continue;
            }
            Object abs = entry ? entryParam(p, i) : (args.get(i) instanceof Kind ? null : args.get(i));
            if (abs instanceof ArrayRef a) {
                ArrayRef r = new ArrayRef(pname, names.uniqueRaw(pname + "_size"), a.elem(), a.space(), entry ? i : -1, -1);
                fn.params.add(new FunctionIR.CParam(null, null, r));
                abs = r;
            }
            if (abs == null) {
                throw reject(0, "parameter of type " + p.displayName());
            }
            if (abs == AbstractState.CONTEXT && !entry) {
                fn.takesContext = true;
            }
            initial.refs[slot] = abs;
            slot++;
        }
        this.parallel = entry ? new GridStrideLoops(mc, this) : null;
    }

    /** A specialised value as the Java parameter type would hold it (a byte parameter given 300 holds 44). */
    private static Number narrow(String descriptor, Number v) {
        return switch (descriptor) {
            case "B" -> (int) (byte) v.intValue();
            case "S" -> (int) (short) v.intValue();
            case "C" -> (int) (char) v.intValue();
            case "Z" -> v.intValue() != 0 ? 1 : 0;
            default -> v;
        };
    }

    private Number literal(Kind k, Object spec, String pname) {
        if (spec instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (spec instanceof Character c) {
            return (int) c;
        }
        if (!(spec instanceof Number n)) {
            throw reject(0, "specialised value of parameter " + pname + " is a " + spec.getClass().getSimpleName()
                    + ", not a number or boolean");
        }
        return switch (k) {
            case I -> n.intValue();
            case J -> n.longValue();
            case F -> n.floatValue();
            case D -> n.doubleValue();
        };
    }

    private Object entryParam(ClassDesc p, int index) {
        String d = p.descriptorString();
        if (d.equals("L" + Intrinsics.CONTEXT + ";")) {
            return AbstractState.CONTEXT;
        }
        ElemType e = switch (d) {
            case "Lio/jmamba/runtime/api/FloatArray;" -> ElemType.FLOAT;
            case "Lio/jmamba/runtime/api/IntArray;" -> ElemType.INT;
            case "Lio/jmamba/runtime/api/LongArray;" -> ElemType.LONG;
            case "Lio/jmamba/runtime/api/ByteArray;" -> ElemType.BYTE;
            case "Lio/jmamba/runtime/api/DoubleArray;" -> ElemType.DOUBLE;
            case "Lio/jmamba/runtime/api/HalfFloatArray;" -> ElemType.HALF;
            case "Lio/jmamba/runtime/api/BFloat16Array;" -> ElemType.BF16;
            default -> null;
        };
        if (e == null && p.isArray()) {
            throw reject(0, "parameter of type " + p.displayName() + " (kernels take off-heap arrays such as FloatArray)");
        }
        return e == null ? null : new ArrayRef("", "", e, ArrayRef.Space.GLOBAL, index, -1);
    }

    KernelCompilationException reject(int offset, String construct) {
        return new KernelCompilationException(mc.owner, mc.name, offset, construct);
    }

    // ---------------------------------------------------------------- @Parallel

    private ParallelLoop.Bound classifyBound(Expr e) {
        return classifyBound(e, 0);
    }

    /** Most locals followed from a loop bound back to the parameters; deeper chains are left to the runtime. */
    private static final int MAX_BOUND_DEPTH = 8;

    /**
     * Traces a loop bound to constants, scalar parameters that are never reassigned, array sizes, and
     * locals stored exactly once, combined by + - * / min max. The runtime evaluates the result with
     * the launch's arguments to size the grid; anything else is Unknown.
     */
    private ParallelLoop.Bound classifyBound(Expr e, int depth) {
        if (e instanceof Expr.Convert cv && (cv.op().equals("l2i") || cv.op().equals("i2l"))) {
            e = cv.a();
        }
        if (e.constValue() != null) {
            return new ParallelLoop.Bound.Constant(e.constValue().longValue());
        }
        if (e instanceof Expr.ArraySize s && s.array().kernelParamIndex() >= 0) {
            return new ParallelLoop.Bound.ArraySize(s.array().kernelParamIndex());
        }
        if (e instanceof Expr.Reg r && scalarParamIndex.containsKey(r.var())) {
            int slot = paramSlot(scalarParamIndex.get(r.var()));
            if (!storedSlots.contains(slot)) {
                return new ParallelLoop.Bound.ScalarParam(scalarParamIndex.get(r.var()));
            }
            return new ParallelLoop.Bound.Unknown();
        }
        if (depth >= MAX_BOUND_DEPTH) {
            return new ParallelLoop.Bound.Unknown();
        }
        if (e instanceof Expr.Reg r && singleDefinitions.containsKey(r.var())) {
            return classifyBound(singleDefinitions.get(r.var()), depth + 1);
        }
        String op = null;
        Expr x = null;
        Expr y = null;
        if (e instanceof Expr.Bin b && !b.kind().isFloating()
                && (b.op().equals("add") || b.op().equals("sub") || b.op().equals("mul") || b.op().equals("div"))) {
            op = b.op();
            x = b.a();
            y = b.b();
        } else if (e instanceof Expr.Intrinsic in && in.args().size() == 2 && !in.kind().isFloating()
                && (in.name().equals("jm.min") || in.name().equals("jm.max"))) {
            op = in.name().substring(3);
            x = in.args().get(0);
            y = in.args().get(1);
        }
        if (op == null) {
            return new ParallelLoop.Bound.Unknown();
        }
        ParallelLoop.Bound a = classifyBound(x, depth + 1);
        ParallelLoop.Bound b = classifyBound(y, depth + 1);
        if (a instanceof ParallelLoop.Bound.Unknown || b instanceof ParallelLoop.Bound.Unknown) {
            return new ParallelLoop.Bound.Unknown();
        }
        return new ParallelLoop.Bound.Formula(op, a, b);
    }

    private int paramSlot(int index) {
        int slot = 0;
        for (int i = 0; i < index; i++) {
            ClassDesc p = mc.type.parameterType(i);
            slot += p.descriptorString().equals("J") || p.descriptorString().equals("D") ? 2 : 1;
        }
        return slot;
    }

    // ---------------------------------------------------------------- driver

    FunctionIR translate() {
        findLeaders();
        entryStates.put(0, initial);
        ArrayDeque<Integer> work = new ArrayDeque<>();
        work.add(0);
        while (!work.isEmpty()) {
            int start = work.poll();
            List<Integer> succ = new ArrayList<>();
            List<AbstractState> succStates = new ArrayList<>();
            translateBlock(start, succ, succStates);
            for (int i = 0; i < succ.size(); i++) {
                int s = succ.get(i);
                AbstractState incoming = succStates.get(i);
                AbstractState old = entryStates.get(s);
                AbstractState merged;
                try {
                    merged = old == null ? incoming : old.merge(incoming);
                } catch (IllegalStateException e) {
                    throw reject(s, e.getMessage());
                }
                if (merged != null) {
                    entryStates.put(s, merged);
                    if (!work.contains(s)) {
                        work.add(s);
                    }
                }
            }
        }
        if (parallel != null) {
            program.parallelLoops.addAll(parallel.loops());
        }
        return fn;
    }

    private void findLeaders() {
        leaders.add(0);
        for (int i = 0; i < mc.instructions.size(); i++) {
            Instruction ins = mc.instructions.get(i);
            List<Label> targets = new ArrayList<>();
            boolean ends = false;
            switch (ins) {
                case BranchInstruction b -> {
                    targets.add(b.target());
                    ends = true;
                }
                case TableSwitchInstruction t -> {
                    targets.add(t.defaultTarget());
                    t.cases().forEach(c -> targets.add(c.target()));
                    ends = true;
                }
                case LookupSwitchInstruction t -> {
                    targets.add(t.defaultTarget());
                    t.cases().forEach(c -> targets.add(c.target()));
                    ends = true;
                }
                case ReturnInstruction r -> ends = true;
                default -> {
                }
            }
            for (Label l : targets) {
                leaders.add(mc.offset(l));
            }
            if (ends && i + 1 < mc.instructions.size()) {
                leaders.add(mc.offsets.get(i + 1));
            }
        }
    }

    private void translateBlock(int start, List<Integer> succ, List<AbstractState> succStates) {
        AbstractState entry = entryStates.get(start);
        st = entry.copy();
        for (int d = 0; d < st.stack.size(); d++) {
            if (st.stack.get(d) instanceof Kind k) {
                st.stack.set(d, new Expr.Reg(stackVar(d, k), null));
            }
        }
        out = new ArrayList<>();
        tempCounter = 0;
        int idx = mc.indexAt(start);
        boolean terminated = false;
        while (idx < mc.instructions.size()) {
            bci = mc.offsets.get(idx);
            if (bci != start && leaders.contains(bci)) {
                break;
            }
            Instruction ins = mc.instructions.get(idx);
            try {
                terminated = translate(ins, succ, succStates);
            } catch (KernelCompilationException e) {
                throw e;
            } catch (RuntimeException e) {
                // a shape the front end does not handle must still name where it is
                throw reject(bci, "unsupported use of " + ins.opcode().name().toLowerCase() + " (" + e + ")");
            }
            idx++;
            if (terminated) {
                break;
            }
        }
        if (!terminated) {
            if (idx >= mc.instructions.size()) {
                throw reject(bci, "control falls off the end of the method");
            }
            int next = mc.offsets.get(idx);
            flushStack(List.of());
            succ.add(next);
            succStates.add(st.atBoundary());
        }
        fn.blocks.put(start, out);
    }

    // ---------------------------------------------------------------- registers and temps

    Var stackVar(int depth, Kind k) {
        return registers.computeIfAbsent("s" + depth + "_" + k, key -> new Var(names.uniqueRaw("s" + depth + "_" + k.suffix()), k, null));
    }

    private Var localVar(int slot, Kind k) {
        return registers.computeIfAbsent(slot + "_" + k, key -> new Var(names.local(slot, k), k, null));
    }

    private Var temp(Kind k) {
        String key = "t" + tempCounter++ + "_" + k;
        return registers.computeIfAbsent(key, x -> new Var(names.uniqueRaw(key.toLowerCase()), k, null));
    }

    private Expr materialize(Expr e) {
        if (e instanceof Expr.Const || e instanceof Expr.Reg) {
            return e;
        }
        return copy(e);
    }

    /** Computes {@code e} into a fresh temporary now, even when it is a plain register read. */
    private Expr copy(Expr e) {
        Var t = temp(e.kind());
        out.add(new Stmt.Assign(t, e));
        return new Expr.Reg(t, e.constValue());
    }

    /** Before {@code v} changes: stack values that read it are computed into temporaries first. */
    private void protectLocal(Var v) {
        for (int i = 0; i < st.stack.size(); i++) {
            if (st.stack.get(i) instanceof Expr e && e.any(x -> x instanceof Expr.Reg r && r.var() == v)) {
                // a copy even when e is just the register: "y = x++" reads x before the increment
                st.stack.set(i, copy(e));
            }
        }
    }

    /** Before a memory write, call or barrier: stack values that read memory are loaded first. */
    private void protectMemory() {
        for (int i = 0; i < st.stack.size(); i++) {
            if (st.stack.get(i) instanceof Expr e && e.any(x -> x instanceof Expr.ArrayLoad)) {
                st.stack.set(i, materialize(e));
            }
        }
    }

    /**
     * End of block: primitive stack values go to their stack registers (a parallel assignment: values
     * that read a stack register about to be overwritten are saved first). Returns {@code later}, the
     * expressions the block's last statement evaluates, protected the same way.
     */
    private List<Expr> flushStack(List<Expr> later) {
        Set<Var> written = new HashSet<>();
        for (int d = 0; d < st.stack.size(); d++) {
            if (st.stack.get(d) instanceof Expr e) {
                Var target = stackVar(d, e.kind());
                if (!(e instanceof Expr.Reg r && r.var() == target)) {
                    written.add(target);
                }
            }
        }
        List<Expr> protectedLater = new ArrayList<>();
        for (Expr e : later) {
            protectedLater.add(readsAny(e, written) ? copy(e) : e);
        }
        for (int d = 0; d < st.stack.size(); d++) {
            if (st.stack.get(d) instanceof Expr e && readsAny(e, written)
                    && !(e instanceof Expr.Reg r && r.var() == stackVar(d, e.kind()))) {
                st.stack.set(d, copy(e));
            }
        }
        for (int d = 0; d < st.stack.size(); d++) {
            if (st.stack.get(d) instanceof Expr e) {
                Var target = stackVar(d, e.kind());
                if (!(e instanceof Expr.Reg r && r.var() == target)) {
                    out.add(new Stmt.Assign(target, e));
                }
            }
        }
        return protectedLater;
    }

    private static boolean readsAny(Expr e, Set<Var> vars) {
        return !vars.isEmpty() && e.any(x -> x instanceof Expr.Reg r && vars.contains(r.var()));
    }

    // ---------------------------------------------------------------- stack helpers

    private Expr pop() {
        Object o = st.stack.removeLast();
        if (!(o instanceof Expr e)) {
            throw reject(bci, "reference used where a primitive value was expected");
        }
        return e;
    }

    private Object popAny() {
        return st.stack.removeLast();
    }

    private ArrayRef popArray() {
        Object o = st.stack.removeLast();
        if (!(o instanceof ArrayRef a)) {
            throw reject(bci, "array access on " + o);
        }
        return a;
    }

    void push(Object o) {
        st.stack.add(o);
    }

    private Object dupable(int fromTop) {
        int i = st.stack.size() - 1 - fromTop;
        Object o = st.stack.get(i);
        if (o instanceof Expr e) {
            o = materialize(e);
            st.stack.set(i, o);
        }
        return o;
    }

    // ---------------------------------------------------------------- instructions

    /** Translates one instruction; returns true when it ends the block. */
    private boolean translate(Instruction ins, List<Integer> succ, List<AbstractState> succStates) {
        switch (ins) {
            case LoadInstruction l -> load(l);
            case StoreInstruction s -> store(s);
            case IncrementInstruction inc -> increment(inc);
            case ConstantInstruction c -> constant(c);
            case OperatorInstruction o -> operator(o);
            case ConvertInstruction c -> {
                Expr a = pop();
                push(new Expr.Convert(c.opcode().name().toLowerCase(), Kind.of(c.toType()), a));
            }
            case StackInstruction s -> stack(s.opcode());
            case ArrayLoadInstruction a -> {
                Expr index = pop();
                ArrayRef array = popArray();
                push(new Expr.ArrayLoad(array, index));
            }
            case ArrayStoreInstruction a -> {
                Expr value = pop();
                Expr index = pop();
                ArrayRef array = popArray();
                protectMemory();
                out.add(new Stmt.ArrayStore(array, index, value));
            }
            case NewPrimitiveArrayInstruction n -> newArray(n);
            case FieldInstruction f -> field(f);
            case InvokeInstruction inv -> new CallTranslator(this).invoke(inv);
            case NopInstruction n -> {
            }
            case BranchInstruction b -> {
                return branch(b, succ, succStates);
            }
            case TableSwitchInstruction t -> {
                switchOn(t.defaultTarget(), t.cases(), succ, succStates);
                return true;
            }
            case LookupSwitchInstruction t -> {
                switchOn(t.defaultTarget(), t.cases(), succ, succStates);
                return true;
            }
            case ReturnInstruction r -> {
                doReturn(r);
                return true;
            }
            default -> throw reject(bci, "unsupported instruction " + ins.opcode().name().toLowerCase());
        }
        return false;
    }

    private void load(LoadInstruction l) {
        if (l.typeKind() == TypeKind.REFERENCE) {
            Object r = st.refs[l.slot()];
            if (r == null) {
                throw reject(bci, "read of a reference local (slot " + l.slot() + ") that holds no array");
            }
            if (r == AbstractState.CONFLICT) {
                throw reject(bci, "reference local (slot " + l.slot() + ") may point to different arrays");
            }
            push(r);
            return;
        }
        Kind k = Kind.of(l.typeKind());
        Object c = st.consts[l.slot()];
        push(new Expr.Reg(localVar(l.slot(), k), c instanceof Number n ? n : null));
    }

    private void store(StoreInstruction s) {
        if (s.typeKind() == TypeKind.REFERENCE) {
            Object r = popAny();
            if (r instanceof Expr) {
                throw reject(bci, "primitive stored to a reference local");
            }
            st.refs[s.slot()] = r;
            st.consts[s.slot()] = null;
            return;
        }
        Kind k = Kind.of(s.typeKind());
        Expr value = pop();
        boolean counterInit = parallel != null && parallel.isInit(bci);
        if (counterInit) {
            value = parallel.initValue(bci, value);
        }
        Var v = localVar(s.slot(), k);
        protectLocal(v);
        out.add(new Stmt.Assign(v, value));
        if (!counterInit && storeCounts.getOrDefault(s.slot(), 0) == 1) {
            singleDefinitions.put(v, value);
        }
        Number c = counterInit ? null : value.constValue();
        st.consts[s.slot()] = c != null ? c : AbstractState.NOT_CONSTANT;
        st.refs[s.slot()] = null;
    }

    private void increment(IncrementInstruction inc) {
        Var v = localVar(inc.slot(), Kind.I);
        protectLocal(v);
        Expr stride = parallel != null ? parallel.stride(bci) : null;
        Expr step = stride != null ? stride : new Expr.Const(Kind.I, inc.constant());
        Object old = st.consts[inc.slot()];
        out.add(new Stmt.Assign(v, new Expr.Bin("add", Kind.I, new Expr.Reg(v, null), step)));
        st.consts[inc.slot()] = stride == null && old instanceof Number n ? (Object) (n.intValue() + inc.constant())
                : AbstractState.NOT_CONSTANT;
    }

    private void constant(ConstantInstruction c) {
        if (c.opcode() == Opcode.ACONST_NULL) {
            throw reject(bci, "null reference");
        }
        Object v = c.constantValue();
        switch (v) {
            case Integer i -> push(new Expr.Const(Kind.I, i));
            case Long l -> push(new Expr.Const(Kind.J, l));
            case Float f -> push(new Expr.Const(Kind.F, f));
            case Double d -> push(new Expr.Const(Kind.D, d));
            case null -> throw reject(bci, "null reference");
            default -> throw reject(bci, "constant of type " + v.getClass().getSimpleName());
        }
    }

    private void operator(OperatorInstruction o) {
        String name = o.opcode().name().toLowerCase();
        switch (name) {
            case "arraylength" -> push(new Expr.ArraySize(popArray(), Kind.I));
            case "lcmp", "fcmpl", "fcmpg", "dcmpl", "dcmpg" -> {
                Expr b = pop();
                Expr a = pop();
                push(new Expr.Compare(name, a, b));
            }
            case "ineg", "lneg", "fneg", "dneg" -> push(new Expr.Neg(Kind.of(o.typeKind()), pop()));
            default -> {
                Expr b = pop();
                Expr a = pop();
                push(new Expr.Bin(name.substring(1), Kind.of(o.typeKind()), a, b));
            }
        }
    }

    private void stack(Opcode op) {
        if (!StackShuffles.apply(op, st.stack, this::dupable)) {
            throw reject(bci, "unsupported stack instruction " + op.name().toLowerCase());
        }
    }

    private void newArray(NewPrimitiveArrayInstruction n) {
        Expr size = pop();
        Number c = size.constValue();
        if (c == null) {
            throw reject(bci, "private array of non-constant size");
        }
        if (c.intValue() < 0) {
            throw reject(bci, "private array of negative size " + c);
        }
        ElemType e = ElemType.of(n.typeKind());
        ArrayRef a = fn.privateArrays.get(bci);
        if (a == null || a.constSize() != c.intValue()) {
            String name = a != null ? a.cName() : names.unique(nameOfNextStore("priv" + bci));
            a = new ArrayRef(name, String.valueOf(c.intValue()), e, ArrayRef.Space.PRIVATE, -1, c.intValue());
            fn.privateArrays.put(bci, a);
        }
        protectMemory();
        out.add(new Stmt.ZeroFill(a));
        push(a);
    }

    /** The Java name of the reference local the value produced at {@link #bci} is stored into next, if any. */
    String nameOfNextStore(String fallback) {
        int idx = mc.indexAt(bci);
        if (idx < 0 || idx + 1 >= mc.instructions.size()
                || !(mc.instructions.get(idx + 1) instanceof StoreInstruction s) || s.typeKind() != TypeKind.REFERENCE) {
            return fallback;
        }
        int after = idx + 2 < mc.offsets.size() ? mc.offsets.get(idx + 2) : Integer.MAX_VALUE;
        for (var lv : mc.localVariables) {
            int from = mc.offset(lv.startScope());
            int to = mc.offset(lv.endScope());
            if (lv.slot() == s.slot() && from <= after && after < to) {
                return lv.name().stringValue();
            }
        }
        return fallback;
    }

    private void field(FieldInstruction f) {
        String owner = f.owner().asInternalName();
        String name = f.name().stringValue();
        String dotted = owner.replace('/', '.') + "." + name;
        if (f.opcode() == Opcode.GETFIELD) {
            Object obj = popAny();
            if (obj == AbstractState.CONTEXT && Intrinsics.CONTEXT_FIELDS.contains(name)) {
                program.usesContextIds = true;
                push(new Expr.Intrinsic("ctx." + name, Kind.I, List.of()));
                return;
            }
            throw reject(bci, "field read (" + dotted + ")");
        }
        if (f.opcode() == Opcode.GETSTATIC) {
            // a device never checks Java assertions: javac's flag reads as "disabled" and the branch prunes them
            Object value = name.equals(Checks.ASSERTIONS_DISABLED) ? Boolean.TRUE
                    : StaticConstants.read(program.loader, owner, name);
            if (value == null) {
                throw reject(bci, "static field read of non-constant (" + dotted + ")");
            }
            constant(value);
            return;
        }
        throw reject(bci, "field write (" + dotted + ")");
    }

    private void constant(Object v) {
        switch (v) {
            case Boolean b -> push(new Expr.Const(Kind.I, b ? 1 : 0));
            case Character c -> push(new Expr.Const(Kind.I, (int) c));
            case Byte b -> push(new Expr.Const(Kind.I, (int) b));
            case Short s -> push(new Expr.Const(Kind.I, (int) s));
            case Integer i -> push(new Expr.Const(Kind.I, i));
            case Long l -> push(new Expr.Const(Kind.J, l));
            case Float fl -> push(new Expr.Const(Kind.F, fl));
            case Double d -> push(new Expr.Const(Kind.D, d));
            default -> throw reject(bci, "static field read of non-constant");
        }
    }

    private boolean branch(BranchInstruction b, List<Integer> succ, List<AbstractState> succStates) {
        String op = b.opcode().name().toLowerCase();
        int target = mc.offset(b.target());
        if (op.startsWith("goto")) {
            flushStack(List.of());
            out.add(new Stmt.Goto(target));
            fn.jumpTargets.add(target);
            succ.add(target);
            succStates.add(st.atBoundary());
            return true;
        }
        if (op.contains("acmp") || op.contains("null")) {
            throw reject(bci, "reference comparison (" + op + ")");
        }
        Expr cond;
        if (op.startsWith("if_icmp")) {
            Expr y = pop();
            Expr x = pop();
            cond = new Expr.Cond(op.substring(7), x, y);
        } else {
            Expr x = pop();
            cond = new Expr.Cond(op.substring(2), x, new Expr.Const(Kind.I, 0));
        }
        if (parallel != null) {
            parallel.recordBound(cond, bci, slot -> registers.get(slot + "_I"), this::classifyBound);
        }
        Boolean known = decided((Expr.Cond) cond);
        if (known != null) {
            // a test of constants (a specialised flag, assertions): only the path taken exists on the device
            flushStack(List.of());
            int next = mc.offsets.get(mc.indexAt(bci) + 1);
            if (known) {
                out.add(new Stmt.Goto(target));
                fn.jumpTargets.add(target);
            }
            succ.add(known ? target : next);
            succStates.add(st.atBoundary());
            return true;
        }
        cond = flushStack(List.of(cond)).getFirst();
        out.add(new Stmt.Branch(cond, target));
        fn.jumpTargets.add(target);
        AbstractState boundary = st.atBoundary();
        succ.add(target);
        succStates.add(boundary);
        int idx = mc.indexAt(bci);
        succ.add(mc.offsets.get(idx + 1));
        succStates.add(boundary);
        return true;
    }

    /** The outcome of an int test whose operands are both known constants, else null. */
    private static Boolean decided(Expr.Cond c) {
        Number x = c.a().constValue();
        Number y = c.b().constValue();
        if (x == null || y == null || c.a().kind() != Kind.I || c.b().kind() != Kind.I) {
            return null;
        }
        int a = x.intValue();
        int b = y.intValue();
        return switch (c.rel()) {
            case "eq" -> a == b;
            case "ne" -> a != b;
            case "lt" -> a < b;
            case "ge" -> a >= b;
            case "gt" -> a > b;
            case "le" -> a <= b;
            default -> null;
        };
    }

    private void switchOn(Label dflt, List<SwitchCase> cases, List<Integer> succ, List<AbstractState> succStates) {
        Expr key = flushStack(List.of(pop())).getFirst();
        List<Integer> values = new ArrayList<>();
        List<Integer> targets = new ArrayList<>();
        AbstractState boundary = st.atBoundary();
        for (SwitchCase c : cases) {
            values.add(c.caseValue());
            int t = mc.offset(c.target());
            targets.add(t);
            fn.jumpTargets.add(t);
            succ.add(t);
            succStates.add(boundary);
        }
        int d = mc.offset(dflt);
        fn.jumpTargets.add(d);
        succ.add(d);
        succStates.add(boundary);
        out.add(new Stmt.Switch(key, values, targets, d));
    }

    private void doReturn(ReturnInstruction r) {
        if (r.typeKind() == TypeKind.VOID) {
            out.add(new Stmt.Return(null));
            return;
        }
        if (fn.entry) {
            throw reject(bci, "return of a value from the kernel entry (kernels must be void)");
        }
        if (r.typeKind() == TypeKind.REFERENCE) {
            throw reject(bci, "return of a reference from a device function");
        }
        out.add(new Stmt.Return(pop()));
    }

    // ---------------------------------------------------------------- used by CallTranslator

    int bci() {
        return bci;
    }

    AbstractState state() {
        return st;
    }

    Object popValue() {
        return popAny();
    }

    void emit(Stmt s) {
        out.add(s);
    }

    Var newTemp(Kind k) {
        return temp(k);
    }

    /** Whether {@code offset} is inside a {@code @Parallel} loop of the kernel entry. */
    boolean insideParallelLoop(int offset) {
        return parallel != null && parallel.covers(offset);
    }

    void protectMemoryBeforeCall() {
        protectMemory();
    }

    Names names() {
        return names;
    }
}
