package io.jmamba.model.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jmamba.runtime.api.FloatArray;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the raw little-endian data.
 *
 * <p>The header is validated when the file is opened (sane length, well-formed JSON, known dtypes,
 * byte ranges that fit the shape, lie inside the file and do not overlap), so a truncated or corrupt
 * file fails here with the file and tensor named rather than later with garbage numbers.
 * float32 tensors are returned as zero-copy views of the mapping; float16, bfloat16 and float64
 * are converted to float32 once, when read. The mapping lives as long as any array viewing it.
 */
public final class SafetensorsFile {
    /** The safetensors format itself refuses headers above 100 MB. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final MemorySegment data;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, MemorySegment data, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps and validates {@code path}. */
    public static SafetensorsFile open(Path path) {
        MemorySegment file;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new WeightsException(path + ": truncated safetensors file: " + size
                        + " bytes, fewer than the 8-byte header length");
            }
            // an automatic arena: the mapping stays while any zero-copy FloatArray still points into it
            file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
        } catch (NoSuchFileException e) {
            throw new WeightsException("no such checkpoint file: " + path);
        } catch (IOException e) {
            throw new WeightsException("cannot read " + path + ": " + e.getMessage(), e);
        }
        return parse(path, file);
    }

    static SafetensorsFile parse(Path path, MemorySegment file) {
        long size = file.byteSize();
        long headerLen = file.get(I64_LE, 0);
        if (headerLen <= 1 || headerLen > MAX_HEADER_BYTES) {
            throw new WeightsException(path + ": corrupt safetensors header: header length " + headerLen
                    + " is not in 2.." + MAX_HEADER_BYTES);
        }
        if (8 + headerLen > size) {
            throw new WeightsException(path + ": truncated safetensors file: header says " + headerLen
                    + " header bytes but the file has only " + (size - 8) + " after the length");
        }
        byte[] headerBytes = file.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        JsonNode root;
        try {
            root = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new WeightsException(path + ": corrupt safetensors header: not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new WeightsException(path + ": corrupt safetensors header: not a JSON object");
        }
        MemorySegment data = file.asSlice(8 + headerLen);
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                if (e.getValue().isObject()) {
                    e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                }
                continue;
            }
            tensors.put(e.getKey(), tensorInfo(path, e.getKey(), e.getValue(), data.byteSize()));
        }
        checkNoOverlap(path, tensors.values());
        return new SafetensorsFile(path, data, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo tensorInfo(Path path, String name, JsonNode n, long dataBytes) {
        String where = path + ": tensor " + name + ": ";
        if (!n.isObject()) {
            throw new WeightsException(where + "corrupt header entry " + n);
        }
        JsonNode dt = n.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new WeightsException(where + "header entry has no dtype");
        }
        DType dtype = DType.byName(dt.asText()).orElseThrow(() -> new WeightsException(where + "unknown dtype " + dt.asText()));
        JsonNode shapeNode = n.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new WeightsException(where + "header entry has no shape");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || d.longValue() < 0) {
                throw new WeightsException(where + "bad shape " + shapeNode);
            }
            shape[i] = d.longValue();
            try {
                count = Math.multiplyExact(count, shape[i]);
            } catch (ArithmeticException ex) {
                throw new WeightsException(where + "shape " + shapeNode + " overflows");
            }
        }
        JsonNode off = n.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()) {
            throw new WeightsException(where + "header entry needs data_offsets [begin, end], got " + off);
        }
        long begin = off.get(0).longValue();
        long end = off.get(1).longValue();
        if (begin < 0 || end < begin) {
            throw new WeightsException(where + "bad data_offsets [" + begin + ", " + end + "]");
        }
        if (end > dataBytes) {
            throw new WeightsException(where + "data_offsets [" + begin + ", " + end + "] run past the end of the data ("
                    + dataBytes + " bytes): the file is truncated or the header corrupt");
        }
        if (end - begin != count * dtype.bytes()) {
            throw new WeightsException(where + "data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                    + " bytes but " + dtype + " " + shapeNode + " needs " + count * dtype.bytes());
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void checkNoOverlap(Path path, java.util.Collection<TensorInfo> infos) {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo a = sorted.get(i - 1);
            TensorInfo b = sorted.get(i);
            if (b.begin() < a.end() && b.end() > b.begin()) {
                throw new WeightsException(path + ": corrupt safetensors header: tensors " + a.name() + " [" + a.begin()
                        + ", " + a.end() + ") and " + b.name() + " [" + b.begin() + ", " + b.end() + ") overlap");
            }
        }
    }

    public Path path() {
        return path;
    }

    /** Tensor name -> header entry, in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The header's __metadata__ strings. */
    public Map<String, String> metadata() {
        return metadata;
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new WeightsException(path + ": no tensor " + name);
        }
        return t;
    }

    /**
     * The tensor as float32, row-major. F32 is a zero-copy, read-only view of the mapping when the data
     * is 4-byte aligned on a little-endian host; otherwise (and for F16, BF16, F64) a converted copy.
     */
    public FloatArray floats(String name) {
        TensorInfo t = info(name);
        MemorySegment src = data.asSlice(t.begin(), t.end() - t.begin());
        long n = t.elementCount();
        switch (t.dtype()) {
            case F32 -> {
                if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN && src.address() % 4 == 0) {
                    return FloatArray.fromSegment(src);
                }
                FloatArray out = new FloatArray(n);
                for (long i = 0; i < n; i++) {
                    out.set(i, src.get(F32_LE, i * 4));
                }
                return out;
            }
            case F16 -> {
                FloatArray out = new FloatArray(n);
                for (long i = 0; i < n; i++) {
                    out.set(i, Float.float16ToFloat(src.get(I16_LE, i * 2)));
                }
                return out;
            }
            case BF16 -> {
                FloatArray out = new FloatArray(n);
                for (long i = 0; i < n; i++) {
                    out.set(i, Float.intBitsToFloat((src.get(I16_LE, i * 2) & 0xffff) << 16));
                }
                return out;
            }
            case F64 -> {
                FloatArray out = new FloatArray(n);
                for (long i = 0; i < n; i++) {
                    out.set(i, (float) src.get(F64_LE, i * 8));
                }
                return out;
            }
            default -> throw new WeightsException(path + ": tensor " + name + " is " + t.dtype()
                    + ", not a floating-point type jmamba reads (F32, F16, BF16, F64)");
        }
    }

    /** An integer tensor (I64 or I32) as a Java long array (token ids in test fixtures, say). */
    public long[] longs(String name) {
        TensorInfo t = info(name);
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new WeightsException(path + ": tensor " + name + " has too many elements for a Java array");
        }
        long[] out = new long[(int) n];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (t.dtype()) {
                case I64 -> data.get(I64_LE, t.begin() + i * 8L);
                case I32 -> data.get(I32_LE, t.begin() + i * 4L);
                default -> throw new WeightsException(path + ": tensor " + name + " is " + t.dtype() + ", not I64 or I32");
            };
        }
        return out;
    }
}
