package io.jmamba.runtime.fuzz;

import io.jmamba.runtime.backend.ComputeDevice;
import io.jmamba.runtime.backend.DeviceMatrix;

import java.util.List;

/**
 * Runs the differential fuzzer for any number of programs, outside JUnit:
 * {@code FuzzMain [--seed S] [--first K] [--count N] [--batch B] [--form 1d|2d|ctx|mixed] [--print]}. Prints each mismatch (with
 * the program and the flags that rerun it) and exits with status 1 if there was any. {@code --print}
 * only prints the generated batch sources.
 */
public final class FuzzMain {
    private FuzzMain() {
    }

    public static void main(String[] argv) {
        long seed = FuzzSettings.DEFAULT_SEED;
        int first = 0;
        int count = 1000;
        int batch = 25;
        boolean print = false;
        String form = "mixed";
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "--seed" -> seed = Long.decode(argv[++i]);
                case "--first" -> first = Integer.parseInt(argv[++i]);
                case "--count" -> count = Integer.parseInt(argv[++i]);
                case "--batch" -> batch = Integer.parseInt(argv[++i]);
                case "--print" -> print = true;
                case "--form" -> form = argv[++i];
                default -> {
                    System.err.println("usage: FuzzMain [--seed S] [--first K] [--count N] [--batch B] [--form 1d|2d|ctx|mixed] [--print]");
                    System.exit(2);
                }
            }
        }
        FuzzSettings s = new FuzzSettings(seed, first, count, batch, form);
        if (print) {
            s.batches().forEach(b -> System.out.println(b.source));
            return;
        }
        List<ComputeDevice> devices = DeviceMatrix.devices();
        ComputeDevice jvm = DeviceMatrix.reference().orElseThrow(() -> new IllegalStateException("no JVM backend, the reference"));
        int failures = 0;
        int programs = 0;
        for (FuzzBatch b : s.batches()) {
            Object[] direct = b.runDirectly();
            Object[] ref = b.runOn(jvm);
            for (ComputeDevice d : devices) {
                Object[] act;
                try {
                    act = d == jvm ? ref : b.runOn(d);
                } catch (RuntimeException e) {
                    failures += b.programs.size();
                    System.out.println(FuzzReport.failure(s, b, d, e));
                    continue;
                }
                for (int p = 0; p < b.programs.size(); p++) {
                    String diff = d == jvm ? b.compare(p, direct, ref) : b.compare(p, ref, act);
                    if (diff != null) {
                        failures++;
                        System.out.println(FuzzReport.mismatch(s, b, p, d, diff));
                    }
                }
            }
            programs += b.programs.size();
            System.out.printf("%d programs, %d failures so far%n", programs, failures);
        }
        System.out.printf("done: %d programs on %s, %d failures%n", programs, devices.stream().map(ComputeDevice::id).toList(), failures);
        System.exit(failures == 0 ? 0 : 1);
    }
}
