package io.jmamba.model.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigParserTest {
    private static Path fixture(String name) throws Exception {
        return Path.of(ConfigParserTest.class.getResource("/fixtures/models/" + name).toURI());
    }

    @Test
    void readsHfMamba1Fixture() throws Exception {
        MambaConfig c = ConfigParser.read(fixture("mamba-tiny"));
        assertEquals(Architecture.MAMBA1, c.architecture());
        assertEquals(64, c.dModel());
        assertEquals(3, c.nLayer());
        assertEquals(512, c.vocabSize());
        assertEquals(16, c.dState());
        assertEquals(4, c.dConv());
        assertEquals(128, c.dInner());
        assertEquals(4, c.dtRank());
        assertEquals(256, c.inProjRows());
        assertEquals(36, c.xProjRows());
        assertFalse(c.useBias());
        assertTrue(c.useConvBias());
        assertTrue(c.tieEmbeddings());
        assertEquals(1e-5f, c.normEps());
        assertEquals(List.of(0), c.eosTokenIds());
    }

    @Test
    void readsHfMamba2FixtureWithWrappedInfinity() throws Exception {
        MambaConfig c = ConfigParser.read(fixture("mamba2-tiny"));
        assertEquals(Architecture.MAMBA2, c.architecture());
        assertEquals(8, c.nHeads());
        assertEquals(16, c.headDim());
        assertEquals(2, c.nGroups());
        assertEquals(16, c.chunkSize());
        assertEquals(0f, c.dtLimitLow());
        assertEquals(Float.POSITIVE_INFINITY, c.dtLimitHigh());
        assertEquals(328, c.inProjRows());
        assertEquals(192, c.convChannels());
        assertEquals(List.of(2), c.eosTokenIds());
    }

    @Test
    void bareInfinityTokenIsAccepted() {
        MambaConfig c = ConfigParser.parse("""
                {"model_type": "mamba2", "hidden_size": 64, "num_hidden_layers": 2, "vocab_size": 100,
                 "head_dim": 16, "num_heads": 8, "n_groups": 1, "state_size": 8,
                 "time_step_limit": [0.001, Infinity], "eos_token_id": [1, 5]}""");
        assertEquals(0.001f, c.dtLimitLow());
        assertEquals(Float.POSITIVE_INFINITY, c.dtLimitHigh());
        assertEquals(List.of(1, 5), c.eosTokenIds());
        assertFalse(c.tieEmbeddings(), "transformers' Mamba2Config does not tie by default");
    }

    @Test
    void finiteLimitAndBiasesAndSeparateHead() {
        MambaConfig c = ConfigParser.parse("""
                {"model_type": "mamba2", "hidden_size": 32, "num_hidden_layers": 1, "vocab_size": 10,
                 "head_dim": 8, "n_groups": 2, "state_size": 4, "chunk_size": 8, "use_bias": true,
                 "use_conv_bias": false, "tie_word_embeddings": false, "time_step_limit": [0.0, 0.5]}""");
        assertEquals(8, c.nHeads(), "num_heads defaults to expand * hidden_size / head_dim");
        assertEquals(0.5f, c.dtLimitHigh());
        assertTrue(c.useBias());
        assertFalse(c.useConvBias());
        assertFalse(c.tieEmbeddings());
    }

    @Test
    void hfMamba1AutoRankAndDefaults() {
        MambaConfig c = ConfigParser.parse("""
                {"model_type": "mamba", "hidden_size": 768, "num_hidden_layers": 24, "vocab_size": 50280,
                 "time_step_rank": "auto"}""");
        assertEquals(48, c.dtRank());
        assertEquals(1536, c.dInner());
        assertEquals(16, c.dState());
        assertEquals(50280, c.vocabSize(), "transformers uses vocab_size as the embedding rows");
    }

    @Test
    void mambaSsmMamba2FormatPadsVocab() {
        MambaConfig c = ConfigParser.parse("""
                {"d_model": 768, "d_intermediate": 0, "n_layer": 24, "vocab_size": 50277,
                 "ssm_cfg": {"layer": "Mamba2"}, "attn_layer_idx": [], "attn_cfg": {}, "rms_norm": true,
                 "residual_in_fp32": true, "fused_add_norm": true, "pad_vocab_size_multiple": 16,
                 "tie_embeddings": true}""");
        assertEquals(Architecture.MAMBA2, c.architecture());
        assertEquals(50288, c.vocabSize());
        assertEquals(128, c.dState());
        assertEquals(64, c.headDim());
        assertEquals(24, c.nHeads());
        assertEquals(1, c.nGroups());
        assertEquals(256, c.chunkSize());
        assertEquals(Float.POSITIVE_INFINITY, c.dtLimitHigh());
    }

    @Test
    void mambaSsmMamba1FormatWithSsmCfg() {
        MambaConfig c = ConfigParser.parse("""
                {"d_model": 64, "n_layer": 2, "vocab_size": 500, "pad_vocab_size_multiple": 8,
                 "ssm_cfg": {"d_state": 8, "d_conv": 3, "expand": 3, "dt_rank": 5}, "tie_embeddings": false}""");
        assertEquals(Architecture.MAMBA1, c.architecture(), "no ssm_cfg.layer means Mamba1");
        assertEquals(504, c.vocabSize());
        assertEquals(8, c.dState());
        assertEquals(3, c.dConv());
        assertEquals(192, c.dInner());
        assertEquals(5, c.dtRank());
        assertFalse(c.tieEmbeddings());
    }

    @Test
    void mambaSsmMamba2GroupsHeaddimChunk() {
        MambaConfig c = ConfigParser.parse("""
                {"d_model": 64, "n_layer": 2, "vocab_size": 512,
                 "ssm_cfg": {"layer": "Mamba2", "d_state": 16, "headdim": 16, "ngroups": 2, "chunk_size": 32,
                             "dt_limit": [0.0, 0.2]}}""");
        assertEquals(8, c.nHeads());
        assertEquals(2, c.nGroups());
        assertEquals(32, c.chunkSize());
        assertEquals(0.2f, c.dtLimitHigh());
    }

    @Test
    void unknownModelTypeIsNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parse("{\"model_type\": \"falcon_mamba\", \"hidden_size\": 4}"));
        assertTrue(e.getMessage().contains("falcon_mamba"), e.getMessage());
    }

    @Test
    void unknownSsmLayerIsNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parse("{\"d_model\": 8, \"n_layer\": 1, \"ssm_cfg\": {\"layer\": \"Mamba3\"}}"));
        assertTrue(e.getMessage().contains("Mamba3"), e.getMessage());
    }

    @Test
    void neitherFormatIsExplained() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse("{\"hidden\": 3}"));
        assertTrue(e.getMessage().contains("model_type"), e.getMessage());
    }

    @Test
    void badJsonAndBadTypesAreReported() {
        assertTrue(assertThrows(ConfigException.class, () -> ConfigParser.parse("{\"model_type\": "))
                .getMessage().contains("not valid JSON"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigParser.parse("{\"model_type\": \"mamba\", \"hidden_size\": \"big\"}"));
        assertTrue(e.getMessage().contains("hidden_size"), e.getMessage());
    }

    @Test
    void inconsistentHeadsAreRejected() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse("""
                {"model_type": "mamba2", "hidden_size": 64, "head_dim": 16, "num_heads": 6, "n_groups": 1}"""));
        assertTrue(e.getMessage().contains("num_heads * head_dim"), e.getMessage());
    }

    @Test
    void unsupportedFeaturesAreRejectedByName() {
        assertTrue(assertThrows(ConfigException.class, () -> ConfigParser.parse(
                "{\"d_model\": 8, \"n_layer\": 1, \"attn_layer_idx\": [1]}")).getMessage().contains("attn_layer_idx"));
        assertTrue(assertThrows(ConfigException.class, () -> ConfigParser.parse(
                "{\"d_model\": 8, \"n_layer\": 1, \"d_intermediate\": 32}")).getMessage().contains("d_intermediate"));
    }

    @Test
    void missingConfigFileIsNamed(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.read(dir));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void readErrorNamesTheFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"rwkv\"}");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.read(dir));
        assertTrue(e.getMessage().contains("rwkv") && e.getMessage().contains("config.json"), e.getMessage());
    }
}
