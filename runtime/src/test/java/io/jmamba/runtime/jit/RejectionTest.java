package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.KernelCompilationException;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One test per rejection: the exception names the class, the method, a real bytecode offset (the
 * instruction there is checked where it is known) and the construct.
 */
class RejectionTest {
    private static final String CLS = RejectedKernels.class.getName();

    private static KernelCompilationException reject(String kernel) {
        Method m = null;
        for (Method x : RejectedKernels.class.getDeclaredMethods()) {
            if (x.getName().equals(kernel)) {
                m = x;
            }
        }
        assertNotNull(m, kernel);
        Method method = m;
        return assertThrows(KernelCompilationException.class, () -> KernelJit.compile(method, Map.of(), Dialect.OPENCL),
                kernel + " must be rejected");
    }

    /** The mnemonic of the instruction at {@code offset} in {@code method}. */
    private static String opcodeAt(String method, int offset) {
        for (var mm : ClassFiles.model(RejectedKernels.class).methods()) {
            if (mm.methodName().equalsString(method)) {
                MethodCode mc = new MethodCode(CLS.replace('.', '/'), mm);
                int i = mc.indexAt(offset);
                return i < 0 ? "none at " + offset : mc.instructions.get(i).opcode().name().toLowerCase();
            }
        }
        return "no method";
    }

    private static void check(String kernel, String construct, String opcode) {
        check(kernel, kernel, construct, opcode);
    }

    private static void check(String kernel, String where, String construct, String opcode) {
        KernelCompilationException e = reject(kernel);
        assertEquals(CLS, e.className(), "class");
        assertEquals(where, e.methodName(), "method");
        assertTrue(e.bytecodeOffset() >= 0, "offset " + e.bytecodeOffset());
        assertTrue(e.construct().contains(construct), () -> "construct '" + e.construct() + "' should name " + construct);
        assertTrue(e.getMessage().contains(CLS + "." + where) && e.getMessage().contains("offset " + e.bytecodeOffset()),
                e.getMessage());
        if (opcode != null) {
            String actual = opcodeAt(where, e.bytecodeOffset());
            assertTrue(actual.equals(opcode) || actual.startsWith(opcode + "_"),
                    "instruction at the reported offset: expected " + opcode + ", found " + actual);
        }
    }

    @Test
    void objectAllocation() {
        check("allocatesObject", "object allocation (new java.lang.StringBuilder)", "new");
    }

    @Test
    void virtualCall() {
        check("callsVirtual", "virtual call to java.util.List.size", "invokeinterface");
    }

    @Test
    void throwStatement() {
        check("throwsNull", "throw", "athrow");
    }

    @Test
    void tryCatch() {
        check("catches", "try/catch", null);
    }

    @Test
    void synchronizedBlock() {
        check("synchronizes", "synchronized (monitorenter)", "monitorenter");
    }

    @Test
    void stringConstant() {
        check("usesString", "string constant", "ldc");
    }

    @Test
    void lambda() {
        check("usesLambda", "invokedynamic (lambda or string concatenation)", "invokedynamic");
    }

    @Test
    void recursionThroughTwoMethods() {
        check("recurses", "pong", "recursion (ping -> pong -> ping)", "invokestatic");
    }

    @Test
    void privateArrayOfNonConstantSize() {
        check("privateArrayOfParamSize", "private array of non-constant size", "newarray");
    }

    @Test
    void fieldWrite() {
        check("writesField", "field write (" + CLS + ".counter)", "putstatic");
    }

    @Test
    void staticFieldReadOfNonConstant() {
        check("readsMutableStatic", "static field read of non-constant (" + CLS + ".mutable)", "getstatic");
        check("readsStaticArray", "static field read of non-constant (" + CLS + ".TABLE)", "getstatic");
    }

    @Test
    void nonStaticKernel() {
        check("instanceKernel", "non-static kernel method", null);
        assertEquals(0, reject("instanceKernel").bytecodeOffset());
    }

    @Test
    void kernelReturningAValue() {
        check("returnsValue", "return of a value from the kernel entry", "ireturn");
    }

    @Test
    void localArrayOfNonConstantSize() {
        check("localArrayOfParamSize", "work-group local array of non-constant size", "invokevirtual");
    }

    @Test
    void localArrayInDeviceFunction() {
        check("localArrayInHelper", "fill", "work-group local array allocated in a device function", "invokevirtual");
    }

    @Test
    void jdkCallWithoutDeviceEquivalent() {
        check("callsJdkWithoutEquivalent", "call to java.lang.System.nanoTime (no device equivalent)", "invokestatic");
    }

    @Test
    void referenceThatMayBeEitherArray() {
        check("choosesArray", "may point to different arrays", null);
        check("choosesArrayThroughLocal", "may point to different arrays", "aload");
    }

    @Test
    void multiDimensionalArray() {
        check("multiDimensional", "multi-dimensional array", "multianewarray");
    }

    @Test
    void unsupportedParameterTypes() {
        check("takesString", "parameter of type String", null);
        check("takesHeapArray", "parameter of type float[]", null);
    }

    @Test
    void nullReference() {
        check("usesNull", "null reference", "aconst_null");
    }

    @Test
    void typeCheck() {
        check("checksType", "type check (instanceof java.lang.Integer)", "instanceof");
    }

    @Test
    void parallelLoopThatIsNotAnUpCountingStrideLoop() {
        check("parallelCountingDown", "must be stepped by a positive constant", null);
    }

    @Test
    void directRecursion() {
        check("recursesDirectly", "factorial", "recursion (factorial -> factorial)", "invokestatic");
    }

    @Test
    void parallelLoopWithLongCounter() {
        check("parallelLongCounter", "is not an int loop counter", null);
    }

    @Test
    void warpOperationInsideParallelLoop() {
        check("warpInParallelLoop", "warp operation KernelContext.warpReduceSum inside a @Parallel loop", "invokevirtual");
    }

    @Test
    void mmaAccumulatorInLocalMemory() {
        check("mmaIntoLocalMemory", "KernelContext.mmaBf16 with an accumulator that is not a private float[]", "invokevirtual");
    }

    @Test
    void fragMmaAccumulatorInLocalMemory() {
        check("fragMmaIntoLocalMemory", "KernelContext.mmaBf16Frag with an accumulator that is not a private float[]", "invokevirtual");
    }

    @Test
    void fragMmaInsideParallelLoop() {
        check("fragMmaInParallelLoop", "warp operation KernelContext.mmaTf32Frag inside a @Parallel loop", "invokevirtual");
    }

    @Test
    void asyncCopyIntoPrivateArray() {
        check("asyncCopyIntoPrivateArray", "KernelContext.asyncCopy16 into something other than a work-group local array",
                "invokevirtual");
    }

    @Test
    void asyncCopyWaitOfRuntimeCount() {
        check("asyncCopyWaitOfRuntimeCount", "KernelContext.asyncCopyWait with a pending-group count that is not a constant",
                "invokevirtual");
    }

    @Test
    void ldmatrixIntoLocalMemory() {
        check("ldmatrixIntoLocalMemory", "KernelContext.ldmatrixX4 into something other than a private int[]", "invokevirtual");
    }
}
