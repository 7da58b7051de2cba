package io.jmamba.runtime.backend.ffm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** C strings in native memory. */
public final class NativeStrings {
    private NativeStrings() {
    }

    /**
     * Reads a string of at most {@code maxBytes} bytes ending at the first NUL (or at {@code maxBytes});
     * drivers return fixed-size buffers with a terminating NUL and sometimes trailing blanks, which go.
     */
    public static String read(MemorySegment segment, long maxBytes) {
        long n = Math.min(maxBytes, segment.byteSize());
        long len = 0;
        while (len < n && segment.get(ValueLayout.JAVA_BYTE, len) != 0) {
            len++;
        }
        byte[] bytes = segment.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE);
        return new String(bytes, StandardCharsets.UTF_8).strip();
    }

    /** Prefixes each line with its 1-based number, for sources shown next to a compiler's log. */
    public static String withLineNumbers(String source) {
        String[] lines = source.split("\n", -1);
        int width = String.valueOf(lines.length).length();
        StringBuilder sb = new StringBuilder(source.length() + lines.length * (width + 3));
        for (int i = 0; i < lines.length; i++) {
            if (i == lines.length - 1 && lines[i].isEmpty()) {
                break;
            }
            sb.append(String.format("%" + width + "d| ", i + 1)).append(lines[i]).append('\n');
        }
        return sb.toString();
    }
}
