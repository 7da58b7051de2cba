package io.jmamba.model.generate;

import io.jmamba.kernels.nn.Linear;
import io.jmamba.kernels.ssd.SsdScan;
import io.jmamba.model.config.Architecture;
import io.jmamba.model.config.ConfigParser;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.config.ModelPresets;
import io.jmamba.model.device.DeviceEngine;
import io.jmamba.model.device.KernelChoices;
import io.jmamba.model.device.KernelSet;
import io.jmamba.model.device.WeightPrecision;
import io.jmamba.model.inference.InferenceEngine;
import io.jmamba.model.reference.ReferenceEngine;
import io.jmamba.model.weights.Checkpoint;
import io.jmamba.model.weights.ModelWeights;
import io.jmamba.model.weights.RandomWeights;
import io.jmamba.model.weights.WeightLoader;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.Devices;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Model-level speed: prefill tokens/s at given prompt lengths and decode ms/step and tokens/s at
 * given batch sizes, with and without CUDA graphs, for a checkpoint or for random weights of the
 * 130M shapes ({@code --arch mamba1|mamba2 [--layers 24 --d-model 768]}).
 */
public final class ModelSpeedCommand {
    private ModelSpeedCommand() {
    }

    static Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("model").hasArg().argName("DIR").desc("checkpoint folder (else random weights)").build());
        o.addOption(Option.builder().longOpt("arch").hasArg().argName("A").desc("mamba1 or mamba2 (random weights; default mamba2)").build());
        o.addOption(Option.builder().longOpt("layers").hasArg().argName("N").desc("layers (random weights; default 24)").build());
        o.addOption(Option.builder().longOpt("d-model").hasArg().argName("D").desc("width (random weights; default 768)").build());
        o.addOption(Option.builder().longOpt("vocab").hasArg().argName("V").desc("vocabulary (random weights; default 50288)").build());
        o.addOption(Option.builder().longOpt("device").hasArg().argName("ID").desc("reference, jvm, opencl, cuda:0, ... (default: best)").build());
        o.addOption(Option.builder().longOpt("prefill").hasArg().argName("L,L").desc("prompt lengths (default 2048,16384)").build());
        o.addOption(Option.builder().longOpt("decode-batch").hasArg().argName("B,B").desc("decode batch sizes (default 1,64)").build());
        o.addOption(Option.builder().longOpt("steps").hasArg().argName("N").desc("timed decode steps (default 100)").build());
        o.addOption(Option.builder().longOpt("kernels").hasArg().argName("fast|portable").desc("kernels of the task-graph engine (default: fast, portable on the jvm backend)").build());
        o.addOption(Option.builder().longOpt("linear").hasArg().argName("auto|jit|cublas|cublas-tf32|cublas-gemv-tree").desc("linear layers of the fast kernels: jit (GEMV/tiled GEMM), cublas (GEMV for few rows, cuBLAS sgemm beyond; CUDA only), cublas-tf32 (the same on the tensor cores in TF32: faster, ~1e-3 relative error), cublas-gemv-tree (cublas with the first, tree-reduction GEMV: to time the warp GEMV against), auto (cublas on CUDA; default)").build());
        o.addOption(Option.builder().longOpt("transpose").hasArg().argName("tiled|plain").desc("prefill layout transposes of the fast kernels: tiled through local memory (default) or the plain @Parallel ones").build());
        o.addOption(Option.builder().longOpt("weights").hasArg().argName("fp32|bf16").desc("storage of the in_proj, out_proj and lm_head weights of the fast kernels: fp32 (default) or bf16 (rounded at load; fp32 activations and accumulation; prefill GEMMs on cuBLAS bf16 tensor cores)").build());
        o.addOption(Option.builder().longOpt("activations").hasArg().argName("fp32|bf16").desc("activations of the Mamba-2 prefill of the fast kernels: fp32 (default) or bf16 (x, dt, B, C, z and the SSD output in bf16, tensor-core SSD; use with --weights bf16)").build());
        o.addOption(Option.builder().longOpt("decode").hasArg().argName("fused|unfused|both").desc("Mamba-2 decode step of the fast kernels: fused kernels (3 launches per layer up to batch 4, 5 beyond), one kernel per op (default unfused), or both in one run").build());
        o.addOption(Option.builder().longOpt("cuda-graphs").hasArg().argName("on|off|both").desc("decode with CUDA graphs (default both)").build());
        return o;
    }

    /** Runs the command on standard output and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    public static int run(String[] args, PrintStream out) {
        CommandLine cl;
        try {
            cl = new DefaultParser().parse(options(), args);
        } catch (ParseException e) {
            out.println("model-speed: " + e.getMessage());
            new HelpFormatter().printHelp(new PrintWriter(out, true), 100, "model-speed [options]", null, options(), 2, 2, null);
            return 2;
        }
        try {
            ModelWeights weights;
            if (cl.hasOption("model")) {
                Path dir = Path.of(cl.getOptionValue("model"));
                MambaConfig c = ConfigParser.read(dir);
                weights = WeightLoader.load(c, Checkpoint.open(dir));
            } else {
                Architecture arch = cl.getOptionValue("arch", "mamba2").equalsIgnoreCase("mamba1")
                        ? Architecture.MAMBA1 : Architecture.MAMBA2;
                int layers = Integer.parseInt(cl.getOptionValue("layers", "24"));
                int dModel = Integer.parseInt(cl.getOptionValue("d-model", "768"));
                int vocab = Integer.parseInt(cl.getOptionValue("vocab", "50288"));
                MambaConfig c = arch == Architecture.MAMBA1 ? ModelPresets.mamba1(layers, dModel, vocab)
                        : ModelPresets.mamba2(layers, dModel, vocab);
                weights = RandomWeights.generate(c, 1234);
            }
            MambaConfig c = weights.config();
            int[] lengths = ints(cl.getOptionValue("prefill", "2048,16384"));
            int[] batches = ints(cl.getOptionValue("decode-batch", "1,64"));
            int steps = Integer.parseInt(cl.getOptionValue("steps", "100"));
            String graphs = cl.getOptionValue("cuda-graphs", "both");
            String deviceName = cl.getOptionValue("device");
            KernelSet chosen = cl.hasOption("kernels") ? GenerateCommand.kernelSet(cl.getOptionValue("kernels")) : null;
            boolean reference = "reference".equalsIgnoreCase(deviceName);
            ComputeDevice device = reference ? null : deviceName == null ? Devices.best() : Devices.find(deviceName);
            Linear.Path linear = reference ? null : linearPath(cl.getOptionValue("linear", "auto"), device);
            String transpose = cl.getOptionValue("transpose", "tiled");
            if (!transpose.equals("tiled") && !transpose.equals("plain")) {
                throw new IllegalArgumentException("--transpose must be tiled or plain, got \"" + transpose + "\"");
            }
            WeightPrecision precision = WeightPrecision.parse(cl.getOptionValue("weights", "fp32"));
            String decodeKind = cl.getOptionValue("decode", "unfused");
            if (!decodeKind.equals("fused") && !decodeKind.equals("unfused") && !decodeKind.equals("both")) {
                throw new IllegalArgumentException("--decode must be fused, unfused or both, got \"" + decodeKind + "\"");
            }
            String activations = cl.getOptionValue("activations", "fp32");
            if (!activations.equals("fp32") && !activations.equals("bf16")) {
                throw new IllegalArgumentException("--activations must be fp32 or bf16, got \"" + activations + "\"");
            }
            KernelChoices choices = linear == null ? null : new KernelChoices(linear, transpose.equals("tiled"), precision,
                    decodeKind.equals("fused"), activations.equals("bf16"), SsdScan.defaultFor(device));
            KernelSet kernels = chosen != null ? chosen : reference ? KernelSet.FAST : KernelSet.defaultFor(device);
            out.printf(Locale.ROOT, "model: %s, %d layers, d_model %d, d_state %d, vocab %d on %s%n", c.architecture(),
                    c.nLayer(), c.dModel(), c.dState(), c.vocabSize(), reference ? "reference" : device.id() + " (" + device.name() + "), " + kernels.name().toLowerCase(Locale.ROOT) + " kernels, linear " + linear.name().toLowerCase(Locale.ROOT) + ", " + transpose + " transposes, "
                    + precision.name().toLowerCase(Locale.ROOT) + " weights, " + decodeKind + " decode, " + activations + " prefill activations");
            printSwitches(out, device);
            try (InferenceEngine e = reference ? new ReferenceEngine(weights) : new DeviceEngine(weights, device, true, kernels).withChoices(choices)) {
                for (int len : lengths) {
                    ModelSpeed.Prefill p = ModelSpeed.prefill(e, 1, len, 2, 7);
                    out.printf(Locale.ROOT, "prefill %6d tokens: %10.2f ms  %12.0f tokens/s  (to last-token logits)%n", len, p.nanos() / 1e6,
                            p.tokensPerSecond());
                }
                if (!graphs.equals("off") && (reference || !decodeKind.equals("both"))) {
                    decode(out, e, batches, steps, reference || !device.backendName().equals("cuda") ? "" : " (CUDA graphs)");
                }
            }
            if (!reference && decodeKind.equals("both")) {
                // the decode step both ways in one run, each with its own engine (the choice is fixed per engine)
                for (boolean fused : new boolean[] {false, true}) {
                    String how = fused ? ", fused" : ", unfused";
                    if (!graphs.equals("off")) {
                        try (InferenceEngine e = new DeviceEngine(weights, device, true, kernels).withChoices(choices.withFusedDecode(fused))) {
                            decode(out, e, batches, steps, device.backendName().equals("cuda") ? " (CUDA graphs" + how + ")" : " (" + how.substring(2) + ")");
                        }
                    }
                    if (device.backendName().equals("cuda") && !graphs.equals("on")) {
                        try (InferenceEngine e = new DeviceEngine(weights, device, false, kernels).withChoices(choices.withFusedDecode(fused))) {
                            decode(out, e, batches, steps, " (no CUDA graphs" + how + ")");
                        }
                    }
                }
            } else if (!reference && device.backendName().equals("cuda") && !graphs.equals("on")) {
                try (InferenceEngine e = new DeviceEngine(weights, device, false, kernels).withChoices(choices)) {
                    decode(out, e, batches, steps, " (no CUDA graphs)");
                }
            }
            return 0;
        } catch (IllegalArgumentException e) {
            out.println("model-speed: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            out.println("model-speed: " + e);
            return 1;
        }
    }

    private static void decode(PrintStream out, InferenceEngine e, int[] batches, int steps, String what) {
        for (int b : batches) {
            ModelSpeed.Decode d = ModelSpeed.decode(e, b, steps, 5, 11);
            out.printf(Locale.ROOT, "decode batch %3d%s: %8.3f ms/step  %12.0f tokens/s%n", b, what, d.millisPerStep(),
                    d.tokensPerSecond());
        }
    }

    /** --linear: auto picks cuBLAS on CUDA; jit keeps the JIT GEMV/GEMM; cublas insists on CUDA. */
    static Linear.Path linearPath(String name, ComputeDevice device) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "auto" -> Linear.Path.autoFor(device);
            case "jit" -> Linear.Path.AUTO;
            case "cublas", "cublas-tf32", "cublas-gemv-tree" -> {
                if (!device.backendName().equals("cuda")) {
                    throw new IllegalArgumentException("--linear " + name + " needs a CUDA device, not " + device.id());
                }
                yield switch (name.toLowerCase(Locale.ROOT)) {
                    case "cublas" -> Linear.Path.AUTO_CUBLAS;
                    case "cublas-tf32" -> Linear.Path.AUTO_CUBLAS_TF32;
                    default -> Linear.Path.AUTO_CUBLAS_GEMV_TREE;
                };
            }
            default -> throw new IllegalArgumentException("--linear must be auto, jit, cublas, cublas-tf32 or cublas-gemv-tree, got \"" + name + "\"");
        };
    }

    /**
     * The -Djmamba.* properties of this run and whether CUDA launches use programmatic dependent launch, so that
     * before/after runs of one build say which variant they timed.
     */
    private static void printSwitches(PrintStream out, ComputeDevice device) {
        java.util.List<String> set = new java.util.ArrayList<>();
        for (String name : new java.util.TreeSet<>(System.getProperties().stringPropertyNames())) {
            if (name.startsWith("jmamba.")) {
                set.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        String pdl = device instanceof io.jmamba.runtime.backend.cuda.CudaDevice cuda
                ? ", programmatic dependent launch " + (io.jmamba.runtime.backend.cuda.CudaSession.programmaticLaunchesOn(cuda) ? "on" : "off")
                : "";
        // which form -Djmamba.decode.persistent=true takes here (batch 1-2, bf16 weights): one launch or three per layer
        String mode = System.getProperty("jmamba.decode.persistent");
        String persistent = "phases".equals(mode) ? ", persistent decode three phase launches per layer (asked for)"
                : "true".equals(mode) || "pair".equals(mode) || "quad".equals(mode)
                ? ", persistent decode " + (io.jmamba.kernels.fused.PersistentDecode.formFor(device)
                == io.jmamba.kernels.fused.PersistentDecode.Form.LAYER
                ? ("pair".equals(mode) ? "one launch per two layers" : "quad".equals(mode) ? "one launch per four layers"
                : "one launch per layer") + " (grid barriers, at most "
                + io.jmamba.kernels.fused.PersistentDecode.layerGroupLimit(device) + " work-groups)"
                : "three phase launches per layer (no grid barrier on " + device.id() + ")")
                : "";
        out.printf(Locale.ROOT, "switches: %s%s%s%n", set.isEmpty() ? "none" : String.join(" ", set), pdl, persistent);
    }

    private static int[] ints(String s) {
        return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }
}
