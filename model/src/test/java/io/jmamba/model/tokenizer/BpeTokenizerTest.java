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

    Path tokenizer() throws Exception {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, TestTokenizers.byteLevelJson());
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
