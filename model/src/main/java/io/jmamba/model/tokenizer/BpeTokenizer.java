package io.jmamba.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A byte-level BPE tokenizer read from a Hugging Face tokenizer.json (GPT-2 / GPT-NeoX style, as the
 * Mamba checkpoints use): added tokens are matched first, the rest is split with GPT-2's pattern,
 * turned into byte-level characters and merged by merge rank. Other tokenizer models (WordPiece,
 * Unigram, SentencePiece byte fallback) are refused by name.
 */
public final class BpeTokenizer {
    /** GPT-2's pre-tokenization pattern (what the ByteLevel pre-tokenizer uses with use_regex). */
    private static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    private final Map<String, Integer> vocab;
    private final Map<Integer, String> idToToken;
    private final Map<String, Integer> mergeRank;
    private final Map<String, Integer> added;
    private final Map<Integer, Boolean> addedIsSpecial;
    private final List<String> addedByLength;
    private final boolean addPrefixSpace;
    private final boolean nfc;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private BpeTokenizer(Map<String, Integer> vocab, Map<String, Integer> mergeRank, Map<String, Integer> added,
                         Map<Integer, Boolean> addedIsSpecial, boolean addPrefixSpace, boolean nfc) {
        this.vocab = vocab;
        this.mergeRank = mergeRank;
        this.added = added;
        this.addedIsSpecial = addedIsSpecial;
        this.addPrefixSpace = addPrefixSpace;
        this.nfc = nfc;
        this.idToToken = new HashMap<>();
        vocab.forEach((t, id) -> idToToken.put(id, t));
        added.forEach((t, id) -> idToToken.put(id, t));
        this.addedByLength = new ArrayList<>(added.keySet());
        addedByLength.sort(Comparator.comparingInt(String::length).reversed());
    }

    public static BpeTokenizer load(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read tokenizer: " + e.getMessage(), e);
        }
        try {
            return fromJson(root);
        } catch (TokenizerException e) {
            throw new TokenizerException(file + ": " + e.getMessage(), e);
        }
    }

    static BpeTokenizer fromJson(JsonNode root) {
        JsonNode model = root.path("model");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw new TokenizerException("tokenizer model type " + type + " is not supported (byte-level BPE only)");
        }
        if (model.path("byte_fallback").asBoolean(false)) {
            throw new TokenizerException("BPE with byte_fallback (SentencePiece style) is not supported (byte-level BPE only)");
        }
        if (!usesByteLevel(root.path("pre_tokenizer"))) {
            throw new TokenizerException("pre_tokenizer " + root.path("pre_tokenizer").path("type").asText("none")
                    + " is not supported (byte-level BPE only)");
        }
        Map<String, Integer> vocab = new HashMap<>();
        model.path("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        Map<String, Integer> ranks = new HashMap<>();
        int rank = 0;
        for (JsonNode m : model.path("merges")) {
            String pair;
            if (m.isArray() && m.size() == 2) {
                pair = m.get(0).asText() + " " + m.get(1).asText();
            } else if (m.isTextual()) {
                pair = m.asText();
            } else {
                throw new TokenizerException("merge " + m + " is neither \"a b\" nor [\"a\", \"b\"]");
            }
            ranks.putIfAbsent(pair, rank++);
        }
        Map<String, Integer> added = new HashMap<>();
        Map<Integer, Boolean> special = new HashMap<>();
        for (JsonNode a : root.path("added_tokens")) {
            added.put(a.path("content").asText(), a.path("id").asInt());
            special.put(a.path("id").asInt(), a.path("special").asBoolean(false));
        }
        boolean prefix = byteLevelAddsPrefix(root.path("pre_tokenizer"));
        boolean nfc = root.path("normalizer").path("type").asText("").equals("NFC");
        return new BpeTokenizer(vocab, ranks, added, special, prefix, nfc);
    }

    private static boolean usesByteLevel(JsonNode pre) {
        if (pre.path("type").asText("").equals("ByteLevel")) {
            return true;
        }
        for (JsonNode p : pre.path("pretokenizers")) {
            if (usesByteLevel(p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean byteLevelAddsPrefix(JsonNode pre) {
        if (pre.path("type").asText("").equals("ByteLevel")) {
            return pre.path("add_prefix_space").asBoolean(false);
        }
        for (JsonNode p : pre.path("pretokenizers")) {
            if (byteLevelAddsPrefix(p)) {
                return true;
            }
        }
        return false;
    }

    public int vocabSize() {
        return idToToken.size();
    }

    /** Token ids for {@code text} (no BOS/EOS added). */
    public int[] encode(String text) {
        if (nfc) {
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
        }
        List<Integer> out = new ArrayList<>();
        int start = 0;
        boolean first = true;
        while (start < text.length()) {
            int at = -1;
            String hit = null;
            for (int i = start; i < text.length() && at < 0; i++) {
                for (String a : addedByLength) {
                    if (!a.isEmpty() && text.startsWith(a, i)) {
                        at = i;
                        hit = a;
                        break;
                    }
                }
            }
            int end = at < 0 ? text.length() : at;
            if (end > start) {
                encodePlain(text.substring(start, end), first, out);
            }
            if (hit == null) {
                break;
            }
            out.add(added.get(hit));
            start = at + hit.length();
            first = false;
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private void encodePlain(String text, boolean atStart, List<Integer> out) {
        if (addPrefixSpace && atStart && !text.startsWith(" ")) {
            text = " " + text;
        }
        Matcher m = GPT2_SPLIT.matcher(text);
        while (m.find()) {
            String word = ByteLevel.encode(m.group().getBytes(StandardCharsets.UTF_8));
            for (int id : cache.computeIfAbsent(word, this::bpe)) {
                out.add(id);
            }
        }
    }

    /** Merges the characters of one pre-token by merge rank until no known pair is left. */
    private int[] bpe(String word) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < word.length(); i++) {
            parts.add(String.valueOf(word.charAt(i)));
        }
        while (parts.size() > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer r = mergeRank.get(parts.get(i) + " " + parts.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            String a = parts.get(best);
            String b = parts.get(best + 1);
            List<String> merged = new ArrayList<>(parts.size());
            for (int i = 0; i < parts.size(); i++) {
                if (i + 1 < parts.size() && parts.get(i).equals(a) && parts.get(i + 1).equals(b)) {
                    merged.add(a + b);
                    i++;
                } else {
                    merged.add(parts.get(i));
                }
            }
            parts = merged;
        }
        int[] ids = new int[parts.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = vocab.get(parts.get(i));
            if (id == null) {
                throw new TokenizerException("token \"" + parts.get(i) + "\" is not in the vocabulary");
            }
            ids[i] = id;
        }
        return ids;
    }

    /** Text for {@code ids}; special added tokens are left out when {@code skipSpecial}. */
    public String decode(int[] ids, boolean skipSpecial) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            String t = idToToken.get(id);
            if (t == null) {
                continue; // a padded-vocabulary row with no token: nothing to print
            }
            if (addedIsSpecial.containsKey(id) && added.containsKey(t)) {
                if (!(skipSpecial && addedIsSpecial.get(id))) {
                    bytes.writeBytes(t.getBytes(StandardCharsets.UTF_8));
                }
                continue;
            }
            if (!ByteLevel.decode(t, bytes)) {
                bytes.writeBytes(t.getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
