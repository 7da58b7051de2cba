package io.jmamba.kernels.ssd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jmamba.runtime.api.FloatArray;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test-side reader of the golden safetensors fixtures (8-byte little-endian header length, JSON
 * header, raw little-endian data) from the test classpath, plus the fixture tolerance check.
 * Named apart from the scan engineer's reader on purpose; the norm and nn tests use it too.
 */
public final class GoldenFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Map<String, float[]> floats = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private GoldenFile(String name) {
        this.name = name;
    }

    /** Reads {@code /fixtures/<path>} from the test classpath. */
    public static GoldenFile load(String path) {
        String resource = "/fixtures/" + path;
        try (InputStream s = GoldenFile.class.getResourceAsStream(resource)) {
            if (s == null) {
                throw new IllegalStateException("fixture " + resource + " is not on the test classpath");
            }
            return parse(path, s.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("reading fixture " + resource, e);
        }
    }

    static GoldenFile parse(String name, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = buf.getLong(0);
        if (headerLen <= 0 || 8 + headerLen > bytes.length) {
            throw new IOException(name + ": bad safetensors header length " + headerLen);
        }
        JsonNode header = JSON.readTree(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8));
        int dataStart = 8 + (int) headerLen;
        GoldenFile f = new GoldenFile(name);
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                e.getValue().fields().forEachRemaining(m -> f.metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            JsonNode t = e.getValue();
            String dtype = t.get("dtype").asText();
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asLong();
            }
            int begin = dataStart + t.get("data_offsets").get(0).asInt();
            int end = dataStart + t.get("data_offsets").get(1).asInt();
            f.shapes.put(e.getKey(), shape);
            switch (dtype) {
                case "F32" -> {
                    float[] v = new float[(end - begin) / 4];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = buf.getFloat(begin + 4 * i);
                    }
                    f.floats.put(e.getKey(), v);
                }
                case "I64", "I32" -> {
                    int w = dtype.equals("I64") ? 8 : 4;
                    float[] v = new float[(end - begin) / w];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = w == 8 ? buf.getLong(begin + 8 * i) : buf.getInt(begin + 4 * i);
                    }
                    f.floats.put(e.getKey(), v);
                }
                default -> throw new IOException(name + ": tensor " + e.getKey() + " has unsupported dtype " + dtype);
            }
        }
        return f;
    }

    public String name() {
        return name;
    }

    public boolean has(String tensor) {
        return floats.containsKey(tensor);
    }

    public long[] shape(String tensor) {
        return require(tensor, shapes.get(tensor)).clone();
    }

    /** A fresh off-heap copy of the tensor, or null when the case does not have it. */
    public FloatArray arrayOrNull(String tensor) {
        float[] v = floats.get(tensor);
        return v == null ? null : FloatArray.fromArray(v);
    }

    public FloatArray array(String tensor) {
        return FloatArray.fromArray(require(tensor, floats.get(tensor)));
    }

    public String meta(String key) {
        return require(key, metadata.get(key));
    }

    public int metaInt(String key) {
        return Integer.parseInt(meta(key).trim());
    }

    public float metaFloat(String key) {
        return Float.parseFloat(meta(key).trim());
    }

    public boolean metaBool(String key) {
        return Boolean.parseBoolean(meta(key).trim());
    }

    /** A metadata value that is a JSON array of numbers, where the string "inf" means +infinity. */
    public float[] metaFloats(String key) {
        try {
            JsonNode n = JSON.readTree(meta(key));
            float[] out = new float[n.size()];
            for (int i = 0; i < out.length; i++) {
                JsonNode v = n.get(i);
                out[i] = v.isTextual() ? Float.parseFloat(v.asText().replace("inf", "Infinity")) : (float) v.asDouble();
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T require(String key, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " has no " + key);
        }
        return value;
    }

    /**
     * The fixture tolerance: every element within 1e-4 * max(1, max|expected|). The message names the
     * worst element.
     */
    public static void assertClose(String what, FloatArray expected, FloatArray actual) {
        assertTrue(expected.getSize() == actual.getSize(),
                what + ": sizes differ, expected " + expected.getSize() + ", got " + actual.getSize());
        double maxRef = 0;
        for (long i = 0; i < expected.getSize(); i++) {
            maxRef = Math.max(maxRef, Math.abs(expected.get(i)));
        }
        double tol = 1e-4 * Math.max(1.0, maxRef);
        double worst = -1;
        long worstAt = -1;
        for (long i = 0; i < expected.getSize(); i++) {
            double err = Math.abs((double) expected.get(i) - actual.get(i));
            if (!(err <= tol) && (worst < 0 || !(err <= worst))) {
                worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                worstAt = i;
            }
        }
        if (worstAt >= 0) {
            throw new AssertionError(what + ": element " + worstAt + " is " + actual.get(worstAt) + ", expected "
                    + expected.get(worstAt) + " (error " + worst + " > tolerance " + tol + ")");
        }
    }
}
