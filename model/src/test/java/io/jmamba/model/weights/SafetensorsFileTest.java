package io.jmamba.model.weights;

import io.jmamba.runtime.api.FloatArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    static Path fixture(String name) throws Exception {
        return Path.of(SafetensorsFileTest.class.getResource("/fixtures/models/" + name).toURI());
    }

    /** A file with the given header text (unpadded) and data bytes. */
    Path raw(String header, byte[] data) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path p = dir.resolve("t.safetensors");
        Files.write(p, b.array());
        return p;
    }

    static byte[] shorts(short... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : v) {
            b.putShort(s);
        }
        return b.array();
    }

    @Test
    void readsFixtureZeroCopy() throws Exception {
        SafetensorsFile f = SafetensorsFile.open(fixture("mamba-tiny/model.safetensors"));
        TensorInfo info = f.info("backbone.layers.0.mixer.A_log");
        assertArrayEquals(new long[] {128, 16}, info.shape());
        assertEquals(DType.F32, info.dtype());
        FloatArray a = f.floats("backbone.layers.0.mixer.A_log");
        assertEquals(128 * 16, a.getSize());
        assertTrue(a.getSegment().isMapped(), "F32 tensors are views of the mapping");
        assertTrue(a.getSegment().isReadOnly());
        // S4D-real init: A_log[c, n] = log(n + 1) for every channel c
        assertEquals(Math.log(3), a.get(2), 1e-6);
        assertEquals(1 + 3 * 10 + 1, f.tensors().size(), "embedding, 10 per layer, norm_f");
    }

    @Test
    void convertsF16AndBf16AndF64() throws Exception {
        ByteBuffer d = ByteBuffer.allocate(4 + 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        d.put(shorts(Float.floatToFloat16(1.5f), Float.floatToFloat16(-2.25f)));
        d.put(shorts((short) (Float.floatToIntBits(3.0f) >>> 16), (short) (Float.floatToIntBits(-0.5f) >>> 16)));
        d.putDouble(0.125);
        Path p = raw("""
                {"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},
                 "b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]},
                 "d":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}""", d.array());
        SafetensorsFile f = SafetensorsFile.open(p);
        assertArrayEquals(new float[] {1.5f, -2.25f}, f.floats("h").toHeapArray());
        assertArrayEquals(new float[] {3.0f, -0.5f}, f.floats("b").toHeapArray());
        assertArrayEquals(new float[] {0.125f}, f.floats("d").toHeapArray());
    }

    @Test
    void unalignedF32IsCopied() throws Exception {
        ByteBuffer d = ByteBuffer.allocate(5).order(ByteOrder.LITTLE_ENDIAN);
        d.put((byte) 7).putFloat(2.5f);
        // header of 61 bytes + 8: data starts at 69, the float at 70: not 4-byte aligned
        String header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[1,5]}}";
        header = header + " ".repeat(61 - header.length());
        Path p = raw(header, d.array());
        assertArrayEquals(new float[] {2.5f}, SafetensorsFile.open(p).floats("x").toHeapArray());
    }

    @Test
    void truncatedFileIsReported() throws Exception {
        Path src = fixture("mamba-tiny/model.safetensors");
        byte[] all = Files.readAllBytes(src);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 100));
        WeightsException e = assertThrows(WeightsException.class, () -> SafetensorsFile.open(cut));
        assertTrue(e.getMessage().contains("backbone.norm_f.weight") && e.getMessage().contains("truncated"), e.getMessage());

        Files.write(cut, new byte[] {1, 2, 3});
        assertTrue(assertThrows(WeightsException.class, () -> SafetensorsFile.open(cut)).getMessage().contains("truncated"));
    }

    @Test
    void absurdHeaderLengthIsReported() throws Exception {
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).array());
        WeightsException e = assertThrows(WeightsException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().contains("header length"), e.getMessage());
        Files.write(p, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(4000).array());
        assertTrue(assertThrows(WeightsException.class, () -> SafetensorsFile.open(p)).getMessage().contains("truncated"));
    }

    @Test
    void corruptJsonIsReported() throws Exception {
        Path p = raw("{\"x\":{\"dtype\":\"F32\",", new byte[8]);
        WeightsException e = assertThrows(WeightsException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().contains("corrupt safetensors header"), e.getMessage());
    }

    @Test
    void unknownDtypeIsNamed() throws Exception {
        Path p = raw("{\"x\":{\"dtype\":\"F12\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        WeightsException e = assertThrows(WeightsException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().contains("F12") && e.getMessage().contains("tensor x"), e.getMessage());
    }

    @Test
    void offsetsNotMatchingShapeAreReported() throws Exception {
        Path p = raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
        WeightsException e = assertThrows(WeightsException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().contains("needs 12"), e.getMessage());
    }

    @Test
    void overlappingTensorsAreReported() throws Exception {
        Path p = raw("""
                {"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
                 "y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", new byte[12]);
        WeightsException e = assertThrows(WeightsException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().contains("overlap") && e.getMessage().contains("x") && e.getMessage().contains("y"),
                e.getMessage());
    }

    @Test
    void readsIntegerTensorsAndRejectsThemAsFloats() throws Exception {
        SafetensorsFile g = SafetensorsFile.open(fixture("mamba-tiny.golden.safetensors"));
        assertEquals(48, g.longs("input_ids").length);
        WeightsException e = assertThrows(WeightsException.class, () -> g.floats("input_ids"));
        assertTrue(e.getMessage().contains("I64"), e.getMessage());
    }

    @Test
    void writerRoundTrips() throws Exception {
        Path p = dir.resolve("w.safetensors");
        new SafetensorsWriter().add("a", new float[] {1, 2, 3, 4, 5, 6}, 2, 3).add("b", new float[] {7}, 1).write(p);
        SafetensorsFile f = SafetensorsFile.open(p);
        assertArrayEquals(new long[] {2, 3}, f.info("a").shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, f.floats("a").toHeapArray());
        assertArrayEquals(new float[] {7}, f.floats("b").toHeapArray());
        assertTrue(f.floats("a").getSegment().isMapped());
    }
}
