package io.jmamba.model.tokenizer;

/** A small byte-level BPE tokenizer.json for tests. */
public final class TestTokenizers {
    private TestTokenizers() {
    }

    /**
     * Ids 0..255 are the 256 byte characters, then merges "h e" -> 256, "l l" -> 257, "he ll" -> 258,
     * "Ġ w" -> 259; id 260 is the special "<|endoftext|>".
     */
    public static String byteLevelJson() {
        StringBuilder vocab = new StringBuilder();
        for (int b = 0; b < 256; b++) {
            char c = ByteLevel.BYTE_TO_CHAR[b];
            String key = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : String.valueOf(c);
            vocab.append('"').append(key).append("\": ").append(b).append(", ");
        }
        vocab.append("\"he\": 256, \"ll\": 257, \"hell\": 258, \"Ġw\": 259");
        return """
                {"version": "1.0",
                 "added_tokens": [{"id": 260, "content": "<|endoftext|>", "special": true}],
                 "normalizer": {"type": "NFC"},
                 "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
                 "decoder": {"type": "ByteLevel"},
                 "model": {"type": "BPE", "vocab": {%s}, "merges": ["h e", ["l", "l"], "he ll", "Ġ w"]}}
                """.formatted(vocab);
    }
}
