package io.jmamba.runtime.jit;

import java.util.List;

/**
 * {@code KernelContext.asyncCopy16 / asyncCopyCommit / asyncCopyWait}: 16-byte copies from a global array into
 * work-group local memory that do not pass through registers. CUDA C issues, on compute capability 8.0 and up,
 * {@code cp.async.cg.shared.global [shared], [global], 16} (the shared operand is the 32-bit address in the
 * shared window, from {@code __cvta_generic_to_shared}; the global one the 64-bit generic pointer, which PTX accepts for
 * global memory), {@code cp.async.commit_group} and {@code cp.async.wait_group N} with N an immediate; below
 * 8.0 the copy is a plain 16-byte load and store and commit/wait vanish. OpenCL C copies at once with one
 * {@code vload4/vstore4} of ints (4-byte alignment is all OpenCL asks; the 16 bytes the API requires cover it).
 * Every asm statement is volatile with a memory clobber, so the C compiler keeps local loads and stores on
 * their side of it; visibility to other work-items still needs the kernel's barrier.
 *
 * <p>IR: {@link #COPY} (local array, local index, global array, global index), {@link #COMMIT} (no arguments),
 * {@link #WAIT} (the constant count).
 */
final class AsyncCopyOps {
    static final String COPY = "async.copy16";
    static final String COMMIT = "async.commit";
    static final String WAIT = "async.wait";

    /**
     * {@code -Djmamba.cuda.sharedAddress=asm}: shared addresses by {@code cvta.to.shared} in inline asm, the form before
     * session 8, kept for before/after timing. The default, {@code __cvta_generic_to_shared}, lets NVVM fold the address
     * of a {@code __shared__} array element to a 32-bit offset: in the SSD chunk scan the asm form's 64-bit generic
     * pointers (window registers read by S2R, 64-bit adds and moves) were a quarter of the hot loop's instructions.
     */
    static final boolean ASM_SHARED_ADDRESS = "asm".equals(System.getProperty("jmamba.cuda.sharedAddress", "builtin"));

    private AsyncCopyOps() {
    }

    static void defineHelpers() {
        JavaHelpers.defByDialect("jm_shared_address", List.of(), ASM_SHARED_ADDRESS ? """
                $Q unsigned int jm_shared_address(const void* p) {
                    /* the 32-bit address in the shared window that shared-memory PTX operands take */
                    unsigned int a;
                    asm("{ .reg .u64 jm_a; cvta.to.shared.u64 jm_a, %1; cvt.u32.u64 %0, jm_a; }" : "=r"(a) : "l"(p));
                    return a;
                }""" : """
                $Q unsigned int jm_shared_address(const void* p) {
                    /* the 32-bit address in the shared window that shared-memory PTX operands take; the builtin is an
                       address-space cast the compiler sees through (a __shared__ array plus an index folds to a 32-bit
                       offset), where a cvta in asm has it build the 64-bit generic pointer at every use */
                    return (unsigned int)__cvta_generic_to_shared(p);
                }""", "");
        JavaHelpers.defByDialect("jm_async_copy16", List.of("jm_shared_address"), """
                $Q void jm_async_copy16(void* dst, const void* src) {
                #if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
                    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" :: "r"(jm_shared_address(dst)), "l"(src) : "memory");
                #else
                    *(int4*)dst = *(const int4*)src;
                #endif
                }""", "");
        JavaHelpers.defByDialect("jm_async_copy_commit", List.of(), """
                $Q void jm_async_copy_commit(void) {
                #if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
                    asm volatile("cp.async.commit_group;" ::: "memory");
                #endif
                }""", "");
        StringBuilder cases = new StringBuilder();
        for (int n = 0; n <= io.jmamba.runtime.api.KernelContext.MAX_PENDING_COPY_GROUPS; n++) {
            cases.append("    case ").append(n).append(": asm volatile(\"cp.async.wait_group ").append(n)
                    .append(";\" ::: \"memory\"); break;\n");
        }
        JavaHelpers.defByDialect("jm_async_copy_wait", List.of(), """
                $Q void jm_async_copy_wait(int n) {
                #if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
                    /* PTX wants the count as an immediate: one case per allowed count; n is a constant at every call,
                       so the inlined switch folds to one instruction */
                    switch (n) {
                CASES    }
                #endif
                }""".replace("CASES", cases), "");
    }

    /** The C statement of {@code op}; {@code args} are the printed IR arguments (array names, index expressions). */
    static String statement(String op, List<String> args, ArrayRef dst, ArrayRef src, boolean cuda, JavaHelpers helpers,
                            CSyntax c) {
        switch (op) {
            case COMMIT -> {
                return cuda ? helpers.use("jm_async_copy_commit") + "();" : "/* asyncCopyCommit: copies are synchronous */";
            }
            case WAIT -> {
                return cuda ? helpers.use("jm_async_copy_wait") + "(" + args.getFirst() + ");"
                        : "/* asyncCopyWait(" + args.getFirst() + "): copies are synchronous */";
            }
            default -> {
                String to = "(" + dst.cName() + " + (" + args.get(1) + "))";
                String from = "(" + src.cName() + " + (" + args.get(3) + "))";
                if (cuda) {
                    return helpers.use("jm_async_copy16") + "((void*)" + to + ", (const void*)" + from + ");";
                }
                return "vstore4(vload4(0, (" + c.space(ArrayRef.Space.GLOBAL) + "const int*)" + from + "), 0, ("
                        + c.space(ArrayRef.Space.LOCAL) + "int*)" + to + ");";
            }
        }
    }
}
