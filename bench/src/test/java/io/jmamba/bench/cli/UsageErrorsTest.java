package io.jmamba.bench.cli;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UsageErrorsTest {
    private record Bad(String what, String expectedMessage, String expectedUsage, String... args) {
    }

    private static final List<Bad> BAD = List.of(
            new Bad("unknown command", "unknown command \"frobnicate\"", "usage: jmamba <command>", "frobnicate"),
            new Bad("unknown benchmark", "unknown benchmark \"nosuch\"", "usage: jmamba bench", "bench", "nosuch"),
            new Bad("unknown option", "Unrecognized option: --bogus", "usage: jmamba bench scaling", "bench", "scaling", "--bogus"),
            new Bad("zero runs", "--runs must be at least 1, got 0", "usage: jmamba bench scaling", "bench", "--runs", "0"),
            new Bad("runs not a number", "--runs needs a whole number, got \"many\"", "--warmup", "bench", "--runs", "many"),
            new Bad("negative warmup", "--warmup must be at least 0", "usage: jmamba bench scaling", "bench", "--warmup=-1"),
            new Bad("fp16 not yet", "--dtype fp16 is not supported yet", "usage: jmamba bench scaling", "bench", "--dtype", "fp16"),
            new Bad("fp16 not yet in portability", "--dtype fp16 is not supported yet", "usage: jmamba portability", "portability", "--dtype", "fp16"),
            new Bad("portability runs fp32", "--dtype bf16 is not supported yet by portability", "usage: jmamba portability", "portability", "--dtype", "bf16"),
            new Bad("unknown series in bf16", "--series: unknown series \"nope-bf16\"", "--series", "bench", "scaling", "--dtype", "bf16", "--series", "nope-bf16"),
            new Bad("unknown dtype", "unknown --dtype \"fp64\"", "usage: jmamba bench kernels", "bench", "kernels", "--dtype", "fp64"),
            new Bad("bad length", "--max-len needs a length such as 4096, 16K or 1M, got \"12Q\"", "--max-len", "bench", "--max-len", "12Q"),
            new Bad("max below min", "--max-len 1024 is shorter than --min-len 4096", "--min-len", "bench", "--min-len", "4K", "--max-len", "1K"),
            new Bad("step 3", "--step must be 2 or 4, got 3", "--step", "bench", "--step", "3"),
            new Bad("bad budget", "--time-budget needs seconds such as 120, 90s or 5m, got \"soon\"", "--time-budget", "bench", "--time-budget", "soon"),
            new Bad("zero budget", "--time-budget must be a positive number of seconds", "--time-budget", "bench", "--time-budget", "0"),
            new Bad("missing value", "Missing argument for option: device", "--device", "bench", "--device"),
            new Bad("unknown series", "--series: unknown series \"nope\"", "--series", "bench", "scaling", "--series", "nope"),
            new Bad("series without shape", "--series: \"nope\" has no fixed shape", "usage: jmamba bench kernels", "bench", "kernels", "--series", "nope"),
            new Bad("unknown device", "--device nosuch: no device \"nosuch\"", "usage: jmamba bench scaling", "bench", "--device", "nosuch"),
            new Bad("stray argument", "unexpected argument(s) [extra]", "usage: jmamba bench scaling", "bench", "scaling", "extra"),
            new Bad("kernels has no --min-len", "Unrecognized option: --min-len", "usage: jmamba bench kernels", "bench", "kernels", "--min-len", "1K"),
            new Bad("portability has no --series", "Unrecognized option: --series", "usage: jmamba portability", "portability", "--series", "copy"),
            new Bad("devices takes no arguments", "unexpected argument(s) --all", "usage: jmamba devices", "devices", "--all"));

    @TestFactory
    Stream<DynamicTest> badCommandLinesExitTwoWithMessageAndUsageOnStderr() {
        return BAD.stream().map(b -> DynamicTest.dynamicTest(b.what(), () -> {
            CliRun r = CliRun.of(b.args());
            assertEquals(2, r.status(), r.err());
            assertTrue(r.err().contains(b.expectedMessage()), "stderr lacks \"" + b.expectedMessage() + "\":\n" + r.err());
            assertTrue(r.err().contains(b.expectedUsage()), "stderr lacks the usage \"" + b.expectedUsage() + "\":\n" + r.err());
            assertEquals("", r.out(), "nothing on stdout");
        }));
    }

    @TestFactory
    Stream<DynamicTest> helpOfEachCommandGoesToStdoutWithStatusZero() {
        return Stream.of(
                new String[] {"--help", "usage: jmamba <command>"},
                new String[] {"devices --help", "usage: jmamba devices"},
                new String[] {"bench --help", "usage: jmamba bench scaling"},
                new String[] {"bench scaling --help", "--time-budget"},
                new String[] {"bench kernels -h", "usage: jmamba bench kernels"},
                new String[] {"portability --help", "usage: jmamba portability"}).map(c -> DynamicTest.dynamicTest(c[0], () -> {
            CliRun r = CliRun.of(c[0].split(" "));
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().contains(c[1]), r.out());
        }));
    }

    @Test
    void topLevelHelpListsEveryCommand() {
        CliRun r = CliRun.of();
        assertEquals(0, r.status());
        for (String c : List.of("devices", "bench", "portability", "generate", "jit")) {
            assertTrue(r.out().contains("  " + c + " "), c + " missing from:\n" + r.out());
        }
    }
}
