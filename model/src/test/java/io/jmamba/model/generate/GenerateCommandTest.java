package io.jmamba.model.generate;

import io.jmamba.model.testing.Golden;
import io.jmamba.model.tokenizer.TestTokenizers;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerateCommandTest {
    record Run(int status, String out) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = GenerateCommand.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(status, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void generatesGreedyIdsAndPrintsSpeed() {
        Golden g = Golden.load("mamba-tiny");
        String ids = Arrays.stream(g.inputIds()[0]).mapToObj(Integer::toString).collect(Collectors.joining(","));
        Run r = run("--model", g.modelDir().toString(), "--ids", ids, "--max-new-tokens", "12", "--device", "reference",
                "--no-stop");
        assertEquals(0, r.status(), r.out());
        String expected = Arrays.stream(g.greedyIds()).mapToObj(Integer::toString).collect(Collectors.joining(","));
        assertTrue(r.out().contains("new ids: " + expected), r.out());
        assertTrue(r.out().contains("prefill: 24 tokens") && r.out().contains("tokens/s"), r.out());
        assertTrue(r.out().contains("decode: 11 tokens"), r.out());
    }

    @Test
    void runsOnTheJvmBackendToo() {
        Golden g = Golden.load("mamba2-tiny");
        String ids = Arrays.stream(g.inputIds()[0]).mapToObj(Integer::toString).collect(Collectors.joining(","));
        Run r = run("--model", g.modelDir().toString(), "--ids", ids, "--max-new-tokens", "12", "--device", "jvm",
                "--no-stop");
        assertEquals(0, r.status(), r.out());
        String expected = Arrays.stream(g.greedyIds()).mapToObj(Integer::toString).collect(Collectors.joining(","));
        assertTrue(r.out().contains("new ids: " + expected), r.out());
        assertTrue(r.out().contains("on jvm") && r.out().contains("portable kernels"), "the JVM backend defaults to the portable kernels: " + r.out());
    }

    @Test
    void promptTextGoesThroughTheFoldersTokenizer(@TempDir Path dir) throws Exception {
        Golden g = Golden.load("mamba-tiny");
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(g.modelDir().resolve(f), dir.resolve(f));
        }
        Files.writeString(dir.resolve("tokenizer.json"), TestTokenizers.byteLevelJson());
        Run r = run("--model", dir.toString(), "--prompt", "hello world", "--max-new-tokens", "4", "--device",
                "reference", "--no-stop");
        assertEquals(0, r.status(), r.out());
        assertTrue(r.out().contains("prompt: 7 tokens"), r.out());
        assertTrue(r.out().contains("hello world"), "the prompt is echoed: " + r.out());
        assertTrue(r.out().contains("decode: 3 tokens"), r.out());
    }

    @Test
    void batchPrintsEachSequence() {
        Golden g = Golden.load("mamba-tiny");
        Run r = run("--model", g.modelDir().toString(), "--ids", "1,2,3", "--max-new-tokens", "3", "--batch", "2",
                "--device", "reference", "--temperature", "0.7", "--top-k", "5", "--top-p", "0.9", "--seed", "3");
        assertEquals(0, r.status(), r.out());
        assertTrue(r.out().contains("sequence 0: [") && r.out().contains("sequence 1: ["), r.out());
    }

    @Test
    void usageErrorsReturnTwo() {
        Golden g = Golden.load("mamba-tiny");
        assertEquals(2, run("--ids", "1,2").status());
        assertEquals(2, run("--model", g.modelDir().toString(), "--ids", "1,x").status());
        Run noTok = run("--model", g.modelDir().toString(), "--prompt", "hello");
        assertEquals(2, noTok.status());
        assertTrue(noTok.out().contains("tokenizer.json"), noTok.out());
        assertEquals(2, run("--model", g.modelDir().toString(), "--ids", "1", "--top-p", "0").status());
    }

    @Test
    void badModelFolderFailsWithItsName() {
        Run r = run("--model", "/nonexistent/model", "--ids", "1", "--device", "reference");
        assertEquals(1, r.status());
        assertTrue(r.out().contains("/nonexistent/model"), r.out());
    }

    @Test
    void tokenOutsideVocabularyIsReported() {
        Golden g = Golden.load("mamba-tiny");
        Run r = run("--model", g.modelDir().toString(), "--ids", "1,9999", "--device", "reference");
        assertEquals(1, r.status());
        assertTrue(r.out().contains("9999"), r.out());
    }
}
