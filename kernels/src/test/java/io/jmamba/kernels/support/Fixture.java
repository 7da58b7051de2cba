package io.jmamba.kernels.support;

import io.jmamba.runtime.api.FloatArray;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One golden fixture case read from a safetensors file on the test classpath
 * ({@code /fixtures/<family>/<case>.safetensors}): an 8-byte little-endian header length, a JSON
 * header, raw little-endian data. F32 tensors become {@link Tensor}s; I64 ones long arrays.
 * The header's {@code __metadata__} string values are kept as {@link #meta}.
 */
public final class Fixture {
    public final String name;
    public final Map<String, String> meta = new LinkedHashMap<>();
    private final Map<String, Tensor> floats = new LinkedHashMap<>();
    private final Map<String, long[]> longs = new LinkedHashMap<>();

    private Fixture(String name) {
        this.name = name;
    }

    /** Loads {@code /fixtures/family/caseName.safetensors}. */
    public static Fixture load(String family, String caseName) {
        String path = "/fixtures/" + family + "/" + caseName + ".safetensors";
        try (InputStream in = Fixture.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("fixture not on the test classpath: " + path);
            }
            return parse(family + "/" + caseName, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(path, e);
        }
    }

    @SuppressWarnings("unchecked")
    static Fixture parse(String name, byte[] bytes) {
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = bb.getLong(0);
        if (headerLen < 2 || 8 + headerLen > bytes.length) {
            throw new IllegalArgumentException(name + ": bad safetensors header length " + headerLen);
        }
        Map<String, Object> header = MiniJson.parseObject(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8));
        Fixture f = new Fixture(name);
        int dataStart = 8 + (int) headerLen;
        for (var e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                ((Map<String, Object>) e.getValue()).forEach((k, v) -> f.meta.put(k, String.valueOf(v)));
                continue;
            }
            Map<String, Object> info = (Map<String, Object>) e.getValue();
            String dtype = (String) info.get("dtype");
            List<Object> shapeList = (List<Object>) info.get("shape");
            List<Object> offsets = (List<Object>) info.get("data_offsets");
            long[] shape = shapeList.stream().mapToLong(o -> ((Number) o).longValue()).toArray();
            int begin = dataStart + ((Number) offsets.get(0)).intValue();
            int end = dataStart + ((Number) offsets.get(1)).intValue();
            long n = Tensor.numel(shape);
            switch (dtype) {
                case "F32" -> {
                    check(name, e.getKey(), end - begin, n * 4);
                    FloatArray a = new FloatArray(n);
                    for (int k = 0; k < n; k++) {
                        a.set(k, bb.getFloat(begin + 4 * k));
                    }
                    f.floats.put(e.getKey(), new Tensor(a, shape));
                }
                case "I64" -> {
                    check(name, e.getKey(), end - begin, n * 8);
                    long[] a = new long[(int) n];
                    for (int k = 0; k < n; k++) {
                        a[k] = bb.getLong(begin + 8 * k);
                    }
                    f.longs.put(e.getKey(), a);
                }
                default -> throw new IllegalArgumentException(name + ": tensor " + e.getKey() + " has unsupported dtype " + dtype);
            }
        }
        return f;
    }

    private static void check(String file, String tensor, long bytes, long expected) {
        if (bytes != expected) {
            throw new IllegalArgumentException(file + ": tensor " + tensor + " has " + bytes + " bytes, shape needs " + expected);
        }
    }

    /** The F32 tensor {@code key} (a fresh copy, so a test may pass it to a kernel that writes in place). */
    public Tensor tensor(String key) {
        Tensor t = floats.get(key);
        if (t == null) {
            throw new IllegalArgumentException(name + ": no F32 tensor " + key + "; has " + floats.keySet());
        }
        FloatArray copy = new FloatArray(t.numel());
        copy.copyFrom(t.data());
        return new Tensor(copy, t.shape());
    }

    /** The tensor {@code key}, or null when the case does not use it. */
    public Tensor optional(String key) {
        return floats.containsKey(key) ? tensor(key) : null;
    }

    public long[] longs(String key) {
        long[] v = longs.get(key);
        if (v == null) {
            throw new IllegalArgumentException(name + ": no I64 tensor " + key);
        }
        return v.clone();
    }

    public boolean flag(String key) {
        return Boolean.parseBoolean(meta.getOrDefault(key, "false"));
    }

    public double number(String key) {
        String v = meta.get(key);
        if (v == null) {
            throw new IllegalArgumentException(name + ": no metadata " + key + "; has " + meta.keySet());
        }
        return Double.parseDouble(v);
    }
}
