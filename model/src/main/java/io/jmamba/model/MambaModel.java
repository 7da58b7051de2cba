package io.jmamba.model;

import io.jmamba.model.config.ConfigParser;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.device.KernelSet;
import io.jmamba.model.generate.GenerationOptions;
import io.jmamba.model.generate.GenerationResult;
import io.jmamba.model.generate.Generator;
import io.jmamba.model.generate.TokenListener;
import io.jmamba.model.inference.InferenceEngine;
import io.jmamba.model.inference.InferenceState;
import io.jmamba.model.tokenizer.BpeTokenizer;
import io.jmamba.model.weights.Checkpoint;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.model.weights.WeightLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A Mamba-1 or Mamba-2 language model loaded from a checkpoint folder (config.json plus
 * model.safetensors or sharded safetensors), ready to run on one device.
 * <pre>{@code
 * try (MambaModel model = MambaModel.load(Path.of("mamba-130m"))) {
 *     float[][][] logits = model.forward(new int[][] {{1, 2, 3}});
 *     GenerationResult r = model.generate(new int[] {1, 2, 3}, GenerationOptions.greedy(20), TokenListener.NONE);
 * }
 * }</pre>
 */
public final class MambaModel implements AutoCloseable {
    private final Path dir;
    private final ModelWeights weights;
    private final InferenceEngine engine;
    private final BpeTokenizer tokenizer;

    private MambaModel(Path dir, ModelWeights weights, InferenceEngine engine, BpeTokenizer tokenizer) {
        this.dir = dir;
        this.weights = weights;
        this.engine = engine;
        this.tokenizer = tokenizer;
    }

    /** Loads onto the default device (see {@link Engines#create}). */
    public static MambaModel load(Path dir) {
        return load(dir, null);
    }

    /**
     * Loads onto {@code device}: "reference" (plain-Java loops), a backend name ("cuda", "opencl",
     * "jvm") or a device id ("cuda:0", "opencl:0:1"); {@code null} picks the best device.
     */
    public static MambaModel load(Path dir, String device) {
        return load(dir, device, null);
    }

    /**
     * As {@link #load(Path, String)}, with the kernels the task-graph engine is built from
     * ({@code null}: {@link KernelSet#defaultFor} the device).
     */
    public static MambaModel load(Path dir, String device, KernelSet kernels) {
        MambaConfig config = ConfigParser.read(dir);
        ModelWeights weights = WeightLoader.load(config, Checkpoint.open(dir));
        Path tok = dir.resolve("tokenizer.json");
        BpeTokenizer tokenizer = Files.isRegularFile(tok) ? BpeTokenizer.load(tok) : null;
        return new MambaModel(dir, weights, Engines.create(weights, device, kernels), tokenizer);
    }

    public MambaConfig config() {
        return weights.config();
    }

    public ModelWeights weights() {
        return weights;
    }

    public InferenceEngine engine() {
        return engine;
    }

    public Path dir() {
        return dir;
    }

    /** The folder's tokenizer.json, if it has one. */
    public Optional<BpeTokenizer> tokenizer() {
        return Optional.ofNullable(tokenizer);
    }

    /** Logits for every position of every sequence: [batch][len_b][vocab]. */
    public float[][][] forward(int[][] ids) {
        InferenceState state = engine.newState(ids.length);
        return engine.prefill(state, ids, true);
    }

    public GenerationResult generate(int[] prompt, GenerationOptions options, TokenListener listener) {
        return generate(new int[][] {prompt}, options, listener);
    }

    /** Generates for a batch of prompts together (one decode step feeds every sequence). */
    public GenerationResult generate(int[][] prompts, GenerationOptions options, TokenListener listener) {
        return Generator.generate(engine, prompts, options, listener);
    }

    @Override
    public void close() {
        engine.close();
    }
}
