package io.jmamba.runtime.api;

/**
 * The thread-level view of a kernel launch, after TornadoVM's {@code KernelContext}: ids and sizes
 * of the work-item, its work-group and the grid; work-group local memory; barriers; atomics; warp
 * shuffles, reductions and scans (see {@link #WARP_SIZE} for their contract).
 *
 * <p>A kernel takes a {@code KernelContext} as a parameter and the task passes one in. In compiled
 * code every field read becomes the matching built-in ({@code get_global_id(0)} in OpenCL,
 * {@code blockIdx.x * blockDim.x + threadIdx.x} in CUDA) and every method an intrinsic. On the JVM
 * backend each work-item runs the Java method with its own context whose fields are set for it;
 * this base class only holds the fields, and calling its methods outside a launch is an error.
 *
 * <p>Fields are public and mutable so that the JVM backend can set them; kernels only read them.
 */
public class KernelContext {
    public int globalIdx, globalIdy, globalIdz;
    public int localIdx, localIdy, localIdz;
    public int groupIdx, groupIdy, groupIdz;
    /** Global work size (number of work-items) in each dimension. */
    public int globalGroupSizeX = 1, globalGroupSizeY = 1, globalGroupSizeZ = 1;
    /** Work-group (local) size in each dimension. */
    public int localGroupSizeX = 1, localGroupSizeY = 1, localGroupSizeZ = 1;

    /** Waits until every work-item of the work-group gets here; local memory writes are visible after it. */
    public void localBarrier() {
        throw outsideLaunch("localBarrier");
    }

    /**
     * Like {@link #localBarrier()} but also orders global-memory writes within the work-group. It does
     * not synchronise different work-groups (no GPU language offers that inside one launch).
     */
    public void globalBarrier() {
        throw outsideLaunch("globalBarrier");
    }

    /** Work-group local memory of {@code size} floats; {@code size} must be a compile-time constant. */
    public float[] allocateFloatLocalArray(int size) {
        throw outsideLaunch("allocateFloatLocalArray");
    }

    public int[] allocateIntLocalArray(int size) {
        throw outsideLaunch("allocateIntLocalArray");
    }

    public long[] allocateLongLocalArray(int size) {
        throw outsideLaunch("allocateLongLocalArray");
    }

    public double[] allocateDoubleLocalArray(int size) {
        throw outsideLaunch("allocateDoubleLocalArray");
    }

    /** Atomically adds {@code value} to {@code array[index]}; returns the old value. */
    public int atomicAdd(IntArray array, int index, int value) {
        throw outsideLaunch("atomicAdd");
    }

    /** Atomically adds {@code value} to {@code array[index]}; returns the old value. */
    public float atomicAdd(FloatArray array, int index, float value) {
        throw outsideLaunch("atomicAdd");
    }

    /**
     * Adds {@code v0} to {@code array[index]} and {@code v1} to {@code array[index + 1]}, each add atomic; {@code index}
     * must be even (an 8-byte aligned pair). On CUDA sm_90 and later one vector reduction ({@code atomicAdd(float2*)}:
     * half the atomic operations of two scalar adds, the pair in one L2 transaction); elsewhere two atomic adds. The
     * pair is not one atomic unit: another add may land between its two halves. Returns nothing (no old values).
     */
    public void atomicAdd2(FloatArray array, int index, float v0, float v1) {
        throw outsideLaunch("atomicAdd2");
    }

    /** Atomically adds to an element of local memory; returns the old value. */
    public int atomicAdd(int[] localArray, int index, int value) {
        throw outsideLaunch("atomicAdd");
    }

    // ---------------------------------------------------------------- warps (sub-groups)

    /**
     * Work-items per warp: 32 on every backend (CUDA's warp; OpenCL and the JVM emulate it). The
     * warp operations below group the work-items of a work-group into warps of 32 consecutive
     * {@code localIdx}; a kernel that uses them must be launched with an explicit local size whose
     * dimension 0 is a multiple of 32 (at most 1024 work-items per group), which the backends check.
     *
     * <p>Contract of every warp operation: all 32 work-items of the warp call it together, with the same
     * arguments where the operation says so (uniform control flow: never inside a branch some lanes of
     * the warp skip). On OpenCL it is emulated through work-group local memory and acts as a work-group
     * barrier, so there every work-item of the group must reach it; on the JVM likewise. Results are
     * bit-for-bit the same on every backend: reductions and scans add in the fixed order described on
     * each method. Only the low 5 bits of a lane, mask or delta argument count (as in CUDA).
     */
    public static final int WARP_SIZE = 32;

    /** {@link #WARP_SIZE}: a compile-time constant in kernels. */
    public int warpSize() {
        return WARP_SIZE;
    }

    /** This work-item's lane within its warp: {@code localIdx % 32} (see {@link #WARP_SIZE}). */
    public int laneId() {
        return localIdx & (WARP_SIZE - 1);
    }

    /** The value {@code v} of lane {@code srcLane & 31} of this warp (CUDA's {@code __shfl_sync}). */
    public float shuffle(float v, int srcLane) {
        throw outsideLaunch("shuffle");
    }

    /** The value {@code v} of lane {@code srcLane & 31} of this warp. */
    public int shuffle(int v, int srcLane) {
        throw outsideLaunch("shuffle");
    }

    /** The value {@code v} of lane {@code laneId() ^ (laneMask & 31)} (a butterfly exchange). */
    public float shuffleXor(float v, int laneMask) {
        throw outsideLaunch("shuffleXor");
    }

    /** The value {@code v} of lane {@code laneId() ^ (laneMask & 31)}. */
    public int shuffleXor(int v, int laneMask) {
        throw outsideLaunch("shuffleXor");
    }

    /** The value {@code v} of lane {@code laneId() - (delta & 31)}, or this lane's own {@code v} below lane 0. */
    public float shuffleUp(float v, int delta) {
        throw outsideLaunch("shuffleUp");
    }

    /** The value {@code v} of lane {@code laneId() - (delta & 31)}, or this lane's own {@code v} below lane 0. */
    public int shuffleUp(int v, int delta) {
        throw outsideLaunch("shuffleUp");
    }

    /** The value {@code v} of lane {@code laneId() + (delta & 31)}, or this lane's own {@code v} past lane 31. */
    public float shuffleDown(float v, int delta) {
        throw outsideLaunch("shuffleDown");
    }

    /** The value {@code v} of lane {@code laneId() + (delta & 31)}, or this lane's own {@code v} past lane 31. */
    public int shuffleDown(int v, int delta) {
        throw outsideLaunch("shuffleDown");
    }

    /**
     * The sum of {@code v} over the warp's 32 lanes, the same on every lane. Floats are added as a
     * butterfly: for offset 16, 8, 4, 2, 1 every lane adds the value of lane {@code laneId() ^ offset},
     * so the result is {@code s[0]} after {@code s[j] = s[j] + s[j + offset]} for {@code j < offset}.
     */
    public float warpReduceSum(float v) {
        throw outsideLaunch("warpReduceSum");
    }

    /** The (wrapping) sum of {@code v} over the warp, the same on every lane. */
    public int warpReduceSum(int v) {
        throw outsideLaunch("warpReduceSum");
    }

    /** The largest {@code v} of the warp by {@code Math.max} (NaN wins, 0.0 above -0.0), on every lane. */
    public float warpReduceMax(float v) {
        throw outsideLaunch("warpReduceMax");
    }

    /** The largest {@code v} of the warp, on every lane. */
    public int warpReduceMax(int v) {
        throw outsideLaunch("warpReduceMax");
    }

    /** The smallest {@code v} of the warp by {@code Math.min} (NaN wins, -0.0 below 0.0), on every lane. */
    public float warpReduceMin(float v) {
        throw outsideLaunch("warpReduceMin");
    }

    /** The smallest {@code v} of the warp, on every lane. */
    public int warpReduceMin(int v) {
        throw outsideLaunch("warpReduceMin");
    }

    /**
     * The inclusive prefix sum of {@code v} over lanes 0 to {@code laneId()}. Floats are added in the
     * Hillis-Steele order: for offset 1, 2, 4, 8, 16 each lane at or above {@code offset} adds the running
     * value of lane {@code laneId() - offset} to its own ({@code s[j] = s[j] + s[j - offset]}).
     */
    public float warpInclusiveScanSum(float v) {
        throw outsideLaunch("warpInclusiveScanSum");
    }

    /** The inclusive (wrapping) prefix sum of {@code v} over lanes 0 to {@code laneId()}. */
    public int warpInclusiveScanSum(int v) {
        throw outsideLaunch("warpInclusiveScanSum");
    }

    // ---------------------------------------------------------------- warp matrix multiply-accumulate

    /**
     * Warp-wide {@code D = A * B + C} on a 16 x 8 tile with a 16-deep product: bf16 inputs, float
     * accumulation (CUDA: one tensor-core {@code mma.sync.m16n8k16} instruction). All 32 lanes of the
     * warp call it together (see {@link #WARP_SIZE}).
     *
     * <p>A is 16 x 16, element (r, k) at {@code a[aIndex + r * lda + k]}; B is 16 x 8, element (k, n) at
     * {@code b[bIndex + k * ldb + n]}. C and D are spread over the lanes as CUDA's accumulator fragment:
     * this lane holds four elements in {@code acc[accOffset]} to {@code acc[accOffset + 3]}, element
     * {@code j} being (row {@code laneId() / 4 + 8 * (j / 2)}, column {@code 2 * (laneId() % 4) + j % 2}).
     * {@code acc} is a private array of the work-item.
     *
     * <p>Rounding: products of bf16 values are exact in float. On the JVM and OpenCL each element is
     * {@code c + a0*b0 + a1*b1 + ... + a15*b15} added left to right in float; tensor cores add in their
     * own order and rounding, so CUDA results agree within a few float ulps of the magnitudes involved
     * (exactly, whenever every partial sum is representable, e.g. for small integers).
     */
    public void mmaBf16(BFloat16Array a, long aIndex, int lda, BFloat16Array b, long bIndex, int ldb,
                        float[] acc, int accOffset) {
        throw outsideLaunch("mmaBf16");
    }

    /** {@link #mmaBf16} with IEEE half-precision inputs ({@code mma.sync.m16n8k16 .f16}). */
    public void mmaF16(HalfFloatArray a, long aIndex, int lda, HalfFloatArray b, long bIndex, int ldb,
                       float[] acc, int accOffset) {
        throw outsideLaunch("mmaF16");
    }

    // ---------------------------------------------------------------- register-fragment MMA

    /**
     * Warp-wide {@code D = A * B + C}, m16n8k16, with the operands already in registers (CUDA: one
     * {@code mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32}). All 32 lanes call it together (see
     * {@link #WARP_SIZE}). With lane = {@link #laneId()}, g = lane / 4 and t = lane % 4, each int holds two
     * bf16 values, the lower column (of A) or row (of B) index in bits 0-15 (see
     * {@link KernelMath#packBf16x2}): {@code a0} = A(g, 2t..2t+1), {@code a1} = A(g+8, 2t..2t+1),
     * {@code a2} = A(g, 2t+8..2t+9), {@code a3} = A(g+8, 2t+8..2t+9); {@code b0} = B(2t..2t+1, g),
     * {@code b1} = B(2t+8..2t+9, g). The accumulator is {@code acc[accOffset..accOffset+3]} in
     * {@link #mmaBf16}'s layout: element j is (row g + 8 * (j / 2), column 2t + j % 2).
     *
     * <p>On OpenCL and the JVM there are no tensor cores: the lanes publish their six registers through
     * work-group local memory (six exchanges, each a work-group barrier, like the warp shuffles), then each
     * work-item computes its four elements as {@code c + A(r,0)*B(0,c) + ... + A(r,15)*B(15,c)} added left to
     * right in float (products of bf16 values are exact), the same on both. Tensor cores add in their own
     * order, so CUDA agrees within a few float ulps (exactly when every partial sum is representable).
     */
    public void mmaBf16Frag(int a0, int a1, int a2, int a3, int b0, int b1, float[] acc, int accOffset) {
        throw outsideLaunch("mmaBf16Frag");
    }

    /** {@link #mmaBf16Frag} with IEEE half-precision pairs ({@code mma.sync.m16n8k16 .f16}). */
    public void mmaF16Frag(int a0, int a1, int a2, int a3, int b0, int b1, float[] acc, int accOffset) {
        throw outsideLaunch("mmaF16Frag");
    }

    /**
     * Warp-wide {@code D = A * B + C}, m16n8k8 with TF32 inputs and float accumulation (CUDA: one
     * {@code mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32}). Lane layout (g = lane / 4, t = lane % 4):
     * {@code a0} = A(g, t), {@code a1} = A(g+8, t), {@code a2} = A(g, t+4), {@code a3} = A(g+8, t+4);
     * {@code b0} = B(t, g), {@code b1} = B(t+4, g); accumulator as {@link #mmaBf16Frag}.
     *
     * <p>The operands are float bit patterns that the tensor core reads as TF32: it uses the sign, the
     * exponent and the top 10 mantissa bits and ignores the low 13. The JVM and OpenCL do exactly that
     * (truncate: {@code bits & 0xffffe000}), then sum {@code c + A(r,0)*B(0,c) + ... + A(r,7)*B(7,c)} left to
     * right in float (TF32 products are exact in float). Pass {@link KernelMath#roundTf32} values to get
     * rounding instead of truncation.
     */
    public void mmaTf32Frag(float a0, float a1, float a2, float a3, float b0, float b1, float[] acc, int accOffset) {
        throw outsideLaunch("mmaTf32Frag");
    }

    // ---------------------------------------------------------------- grid-wide barrier

    /**
     * Waits until every work-item of every work-group of this launch gets here; global-memory writes made
     * before it are visible to every work-group after it. Persistent kernels use it to run several dependent
     * steps (a decode layer's in_proj, scan and out_proj) in one launch. It needs every work-group resident
     * at once: the CUDA backend launches a kernel that calls it cooperatively and refuses a grid larger than
     * the device holds at once; an OpenCL GPU takes at most one work-group per compute unit; a CPU OpenCL device
     * (PoCL), which does not keep every work-group running, refuses more than one work-group, naming the kernel;
     * the JVM runs every work-item of the launch at once (at most 65,536). {@code counter} is one int of device memory, zero before the
     * first launch that uses it and left for the next launch to reuse (the barrier returns it to its state).
     * Every work-item must call it the same number of times, outside divergent control flow.
     */
    public void gridBarrier(IntArray counter) {
        throw outsideLaunch("gridBarrier");
    }

    // ---------------------------------------------------------------- programmatic dependent launch

    /**
     * Waits until the launch before this one on the stream has finished and its memory writes are visible
     * (CUDA on compute capability 9.0+: {@code griddepcontrol.wait}). A kernel that calls it is launched with
     * programmatic stream serialisation: it may start while the previous kernel still runs (once that one has
     * called {@link #launchDependents()} in every work-group, or finished), so the code before this call may
     * only read memory that the previous launch does not write (weights, say) and must not write anything.
     * Every work-item must call it before it touches data of an earlier launch. The CUDA backend launches
     * such kernels plainly with {@code -Djmamba.cuda.pdl=false}, and on older GPUs or drivers; then, and on
     * OpenCL and the JVM, where launches on a queue run one after the other, it does nothing.
     */
    public void gridDependencyWait() {
        // in order: the previous launch has finished before this one starts
    }

    /**
     * Lets the next launch on the stream start early, once every work-group of this one has called it or
     * finished (CUDA on compute capability 9.0+: {@code griddepcontrol.launch_dependents}). It does not
     * publish this kernel's writes: the next kernel's {@link #gridDependencyWait()} still waits for this one
     * to finish. Called after {@link #gridDependencyWait()}, at most two kernels overlap and the early part of
     * the next one only runs beside this one. Called before it (at the start of a kernel), the next launch's
     * work-groups may start while this one still waits, and so on down a chain: each launch starts only once every
     * work-group of the one before has started, so no waiting work-group holds resources that an earlier launch
     * still needs, but more work-groups wait at once. A no-op where {@link #gridDependencyWait()} is.
     */
    public void launchDependents() {
        // in order: nothing to release early
    }

    /**
     * Nanoseconds on a clock that every multiprocessor of the device shares, for tracing when work-groups start,
     * wait and finish (CUDA: {@code %globaltimer}, whose resolution the driver sets, typically tens of nanoseconds to
     * a microsecond); the JVM backend {@link System#nanoTime()}; OpenCL has no portable device clock: 0. Only
     * differences within one device mean anything.
     */
    public long globalTimer() {
        throw outsideLaunch("globalTimer");
    }

    // ---------------------------------------------------------------- fragment loads from local memory

    /**
     * Warp-wide load of MMA fragments from a 16 x 16 tile of 16-bit values in a work-group local int array (CUDA:
     * one {@code ldmatrix.sync.aligned.m8n8.x4.shared.b16}). Tile element (r, c), r and c in 0..15, is half
     * {@code c % 2} (bits 0-15 for even c) of {@code local[index + r * strideInts + c / 2]}. With lane =
     * {@link #laneId()}, g = lane / 4, t = lane % 4, the four 8 x 8 quarters i = 0..3 are rows {@code 8 (i % 2)}..,
     * columns {@code 8 (i / 2)}.. and {@code regs[offset + i]} receives elements (g, 2t) and (g, 2t + 1) of
     * quarter i (low, high half): for a row-major A tile that is {@link #mmaBf16Frag}'s a0..a3; for a tile whose
     * rows are B's columns (K in attention) it is b0 of columns 0-7, b0 of columns 8-15, b1 of 0-7, b1 of 8-15.
     *
     * <p>All 32 lanes call it together with the same {@code index} and {@code strideInts} (see {@link #WARP_SIZE}).
     * Alignment: {@code index} and {@code strideInts} multiples of 4 (each 16-byte row segment aligned); the JVM
     * checks both. A row stride that is an odd multiple of 4 ints (such as 8 data ints plus 4 of padding)
     * puts the eight 16-byte row segments of a quarter on distinct banks. On OpenCL and the JVM each work-item
     * reads its elements itself (no exchange, no barrier).
     */
    public void ldmatrixX4(int[] local, int index, int strideInts, int[] regs, int offset) {
        checkMatrixAlignment(index, strideInts);
        int lane = localIdx & (WARP_SIZE - 1), g = lane >> 2, t = lane & 3;
        for (int i = 0; i < 4; i++) {
            regs[offset + i] = local[index + (8 * (i & 1) + g) * strideInts + 4 * (i >> 1) + t];
        }
    }

    /**
     * {@link #ldmatrixX4} transposed ({@code ldmatrix ... .trans}): {@code regs[offset + i]} receives elements
     * (2t, g) and (2t + 1, g) of quarter i. For a tile whose rows are the k index of a B operand (V in attention:
     * keys x dimensions) that is {@link #mmaBf16Frag}'s b0 of columns 0-7, b1 of 0-7, b0 of 8-15, b1 of 8-15.
     * Same calling and alignment rules.
     */
    public void ldmatrixX4Trans(int[] local, int index, int strideInts, int[] regs, int offset) {
        checkMatrixAlignment(index, strideInts);
        int lane = localIdx & (WARP_SIZE - 1), g = lane >> 2, t = lane & 3;
        int shift = 16 * (g & 1);
        for (int i = 0; i < 4; i++) {
            int at = index + (8 * (i & 1) + 2 * t) * strideInts + 4 * (i >> 1) + (g >> 1);
            regs[offset + i] = ((local[at] >>> shift) & 0xffff) | ((local[at + strideInts] >>> shift) << 16);
        }
    }

    private static void checkMatrixAlignment(int index, int strideInts) {
        if ((index & 3) != 0 || (strideInts & 3) != 0) {
            throw new IllegalArgumentException("KernelContext.ldmatrixX4 at local index " + index + " with row stride "
                    + strideInts + " ints: both must be multiples of 4 (16-byte aligned rows)");
        }
    }

    // ---------------------------------------------------------------- asynchronous copies to local memory

    /**
     * Starts copying 16 bytes, the 8 bf16 elements {@code src[srcIndex] .. src[srcIndex + 7]}, into the
     * work-group local array {@code localDst[localIndex] .. localDst[localIndex + 3]} as bf16 pairs (element
     * {@code srcIndex + 2i} in bits 0-15 of {@code localDst[localIndex + i]}, as {@link BFloat16Array#getPair}).
     * On CUDA (compute capability 8.0+) one {@code cp.async.cg.shared.global} that bypasses registers and
     * the L1 cache; the data lands some time before the {@link #asyncCopyWait} that covers its commit group.
     * Elsewhere (OpenCL, the JVM, older GPUs) the copy is done at once, which is one valid schedule of the
     * asynchronous one.
     *
     * <p><b>Alignment</b> (16 bytes at both ends): {@code srcIndex} a multiple of 8 and {@code localIndex} a
     * multiple of 4 (global arrays and local arrays start 16-byte aligned). The JVM checks both and throws,
     * so that a misaligned kernel fails on the JVM instead of faulting on a GPU.
     *
     * <p><b>Visibility</b>: until the copy's group is waited for, neither this work-item nor any other may read
     * (or write) those local elements. After {@code asyncCopyWait(n)} the groups older than the {@code n} most
     * recent ones have landed for <i>this</i> work-item; {@link #localBarrier()} after that makes every
     * work-item's landed copies visible to the whole group. Conversely, a local buffer other work-items
     * read must be behind a barrier before a new copy into it starts.
     */
    public void asyncCopy16(int[] localDst, int localIndex, BFloat16Array src, long srcIndex) {
        checkAsyncAlignment(localIndex, srcIndex, 8, "BFloat16Array");
        for (int i = 0; i < 4; i++) {
            localDst[localIndex + i] = src.getPair(srcIndex + 2L * i);
        }
    }

    /** {@link #asyncCopy16(int[], int, BFloat16Array, long)} of 4 ints: {@code srcIndex} a multiple of 4. */
    public void asyncCopy16(int[] localDst, int localIndex, IntArray src, long srcIndex) {
        checkAsyncAlignment(localIndex, srcIndex, 4, "IntArray");
        for (int i = 0; i < 4; i++) {
            localDst[localIndex + i] = src.get(srcIndex + i);
        }
    }

    /** {@link #asyncCopy16(int[], int, BFloat16Array, long)} of 4 floats: {@code srcIndex} a multiple of 4. */
    public void asyncCopy16(float[] localDst, int localIndex, FloatArray src, long srcIndex) {
        checkAsyncAlignment(localIndex, srcIndex, 4, "FloatArray");
        for (int i = 0; i < 4; i++) {
            localDst[localIndex + i] = src.get(srcIndex + i);
        }
    }

    /**
     * Closes this work-item's current group of {@link #asyncCopy16} calls (CUDA {@code cp.async.commit_group});
     * {@link #asyncCopyWait} counts these groups. A no-op where copies are synchronous.
     */
    public void asyncCopyCommit() {
        // copies are synchronous here: nothing is pending
    }

    /**
     * Waits until at most {@code pendingGroups} of this work-item's most recently committed copy groups are still
     * in flight (CUDA {@code cp.async.wait_group}): {@code 0} waits for every copy. {@code pendingGroups} must be
     * a compile-time constant in 0..7 (a literal or a {@link Specialize} value). It orders only this work-item's
     * copies: call {@link #localBarrier()} after it before reading what other work-items copied. A no-op where
     * copies are synchronous.
     */
    public void asyncCopyWait(int pendingGroups) {
        if (pendingGroups < 0 || pendingGroups > MAX_PENDING_COPY_GROUPS) {
            throw new IllegalArgumentException("KernelContext.asyncCopyWait(" + pendingGroups + "): pending groups must be 0.."
                    + MAX_PENDING_COPY_GROUPS);
        }
    }

    /** The largest {@link #asyncCopyWait} argument. */
    public static final int MAX_PENDING_COPY_GROUPS = 7;

    private static void checkAsyncAlignment(int localIndex, long srcIndex, int srcMultiple, String srcType) {
        if ((localIndex & 3) != 0 || srcIndex % srcMultiple != 0) {
            throw new IllegalArgumentException("KernelContext.asyncCopy16 from a " + srcType + " at index " + srcIndex
                    + " to local index " + localIndex + ": both ends must be 16-byte aligned (source index a multiple of "
                    + srcMultiple + ", local index a multiple of 4)");
        }
    }

    private static IllegalStateException outsideLaunch(String what) {
        return new IllegalStateException("KernelContext." + what + " is only valid inside a kernel launch");
    }
}
