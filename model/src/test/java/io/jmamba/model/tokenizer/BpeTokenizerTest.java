package io.jmamba.model.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpeTokenizerTest {
    @TempDir
    Path dir;

    /**
     * A byte-level vocabulary: ids 0..255 are the 256 byte characters, then merges "h e" -> 256,
     * "l l" -> 257, "he ll" -> 258, "Ġ w" -> 259; id 260 is the special "<|endoftext|>".
     */
    Path tokenizer() throws Exception {
        StringBuilder vocab = new StringBuilder();
        for (int b = 0; b < 256; b++) {
            char c = ByteLevel.BYTE_TO_CHAR[b];
            String key = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : String.valueOf(c);
            vocab.append('"').append(key).append("\": ").append(b).append(", ");
        }
        vocab.append("\"he\": 256, \"ll\": 257, \"hell\": 258, \"Ġw\": 259");
        String json = """
                {"version": "1.0",
                 "added_tokens": [{"id": 260, "content": "<|endoftext|>", "special": true}],
                 "normalizer": {"type": "NFC"},
                 "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
                 "decoder": {"type": "ByteLevel"},
                 "model": {"type": "BPE", "vocab": {%s}, "merges": ["h e", ["l", "l"], "he ll", "Ġ w"]}}
                """.formatted(vocab);
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, json);
        return p;
    }

    @Test
    void encodesWithMergesInRankOrder() throws Exception {
        BpeTokenizer t = BpeTokenizer.load(tokenizer());
        // "hello" -> he, ll, o -> hell, o ; " world" -> Ġw o r l d
        assertArrayEquals(new int[] {258, 'o', 259, 'o', 'r', 'l', 'd'}, t.encode("hello world"));
    }

    @Test
    void specialTokensAreMatchedWholeAndSkippedOnRequest() throws Exception {
        BpeTokenizer t = BpeTokenizer.load(tokenizer());
        int[] ids = t.encode("he<|endoftext|>ll");
        assertArrayEquals(new int[] {256, 260, 257}, ids);
        assertEquals("he<|endoftext|>ll", t.decode(ids, false));
        assertEquals("hell", t.decode(ids, true));
    }

    @Test
    void roundTripsUnicodeAndWhitespace() throws Exception {
        BpeTokenizer t = BpeTokenizer.load(tokenizer());
        String text = "Grüße, 世界!  tabs\tand\nnewlines 123";
        assertEquals(text, t.decode(t.encode(text), false));
    }

    @Test
    void otherTokenizerModelsAreRefusedByName() throws Exception {
        Path p = dir.resolve("wp.json");
        Files.writeString(p, "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}");
        TokenizerException e = assertThrows(TokenizerException.class, () -> BpeTokenizer.load(p));
        assertTrue(e.getMessage().contains("WordPiece"), e.getMessage());
    }
}
