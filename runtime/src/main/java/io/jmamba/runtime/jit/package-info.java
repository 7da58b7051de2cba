/**
 * The kernel JIT: Java bytecode of annotated static methods to OpenCL C 1.2 or CUDA C.
 *
 * <h2>Pipeline</h2>
 * <ol>
 *   <li>{@link io.jmamba.runtime.jit.ClassFiles} reads the class file through the declaring class's
 *       loader ({@code getResourceAsStream("a/b/C.class")}) and parses it with java.lang.classfile;
 *       {@link io.jmamba.runtime.jit.MethodCode} lists instructions with offsets, the local variable
 *       table and the {@code @Parallel} variables (RuntimeVisibleTypeAnnotations of the Code attribute,
 *       local-variable targets with slot and live range).</li>
 *   <li>{@link io.jmamba.runtime.jit.Checks} rejects, per instruction, what a device cannot run.</li>
 *   <li>{@link io.jmamba.runtime.jit.Translator} (with {@link io.jmamba.runtime.jit.CallTranslator})
 *       abstract-interprets the bytecode per basic block: the operand stack becomes typed registers
 *       ({@code s<depth>_<kind>}), locals become C variables named from the local variable table,
 *       references are resolved statically to a global, work-group local or private array or to the
 *       KernelContext ({@link io.jmamba.runtime.jit.AbstractState}), constants are propagated so that
 *       {@code @Specialize} values fold into array sizes and loop bounds, and {@code @Parallel} loops are
 *       rewritten to grid-stride loops. The result is one {@link io.jmamba.runtime.jit.FunctionIR} per
 *       C function ({@link io.jmamba.runtime.jit.Expr} / {@link io.jmamba.runtime.jit.Stmt}).</li>
 *   <li>{@link io.jmamba.runtime.jit.CEmitter} writes C for either dialect
 *       ({@link io.jmamba.runtime.jit.CSyntax}); {@link io.jmamba.runtime.jit.JavaHelpers} adds the
 *       helpers that give Java's semantics; {@link io.jmamba.runtime.jit.UnrollableLoops} picks the loops
 *       that get {@code #pragma unroll}.</li>
 * </ol>
 *
 * <h2>Supported</h2>
 * int, long, float, double, boolean, byte, short and char locals and arithmetic with Java semantics
 * (wrapping overflow through unsigned arithmetic, MIN_VALUE / -1, division and remainder by zero
 * yield 0 instead of throwing, masked shift counts, {@code >>>}, saturating float-to-integer casts with
 * NaN to 0, i2b/i2s/i2c, NaN-aware fcmpl/fcmpg/dcmpl/dcmpg, float {@code %} as fmod, no FP contraction in OpenCL C; CUDA's
 * contraction is the backend's NVRTC option {@code --fmad});
 * every branch and loop shape javac emits (nested loops, labelled break/continue, early return,
 * ternaries, do/while, tableswitch and lookupswitch) as labels and gotos; private arrays of constant
 * size (zero-initialised as in Java); work-group local arrays of constant size; FloatArray, IntArray,
 * LongArray, ByteArray, DoubleArray, HalfFloatArray and BFloat16Array get/set/getSize with int or long indices;
 * FloatArray and BFloat16Array get4/set4 into private or local float arrays (one vector access; on CUDA
 * after a run-time alignment test, see {@code VectorOps});
 * KernelContext ids and sizes, localBarrier, globalBarrier, allocate*LocalArray, atomicAdd on
 * IntArray, FloatArray (a compare-and-swap loop on OpenCL 1.2) and local int arrays; warp operations
 * (warpSize, laneId, shuffle, shuffleXor, shuffleUp, shuffleDown, warpReduceSum/Max/Min,
 * warpInclusiveScanSum: CUDA's shuffles, emulated through local memory and barriers on OpenCL, see
 * {@code WarpOps}); gridDependencyWait and launchDependents (programmatic dependent launch: PTX
 * {@code griddepcontrol} on CUDA for compute capability 9.0+, comments on OpenCL, see {@code GridDependencyOps});
 * gridBarrier (a self-resetting arrival counter in global memory, see {@code GridBarrierOps});
 * asyncCopy16, asyncCopyCommit and asyncCopyWait (PTX {@code cp.async} global to shared on compute capability
 * 8.0+, synchronous 16-byte copies on OpenCL, see {@code AsyncCopyOps}); ldmatrixX4 and ldmatrixX4Trans (PTX
 * {@code ldmatrix} on 7.5+, per-lane local reads on OpenCL, see {@code MatrixLoadOps});
 * bf16 arrays as 16-bit patterns with integer conversions; java.lang.Math,
 * StrictMath and KernelMath functions (exp, exp2, log, log1p, expm1, sqrt, rsqrt, tanh, sin, cos, tan, asin,
 * acos, atan, atan2, sinh, cosh, pow, hypot, cbrt, log10, rint, floor, ceil, fma, abs, min, max with
 * Java's NaN and signed-zero rules, round, floorDiv, floorMod, signum); Float/Double bit casts, isNaN,
 * isInfinite, isFinite, compare, min, max; Integer/Long bitCount, numberOfLeadingZeros,
 * numberOfTrailingZeros, compare, min, max; static final primitive fields (their value is baked in);
 * static methods of any class as device functions (one per combination of argument address spaces,
 * arrays passed as pointer and size, the context passed implicitly).
 *
 * <h2>Rejected</h2>
 * With a {@link io.jmamba.runtime.api.KernelCompilationException} naming class, method, bytecode
 * offset and construct: object allocation, arrays of references and multi-dimensional arrays,
 * virtual and interface calls (other than the intrinsics above), calls to JDK methods without a device
 * equivalent, invokedynamic (lambdas, string concatenation), throw, try/catch, synchronized, string and
 * class constants, null, instanceof and casts of references, reference comparisons, field writes,
 * reads of non-constant static fields and of instance fields, recursion (a cycle in the call graph),
 * private or local arrays of non-constant size, local arrays allocated in device functions, a
 * reference that may point to different arrays, non-static kernels, kernels returning a value,
 * parameters that are not scalars, off-heap arrays or the KernelContext, @Parallel loops that do
 * not count up by a constant step, warp operations inside @Parallel loops, asynchronous copies into
 * anything but a local array, asyncCopyWait with a count that is not a constant in 0..7, and ldmatrix into
 * anything but a private int array.
 */
package io.jmamba.runtime.jit;
