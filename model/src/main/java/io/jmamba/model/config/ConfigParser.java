package io.jmamba.model.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a model's config.json in either format jmamba knows:
 * <ul>
 *   <li>Hugging Face transformers: {@code "model_type": "mamba"} or {@code "mamba2"} with
 *       hidden_size, num_hidden_layers, state_size, ...;</li>
 *   <li>the original mamba_ssm format: d_model, n_layer, vocab_size, ssm_cfg {layer: Mamba1|Mamba2,
 *       d_state, ...}, pad_vocab_size_multiple, tie_embeddings.</li>
 * </ul>
 * Missing keys take the defaults of the library that wrote the format (transformers' MambaConfig and
 * Mamba2Config, mamba_ssm's Mamba and Mamba2 constructors).
 */
public final class ConfigParser {
    /** transformers writes {@code Infinity} bare (Python's json) unless it wraps it as {"__float__": ...}. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private ConfigParser() {
    }

    /** Reads {@code config.json} from a model folder (or the file itself when given one). */
    public static MambaConfig read(Path dirOrFile) {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve("config.json") : dirOrFile;
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("no config.json: " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the text of a config.json. */
    public static MambaConfig parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ConfigException("config is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException("config must be a JSON object");
        }
        if (root.has("model_type")) {
            String type = root.get("model_type").asText();
            return switch (type) {
                case "mamba" -> hfMamba1(new Keys(root));
                case "mamba2" -> hfMamba2(new Keys(root));
                default -> throw new ConfigException("unsupported model_type \"" + type
                        + "\" (jmamba runs \"mamba\" and \"mamba2\")");
            };
        }
        if (root.has("d_model") && root.has("n_layer")) {
            return mambaSsm(new Keys(root));
        }
        throw new ConfigException("config has neither \"model_type\" (Hugging Face format) nor \"d_model\" and "
                + "\"n_layer\" (mamba_ssm format)");
    }

    private static MambaConfig hfMamba1(Keys k) {
        int d = k.integer("hidden_size", 768);
        int expand = k.integer("expand", 2);
        int dInner = k.integer("intermediate_size", expand * d);
        return new MambaConfig(Architecture.MAMBA1, d, k.integer("num_hidden_layers", 32),
                k.integer("vocab_size", 50280), k.integer("state_size", 16), k.integer("conv_kernel", 4), dInner,
                dtRank(k, "time_step_rank", d), 0, 0, 1, 0, 0f, Float.POSITIVE_INFINITY, false,
                k.bool("use_bias", false), k.bool("use_conv_bias", true),
                (float) k.number("layer_norm_epsilon", 1e-5), k.bool("residual_in_fp32", true),
                k.bool("tie_word_embeddings", true), k.intList("eos_token_id"));
    }

    private static MambaConfig hfMamba2(Keys k) {
        int d = k.integer("hidden_size", 2048);
        int expand = k.integer("expand", 2);
        int headDim = k.integer("head_dim", 64);
        int dInner = expand * d;
        int nHeads = k.integer("num_heads", dInner / headDim);
        if (!k.bool("rms_norm", true)) {
            throw new ConfigException("rms_norm=false (LayerNorm blocks) is not supported; jmamba runs RMSNorm models");
        }
        float[] limit = k.limit("time_step_limit");
        return new MambaConfig(Architecture.MAMBA2, d, k.integer("num_hidden_layers", 64),
                k.integer("vocab_size", 32768), k.integer("state_size", 128), k.integer("conv_kernel", 4), dInner,
                0, headDim, nHeads, k.integer("n_groups", 8), k.integer("chunk_size", 256), limit[0], limit[1],
                k.bool("norm_before_gate", false), k.bool("use_bias", false), k.bool("use_conv_bias", true),
                (float) k.number("layer_norm_epsilon", 1e-5), k.bool("residual_in_fp32", true),
                k.bool("tie_word_embeddings", false), k.intList("eos_token_id"));
    }

    private static MambaConfig mambaSsm(Keys k) {
        if (k.integer("d_intermediate", 0) != 0) {
            throw new ConfigException("d_intermediate=" + k.integer("d_intermediate", 0)
                    + " (MLP blocks between mixers) is not supported");
        }
        JsonNode attn = k.root.get("attn_layer_idx");
        if (attn != null && attn.isArray() && !attn.isEmpty()) {
            throw new ConfigException("attn_layer_idx=" + attn + " (hybrid attention layers) is not supported");
        }
        if (!k.bool("rms_norm", true)) {
            throw new ConfigException("rms_norm=false (LayerNorm blocks) is not supported; jmamba runs RMSNorm models");
        }
        int d = k.integer("d_model", 0);
        int nLayer = k.integer("n_layer", 0);
        int vocab = MambaConfig.padVocab(k.integer("vocab_size", 50277), k.integer("pad_vocab_size_multiple", 8));
        boolean tie = k.bool("tie_embeddings", true);
        boolean residualFp32 = k.bool("residual_in_fp32", true);
        JsonNode ssmNode = k.root.get("ssm_cfg");
        Keys ssm = new Keys(ssmNode != null && ssmNode.isObject() ? ssmNode : JSON.createObjectNode());
        String layer = ssm.text("layer", "Mamba1");
        int expand = ssm.integer("expand", 2);
        int dInner = expand * d;
        float eps = (float) k.number("norm_epsilon", 1e-5);
        switch (layer) {
            case "Mamba1":
                return new MambaConfig(Architecture.MAMBA1, d, nLayer, vocab, ssm.integer("d_state", 16),
                        ssm.integer("d_conv", 4), dInner, dtRank(ssm, "dt_rank", d), 0, 0, 1, 0, 0f,
                        Float.POSITIVE_INFINITY, false, ssm.bool("bias", false), ssm.bool("conv_bias", true), eps,
                        residualFp32, tie, List.of());
            case "Mamba2": {
                if (!ssm.bool("rmsnorm", true)) {
                    throw new ConfigException("ssm_cfg.rmsnorm=false (Mamba-2 without the gated norm) is not supported");
                }
                int headDim = ssm.integer("headdim", 64);
                if (dInner % headDim != 0) {
                    throw new ConfigException("expand * d_model (" + dInner + ") is not a multiple of headdim (" + headDim + ")");
                }
                float[] limit = ssm.limit("dt_limit");
                return new MambaConfig(Architecture.MAMBA2, d, nLayer, vocab, ssm.integer("d_state", 128),
                        ssm.integer("d_conv", 4), dInner, 0, headDim, dInner / headDim, ssm.integer("ngroups", 1),
                        ssm.integer("chunk_size", 256), limit[0], limit[1], ssm.bool("norm_before_gate", false),
                        ssm.bool("bias", false), ssm.bool("conv_bias", true), eps, residualFp32, tie, List.of());
            }
            default:
                throw new ConfigException("unsupported ssm_cfg.layer \"" + layer + "\" (jmamba runs \"Mamba1\" and \"Mamba2\")");
        }
    }

    /** dt_rank / time_step_rank: a number or "auto" (ceil(d_model / 16)). */
    private static int dtRank(Keys k, String key, int dModel) {
        JsonNode n = k.root.get(key);
        if (n == null || n.isNull() || (n.isTextual() && n.asText().equals("auto"))) {
            return (dModel + 15) / 16;
        }
        if (!n.isIntegralNumber()) {
            throw new ConfigException(key + " must be an integer or \"auto\", got " + n);
        }
        return n.intValue();
    }

    /** Typed access to the keys of one JSON object, with the key named in every error. */
    private record Keys(JsonNode root) {
        int integer(String key, int fallback) {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw new ConfigException(key + " must be an integer, got " + n);
            }
            return n.intValue();
        }

        double number(String key, double fallback) {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            return asDouble(key, n);
        }

        boolean bool(String key, boolean fallback) {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isBoolean()) {
                throw new ConfigException(key + " must be true or false, got " + n);
            }
            return n.booleanValue();
        }

        String text(String key, String fallback) {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return fallback;
            }
            if (!n.isTextual()) {
                throw new ConfigException(key + " must be a string, got " + n);
            }
            return n.asText();
        }

        List<Integer> intList(String key) {
            JsonNode n = root.get(key);
            List<Integer> out = new ArrayList<>();
            if (n == null || n.isNull()) {
                return out;
            }
            if (n.isIntegralNumber()) {
                out.add(n.intValue());
                return out;
            }
            if (!n.isArray()) {
                throw new ConfigException(key + " must be an integer or a list of integers, got " + n);
            }
            for (JsonNode e : n) {
                if (!e.isIntegralNumber()) {
                    throw new ConfigException(key + " must be an integer or a list of integers, got " + n);
                }
                out.add(e.intValue());
            }
            return out;
        }

        /** A [low, high] dt clamp; absent means no clamp, [0, inf). */
        float[] limit(String key) {
            JsonNode n = root.get(key);
            if (n == null || n.isNull()) {
                return new float[] {0f, Float.POSITIVE_INFINITY};
            }
            if (!n.isArray() || n.size() != 2) {
                throw new ConfigException(key + " must be [low, high], got " + n);
            }
            return new float[] {(float) asDouble(key, n.get(0)), (float) asDouble(key, n.get(1))};
        }

        /** A number, the bare tokens Infinity/NaN, {"__float__": "Infinity"} or the strings "inf"/"Infinity". */
        private static double asDouble(String key, JsonNode n) {
            if (n.isNumber()) {
                return n.doubleValue();
            }
            if (n.isObject() && n.has("__float__")) {
                return asDouble(key, n.get("__float__"));
            }
            if (n.isTextual()) {
                switch (n.asText().toLowerCase(java.util.Locale.ROOT)) {
                    case "inf", "infinity", "+inf", "+infinity":
                        return Double.POSITIVE_INFINITY;
                    case "-inf", "-infinity":
                        return Double.NEGATIVE_INFINITY;
                    default:
                        try {
                            return Double.parseDouble(n.asText());
                        } catch (NumberFormatException e) {
                            // falls through to the error below
                        }
                }
            }
            throw new ConfigException(key + " must be a number, got " + n);
        }
    }
}
