package io.jmamba.model.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jmamba.runtime.api.FloatArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The tensors of a model folder: one {@code model.safetensors}, or the shards a
 * {@code model.safetensors.index.json} lists (its {@code weight_map} sends each tensor name to a file).
 */
public final class Checkpoint {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path dir;
    private final Map<String, SafetensorsFile> fileOf;

    private Checkpoint(Path dir, Map<String, SafetensorsFile> fileOf) {
        this.dir = dir;
        this.fileOf = fileOf;
    }

    /** Opens the checkpoint in {@code dir}. */
    public static Checkpoint open(Path dir) {
        Path single = dir.resolve(SINGLE_FILE);
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(single)) {
            SafetensorsFile f = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> map = new LinkedHashMap<>();
            f.tensors().keySet().forEach(n -> map.put(n, f));
            return new Checkpoint(dir, Collections.unmodifiableMap(map));
        }
        if (Files.isRegularFile(index)) {
            return openSharded(dir, index);
        }
        String hint = Files.exists(dir.resolve("pytorch_model.bin"))
                ? " (pytorch_model.bin is a pickle, which jmamba does not read: convert it to safetensors)" : "";
        throw new WeightsException("no " + SINGLE_FILE + " or " + INDEX_FILE + " in " + dir + hint);
    }

    private static Checkpoint openSharded(Path dir, Path index) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(index));
        } catch (JsonProcessingException e) {
            throw new WeightsException(index + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new WeightsException("cannot read " + index + ": " + e.getMessage(), e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new WeightsException(index + ": no \"weight_map\" object");
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String file = e.getValue().asText();
            Path shardPath = dir.resolve(file).normalize();
            if (!shardPath.startsWith(dir.normalize())) {
                throw new WeightsException(index + ": shard " + file + " of " + e.getKey() + " lies outside " + dir);
            }
            SafetensorsFile shard = shards.computeIfAbsent(file, f -> SafetensorsFile.open(shardPath));
            if (!shard.tensors().containsKey(e.getKey())) {
                throw new WeightsException(index + " puts tensor " + e.getKey() + " in " + file + ", which does not hold it");
            }
            map.put(e.getKey(), shard);
        }
        // a shard may hold tensors the index forgot; they still count (and are then checked as unexpected)
        for (SafetensorsFile shard : shards.values()) {
            for (String name : shard.tensors().keySet()) {
                SafetensorsFile prev = map.putIfAbsent(name, shard);
                if (prev != null && prev != shard) {
                    throw new WeightsException("tensor " + name + " is in both " + prev.path() + " and " + shard.path());
                }
            }
        }
        return new Checkpoint(dir, Collections.unmodifiableMap(map));
    }

    public Path dir() {
        return dir;
    }

    public Set<String> names() {
        return fileOf.keySet();
    }

    public boolean has(String name) {
        return fileOf.containsKey(name);
    }

    public TensorInfo info(String name) {
        return file(name).info(name);
    }

    public FloatArray floats(String name) {
        return file(name).floats(name);
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = fileOf.get(name);
        if (f == null) {
            throw new WeightsException("missing tensor " + name + " in checkpoint " + dir);
        }
        return f;
    }
}
