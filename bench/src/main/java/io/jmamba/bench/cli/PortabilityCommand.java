package io.jmamba.bench.cli;

import io.jmamba.bench.portability.PortabilityCatalog;
import io.jmamba.bench.portability.PortabilityCheck;
import io.jmamba.bench.portability.PortabilityReport;
import io.jmamba.bench.report.JsonReport;
import io.jmamba.bench.scaling.Progress;
import io.jmamba.bench.scaling.SeriesCatalog;
import io.jmamba.bench.scaling.SweepConfig;
import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;
import io.jmamba.runtime.backend.Devices;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code jmamba portability}: on every device (or the one given with --device), each Mamba kernel's
 * outputs against the JVM reference and its time at a fixed shape; table + portability.json.
 */
final class PortabilityCommand implements Command {
    @Override
    public String name() {
        return "portability";
    }

    @Override
    public String summary() {
        return "conformance (max error vs the JVM reference) and time of each kernel on every device";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        BenchOptions o = BenchOptions.parse(args, name(), "Runs each Mamba kernel at a small shape on every device "
                + "and compares it with the JVM reference, then times it at L=" + PortabilityCatalog.TIMING_LENGTH
                + " (or --max-len if shorter); defaults: 3 runs, no extra warm-up, a 120 s time budget per device.",
                false, false, out);
        if (o == null) {
            return 0;
        }
        if (!o.dtype().equals(BenchOptions.DEFAULT_DTYPE)) {
            throw new UsageException("--dtype " + o.dtype() + " is not supported yet by portability: its cases run fp32", o.usage());
        }
        List<ComputeDevice> devices = o.device() != null ? List.of(DeviceChoice.resolve(o)) : DeviceMatrix.devices();
        devices.forEach(d -> o.noteCudaGraphs(d, err));
        ComputeDevice reference = Devices.find("jvm");
        long length = o.maxLength() != null ? Math.min(o.maxLength(), PortabilityCatalog.TIMING_LENGTH)
                : PortabilityCatalog.TIMING_LENGTH;
        SweepConfig config = new SweepConfig(o.warmup() != null ? o.warmup() : 0, o.runs() != null ? o.runs() : 3,
                o.timeBudgetSeconds() != null ? o.timeBudgetSeconds() : 120, ScalingCommand.MEMORY_FRACTION, o.dtype(),
                ("jmamba portability " + String.join(" ", args)).trim(), o.cudaGraphs());
        List<String> timedIds = PortabilityCatalog.timedSeries().stream().filter(SeriesCatalog.all()::containsKey).toList();
        PortabilityCheck check = new PortabilityCheck(PortabilityCatalog.cases(), SeriesCatalog.select(timedIds), length,
                config, new Progress(err));
        PortabilityReport report = check.run(devices, reference);
        Path outDir = o.out() != null ? o.out() : ScalingCommand.DEFAULT_OUT;
        Path json = outDir.resolve("portability.json");
        JsonReport.write(report, json);
        out.print(PortabilityCheck.format(report));
        out.println("wrote " + json);
        return report.allPassed() ? 0 : 1;
    }
}
