package io.jmamba.bench.cli;

import io.jmamba.runtime.backend.Backend;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.Devices;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

import java.io.PrintStream;
import java.util.Locale;

/** {@code jmamba devices}: every backend, its devices, and for an unavailable backend why. */
final class DevicesCommand implements Command {
    @Override
    public String name() {
        return "devices";
    }

    @Override
    public String summary() {
        return "list every backend and device found (and why a backend is unavailable)";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Options options = new Options();
        options.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        String usage = BenchOptions.usage(name(), "Lists the backends (CUDA, OpenCL, JVM) and their devices.", options);
        if (args.length == 1 && Main.isHelp(args[0])) {
            out.print(usage);
            return 0;
        }
        if (args.length > 0) {
            throw new UsageException("unexpected argument(s) " + String.join(" ", args), usage);
        }
        ComputeDevice best = null;
        try {
            best = Devices.best();
        } catch (RuntimeException e) {
            err.println("no default device: " + e.getMessage());
        }
        for (Backend b : Devices.backends()) {
            if (b.devices().isEmpty()) {
                out.printf(Locale.ROOT, "%s: unavailable: %s%n", b.name(), b.unavailableReason().orElse("no device found"));
                continue;
            }
            out.printf(Locale.ROOT, "%s: %d device%s%n", b.name(), b.devices().size(), b.devices().size() == 1 ? "" : "s");
            for (ComputeDevice d : b.devices()) {
                boolean isDefault = best != null && best.id().equals(d.id());
                out.printf(Locale.ROOT, "  %-12s %-4s %s%s%n", d.id(), d.kind().name().toLowerCase(Locale.ROOT), d.name(),
                        isDefault ? "   [default]" : "");
                out.printf(Locale.ROOT, "  %-12s      %s%n", "", d.description());
            }
        }
        return 0;
    }
}
