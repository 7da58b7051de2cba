package io.jmamba.model.generate;

import io.jmamba.model.MambaModel;
import io.jmamba.model.config.MambaConfig;
import io.jmamba.model.device.KernelSet;
import io.jmamba.model.tokenizer.BpeTokenizer;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * {@code jmamba generate}: loads a model folder, generates from token ids ({@code --ids}) or text
 * ({@code --prompt}, with the folder's tokenizer.json), streams the new tokens and prints prefill and
 * decode speed. Called by the bench module's CLI.
 */
public final class GenerateCommand {
    private GenerateCommand() {
    }

    static Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("model").hasArg().argName("DIR").desc("model folder (config.json, *.safetensors)").build());
        o.addOption(Option.builder().longOpt("ids").hasArg().argName("1,2,3").desc("prompt token ids").build());
        o.addOption(Option.builder().longOpt("prompt").hasArg().argName("TEXT").desc("prompt text (needs tokenizer.json)").build());
        o.addOption(Option.builder().longOpt("max-new-tokens").hasArg().argName("N").desc("new tokens per sequence (default 32)").build());
        o.addOption(Option.builder().longOpt("temperature").hasArg().argName("T").desc("0 = greedy (default)").build());
        o.addOption(Option.builder().longOpt("top-k").hasArg().argName("K").desc("sample from the K most likely (0 = all)").build());
        o.addOption(Option.builder().longOpt("top-p").hasArg().argName("P").desc("nucleus sampling threshold (default 1)").build());
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("sampler seed (default 0)").build());
        o.addOption(Option.builder().longOpt("device").hasArg().argName("ID").desc("reference, jvm, opencl, cuda, cuda:0, ... (default: best)").build());
        o.addOption(Option.builder().longOpt("kernels").hasArg().argName("fast|portable").desc("kernels of the task-graph engine (default: fast, portable on the jvm backend)").build());
        o.addOption(Option.builder().longOpt("stop").hasArg().argName("IDS").desc("stop token ids (default: the config's eos_token_id)").build());
        o.addOption(Option.builder().longOpt("no-stop").desc("do not stop at the eos token").build());
        o.addOption(Option.builder().longOpt("no-warmup").desc("time the first run too (kernel compilation, weight upload)").build());
        o.addOption(Option.builder().longOpt("batch").hasArg().argName("B").desc("run B copies of the prompt together (default 1)").build());
        o.addOption(Option.builder("h").longOpt("help").desc("this help").build());
        return o;
    }

    /** Runs the command on standard output and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the command; returns the exit status (0 ok, 1 failure, 2 usage error). */
    public static int run(String[] args, PrintStream out) {
        Options options = options();
        CommandLine cl;
        try {
            cl = new DefaultParser().parse(options, args);
        } catch (ParseException e) {
            out.println("generate: " + e.getMessage());
            usage(options, out);
            return 2;
        }
        if (cl.hasOption("help")) {
            usage(options, out);
            return 0;
        }
        if (!cl.hasOption("model") || cl.hasOption("ids") == cl.hasOption("prompt")) {
            out.println("generate: needs --model DIR and exactly one of --ids or --prompt");
            usage(options, out);
            return 2;
        }
        Path dir = Path.of(cl.getOptionValue("model"));
        GenerationOptions gen;
        int[] ids = null;
        int batch;
        KernelSet kernels;
        try {
            kernels = cl.hasOption("kernels") ? kernelSet(cl.getOptionValue("kernels")) : null;
            gen = new GenerationOptions(intOpt(cl, "max-new-tokens", 32), doubleOpt(cl, "temperature", 0),
                    intOpt(cl, "top-k", 0), doubleOpt(cl, "top-p", 1), longOpt(cl, "seed", 0), Set.of());
            batch = intOpt(cl, "batch", 1);
            if (batch < 1) {
                throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
            }
            if (cl.hasOption("ids")) {
                ids = parseIds("--ids", cl.getOptionValue("ids"));
            } else if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
                out.println("generate: --prompt needs " + dir.resolve("tokenizer.json") + ", which does not exist; use --ids");
                return 2;
            }
        } catch (IllegalArgumentException e) {
            out.println("generate: " + e.getMessage());
            return 2;
        }
        try (MambaModel model = MambaModel.load(dir, cl.getOptionValue("device"), kernels)) {
            MambaConfig c = model.config();
            BpeTokenizer tok = model.tokenizer().orElse(null);
            if (ids == null) {
                ids = tok.encode(cl.getOptionValue("prompt"));
                if (ids.length == 0) {
                    out.println("generate: the prompt encodes to no tokens");
                    return 2;
                }
            }
            Set<Integer> stop = new HashSet<>();
            if (cl.hasOption("stop")) {
                Arrays.stream(parseIds("--stop", cl.getOptionValue("stop"))).forEach(stop::add);
            } else if (!cl.hasOption("no-stop")) {
                stop.addAll(c.eosTokenIds());
            }
            gen = gen.withStopTokens(stop);
            out.printf("model: %s (%s, %d layers, d_model %d, vocab %d) on %s%n", dir, c.architecture(), c.nLayer(),
                    c.dModel(), c.vocabSize(), model.engine().deviceDescription());
            out.printf("prompt: %d tokens x batch %d%n", ids.length, batch);
            int[][] prompts = new int[batch][];
            Arrays.fill(prompts, ids);
            if (!cl.hasOption("no-warmup") && gen.maxNewTokens() > 0) {
                Generator.warmUp(model.engine(), prompts, gen);
            }
            StreamPrinter printer = new StreamPrinter(out, tok, batch == 1);
            if (tok != null && batch == 1) {
                out.print(tok.decode(ids, false));
            }
            GenerationResult r = model.generate(prompts, gen, printer);
            printer.finish(r);
            out.println(r.speedReport());
            return 0;
        } catch (RuntimeException e) {
            out.println("generate: " + e.getMessage());
            return 1;
        }
    }

    /** Prints tokens as they come (batch 1), text when there is a tokenizer, else ids. */
    private static final class StreamPrinter implements TokenListener {
        private final PrintStream out;
        private final BpeTokenizer tok;
        private final boolean stream;
        private final java.util.List<Integer> seen = new java.util.ArrayList<>();
        private String printed = "";

        StreamPrinter(PrintStream out, BpeTokenizer tok, boolean stream) {
            this.out = out;
            this.tok = tok;
            this.stream = stream;
        }

        @Override
        public void onToken(int sequence, int token) {
            if (!stream) {
                return;
            }
            seen.add(token);
            if (tok == null) {
                out.print(seen.size() == 1 ? "new ids: " + token : "," + token);
            } else {
                // decode everything so far: a character split over tokens prints once it is whole
                String text = tok.decode(seen.stream().mapToInt(Integer::intValue).toArray(), false);
                if (!text.endsWith("\uFFFD") && text.startsWith(printed)) {
                    out.print(text.substring(printed.length()));
                    printed = text;
                }
            }
            out.flush();
        }

        void finish(GenerationResult r) {
            if (stream) {
                out.println();
                return;
            }
            for (int b = 0; b < r.tokens().length; b++) {
                int[] t = r.tokens()[b];
                out.println("sequence " + b + ": " + (tok == null
                        ? Arrays.toString(t) : tok.decode(t, false)));
            }
        }
    }

    static KernelSet kernelSet(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "fast" -> KernelSet.FAST;
            case "portable" -> KernelSet.PORTABLE;
            default -> throw new IllegalArgumentException("--kernels must be fast or portable, got \"" + name + "\"");
        };
    }

    private static int[] parseIds(String what, String text) {
        try {
            return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be comma-separated integers, got \"" + text + "\"");
        }
    }

    private static int intOpt(CommandLine cl, String name, int fallback) {
        if (!cl.hasOption(name)) {
            return fallback;
        }
        try {
            return Integer.parseInt(cl.getOptionValue(name).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer, got \"" + cl.getOptionValue(name) + "\"");
        }
    }

    private static long longOpt(CommandLine cl, String name, long fallback) {
        if (!cl.hasOption(name)) {
            return fallback;
        }
        try {
            return Long.parseLong(cl.getOptionValue(name).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer, got \"" + cl.getOptionValue(name) + "\"");
        }
    }

    private static double doubleOpt(CommandLine cl, String name, double fallback) {
        if (!cl.hasOption(name)) {
            return fallback;
        }
        try {
            return Double.parseDouble(cl.getOptionValue(name).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number, got \"" + cl.getOptionValue(name) + "\"");
        }
    }

    private static void usage(Options options, PrintStream out) {
        PrintWriter w = new PrintWriter(out, true);
        new HelpFormatter().printHelp(w, 100, "jmamba generate --model DIR (--ids 1,2,3 | --prompt TEXT) [options]",
                null, options, 2, 2, null);
        w.flush();
    }
}
