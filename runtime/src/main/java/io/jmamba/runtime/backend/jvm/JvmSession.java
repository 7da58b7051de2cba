package io.jmamba.runtime.backend.jvm;

import io.jmamba.runtime.api.BFloat16Array;
import io.jmamba.runtime.api.ByteArray;
import io.jmamba.runtime.api.DeviceOutOfMemoryException;
import io.jmamba.runtime.api.DoubleArray;
import io.jmamba.runtime.api.FloatArray;
import io.jmamba.runtime.api.HalfFloatArray;
import io.jmamba.runtime.api.IntArray;
import io.jmamba.runtime.api.LongArray;
import io.jmamba.runtime.backend.CompiledKernel;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceBuffer;
import io.jmamba.runtime.backend.DeviceSession;
import io.jmamba.runtime.backend.KernelRequest;
import io.jmamba.runtime.backend.LaunchGrid;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A JVM "device" context: buffers are separate off-heap segments; launches run synchronously. */
final class JvmSession implements DeviceSession {
    private final JvmDevice device;
    private final List<JvmBuffer> buffers = new ArrayList<>();
    private final Map<Method, JvmKernel> kernels = new ConcurrentHashMap<>();
    private boolean closed;

    JvmSession(JvmDevice device) {
        this.device = device;
    }

    @Override
    public ComputeDevice device() {
        return device;
    }

    @Override
    public synchronized DeviceBuffer allocate(long bytes) {
        checkOpen();
        if (bytes < 0) {
            throw new IllegalArgumentException("negative allocation: " + bytes);
        }
        try {
            JvmBuffer b = new JvmBuffer(bytes);
            buffers.add(b);
            return b;
        } catch (OutOfMemoryError | IllegalArgumentException e) {
            throw new DeviceOutOfMemoryException(device.name(), bytes, -1);
        }
    }

    @Override
    public void write(DeviceBuffer dst, long dstOffset, MemorySegment src) {
        checkOpen();
        MemorySegment.copy(src, 0, buffer(dst).segment(), dstOffset, src.byteSize());
    }

    @Override
    public void read(DeviceBuffer src, long srcOffset, MemorySegment dst) {
        checkOpen();
        MemorySegment.copy(buffer(src).segment(), srcOffset, dst, 0, dst.byteSize());
    }

    @Override
    public CompiledKernel compile(KernelRequest request) {
        checkOpen();
        return kernels.computeIfAbsent(request.method(), JvmKernel::new);
    }

    @Override
    public long launch(CompiledKernel kernel, LaunchGrid grid, Object[] args, boolean profile) {
        checkOpen();
        JvmKernel k = (JvmKernel) kernel;
        Class<?>[] types = k.method.getParameterTypes();
        if (args.length != types.length) {
            throw new IllegalArgumentException("kernel " + k.method.getName() + " takes " + types.length + " arguments, got " + args.length);
        }
        Object[] javaArgs = new Object[args.length];
        for (int i = 0; i < args.length; i++) {
            javaArgs[i] = args[i] instanceof DeviceBuffer b ? view(types[i], buffer(b).segment()) : args[i];
        }
        long start = System.nanoTime();
        JvmLauncher.launch(k, grid, javaArgs);
        return profile ? System.nanoTime() - start : -1;
    }

    /** The kernel sees the buffer through an array object of its parameter's type. */
    private static Object view(Class<?> type, MemorySegment s) {
        if (type == FloatArray.class) return FloatArray.fromSegment(s);
        if (type == IntArray.class) return IntArray.fromSegment(s);
        if (type == LongArray.class) return LongArray.fromSegment(s);
        if (type == DoubleArray.class) return DoubleArray.fromSegment(s);
        if (type == ByteArray.class) return ByteArray.fromSegment(s);
        if (type == HalfFloatArray.class) return HalfFloatArray.fromSegment(s);
        if (type == BFloat16Array.class) return BFloat16Array.fromSegment(s);
        throw new IllegalArgumentException("a device buffer was given for a parameter of type " + type.getName());
    }

    @Override
    public void synchronize() {
        checkOpen();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (JvmBuffer b : buffers) {
            b.free();
        }
        buffers.clear();
        kernels.clear();
    }

    private JvmBuffer buffer(DeviceBuffer b) {
        if (!(b instanceof JvmBuffer jb)) {
            throw new IllegalArgumentException("buffer " + b + " does not belong to the JVM backend");
        }
        return jb;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("JVM session is closed");
        }
    }

    /** Bytes held by buffers not yet freed (for tests of plan close). */
    synchronized long liveBytes() {
        return buffers.stream().filter(b -> !b.isFreed()).mapToLong(JvmBuffer::byteSize).sum();
    }
}
