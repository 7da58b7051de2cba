package io.jmamba.model.inference;

import io.jmamba.model.MambaModel;
import io.jmamba.model.device.KernelSet;
import io.jmamba.model.generate.GenerationOptions;
import io.jmamba.model.generate.TokenListener;
import io.jmamba.model.testing.Golden;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * What every engine must satisfy, checked on each engine the tests can make: golden logits,
 * greedy continuation, prefill-then-decode equal to the full forward at every position, and a batch
 * equal to each of its sequences alone (also with sequences of different lengths).
 */
class EngineContractTest {
    /** An engine to test: a device ("reference", "jvm", "opencl:0:0", ...) and the kernels it is built from. */
    record Engine(String device, KernelSet kernels) {
        MambaModel load(Path dir) {
            return MambaModel.load(dir, device, kernels);
        }

        @Override
        public String toString() {
            return device.equals("reference") ? device : device + " (" + kernels.name().toLowerCase(java.util.Locale.ROOT) + ")";
        }
    }

    /**
     * The reference, and the task-graph engine with its portable kernels on the JVM backend. The fast
     * kernels run on the compiled devices in {@link CompiledEngineContractTest} and on the JVM backend
     * in {@link JvmFastEngineContractTest} (slow there: their work-groups run as threads).
     */
    @TestFactory
    List<DynamicTest> contract() {
        return contract(List.of(new Engine("reference", KernelSet.FAST), new Engine("jvm", KernelSet.PORTABLE)));
    }

    static List<DynamicTest> contract(List<Engine> engines) {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : List.of("mamba-tiny", "mamba2-tiny")) {
            for (Engine device : engines) {
                String n = model + " on " + device + ": ";
                tests.add(dynamicTest(n + "golden logits", () -> goldenLogits(model, device)));
                tests.add(dynamicTest(n + "prefill then decode equals full forward", () -> prefillThenDecode(model, device)));
                tests.add(dynamicTest(n + "batch equals each sequence alone", () -> batchEqualsAlone(model, device)));
                tests.add(dynamicTest(n + "greedy continuation", () -> greedy(model, device)));
                tests.add(dynamicTest(n + "greedy steps mixed with logits steps", () -> greedySteps(model, device)));
            }
        }
        return tests;
    }

    static void goldenLogits(String model, Engine device) {
        Golden g = Golden.load(model);
        try (MambaModel m = device.load(g.modelDir())) {
            Golden.assertLogitsClose(model + " on " + device, g.logits(), m.forward(g.inputIds()));
        }
    }

    static void greedy(String model, Engine device) {
        Golden g = Golden.load(model);
        try (MambaModel m = device.load(g.modelDir())) {
            int[] got = m.generate(g.inputIds()[0], GenerationOptions.greedy(g.greedyIds().length), TokenListener.NONE)
                    .tokens()[0];
            assertArrayEquals(g.greedyIds(), got, model + " on " + device);
        }
    }

    /**
     * Greedy steps (argmax where the logits are; the next step reuses ids already on the device), a
     * logits step in between, and a greedy step fed other tokens, against the reference doing the same.
     */
    static void greedySteps(String model, Engine device) {
        Golden g = Golden.load(model);
        int[][] prompt = {Arrays.copyOf(g.inputIds()[0], 10), Arrays.copyOf(g.inputIds()[1], 10)};
        try (MambaModel ref = MambaModel.load(g.modelDir(), "reference"); MambaModel m = device.load(g.modelDir())) {
            InferenceEngine r = ref.engine();
            InferenceEngine e = m.engine();
            InferenceState rs = r.newState(2);
            InferenceState es = e.newState(2);
            r.prefill(rs, prompt, false);
            e.prefill(es, prompt, false);
            int[] feed = {g.inputIds()[0][10], g.inputIds()[1][10]};
            int[] want = r.decodeGreedy(rs, feed);
            int[] got = e.decodeGreedy(es, feed);
            assertArrayEquals(want, got, "first greedy step");
            assertArrayEquals(r.decodeGreedy(rs, want), e.decodeGreedy(es, got), "greedy step from ids on the device");
            int[] other = {7, 9};
            float[][] wantLogits = r.decode(rs, other);
            float[][] gotLogits = e.decode(es, other);
            Golden.assertLogitsClose("logits step", new float[][][] {wantLogits}, new float[][][] {gotLogits});
            assertArrayEquals(r.decodeGreedy(rs, new int[] {3, 4}), e.decodeGreedy(es, new int[] {3, 4}), "greedy after logits");
            assertArrayEquals(r.decodeGreedy(rs, new int[] {5, 6}), e.decodeGreedy(es, new int[] {5, 6}), "greedy, new ids");
        }
    }

    static void prefillThenDecode(String model, Engine device) {
        Golden g = Golden.load(model);
        try (MambaModel m = device.load(g.modelDir())) {
            InferenceEngine e = m.engine();
            int[] ids = g.inputIds()[1];
            float[][][] full = e.prefill(e.newState(1), new int[][] {ids}, true);
            // split 1: every later position by decode; split 17: a prefill longer than the chunk of 16
            for (int split : new int[] {1, 17}) {
                InferenceState s = e.newState(1);
                float[][][] got = new float[1][ids.length][];
                float[][][] pre = e.prefill(s, new int[][] {Arrays.copyOf(ids, split)}, true);
                System.arraycopy(pre[0], 0, got[0], 0, split);
                for (int t = split; t < ids.length; t++) {
                    got[0][t] = e.decode(s, new int[] {ids[t]})[0];
                }
                Golden.assertLogitsClose(model + " split at " + split, full, got);
            }
            // a second prefill continues from the state like decode does
            InferenceState s = e.newState(1);
            e.prefill(s, new int[][] {Arrays.copyOf(ids, 10)}, false);
            float[][][] rest = e.prefill(s, new int[][] {Arrays.copyOfRange(ids, 10, ids.length)}, true);
            Golden.assertLogitsClose(model + " prefill in two parts",
                    new float[][][] {Arrays.copyOfRange(full[0], 10, ids.length)}, rest);
        }
    }

    static void batchEqualsAlone(String model, Engine device) {
        Golden g = Golden.load(model);
        try (MambaModel m = device.load(g.modelDir())) {
            InferenceEngine e = m.engine();
            int[][] ragged = {g.inputIds()[0], Arrays.copyOf(g.inputIds()[1], 9), Arrays.copyOf(g.inputIds()[0], 24)};
            float[][][] batch = e.prefill(e.newState(3), ragged, true);
            for (int b = 0; b < ragged.length; b++) {
                float[][][] alone = e.prefill(e.newState(1), new int[][] {ragged[b]}, true);
                Golden.assertLogitsClose(model + " sequence " + b, alone, new float[][][] {batch[b]});
            }
            InferenceState s = e.newState(2);
            e.prefill(s, new int[][] {ragged[0], ragged[1]}, false);
            float[][] step = e.decode(s, new int[] {5, 6});
            InferenceState s0 = e.newState(1);
            e.prefill(s0, new int[][] {ragged[1]}, false);
            float[][] alone = e.decode(s0, new int[] {6});
            Golden.assertLogitsClose(model + " decode in a batch", new float[][][] {{alone[0]}}, new float[][][] {{step[1]}});
        }
    }
}
