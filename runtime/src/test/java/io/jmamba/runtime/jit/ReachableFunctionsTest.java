package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.FloatArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generated C holds only the device functions the kernel calls. The translator interprets a loop body first with
 * the state on entry (here {@code k == 0}, a constant, which specialises the helper for 0) and again once the back
 * edge has made {@code k} vary; the copies made on the first pass are then called by nothing and are not emitted.
 */
class ReachableFunctionsTest {
    public static void loopCarriedArgument(FloatArray out) {
        int k = 0;
        for (int i = 0; i < 4; i++) {
            out.set(i, scaled(out.get(i), k));
            k += 3;
        }
    }

    /** Called with k == 0 on the first pass over the loop (a copy specialised for 0), then with a varying k. */
    static float scaled(float x, int k) {
        return x * twice(k);
    }

    /** Its copy for 0 is called only from scaled's copy for 0: unreachable through that one. */
    static int twice(int k) {
        return k + k;
    }

    /** A function definition at the start of a line: qualifiers, return type, name, parameter list, body. */
    private static final Pattern DEFINITION = Pattern.compile("(?m)^[^\\s/#*][^(\\n]*?\\b(\\w+)\\([^\\n]*\\) \\{$");

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void everyEmittedDeviceFunctionIsCalled(Dialect dialect) {
        Method m = Arrays.stream(ReachableFunctionsTest.class.getDeclaredMethods())
                .filter(x -> x.getName().equals("loopCarriedArgument")).findFirst().orElseThrow();
        GeneratedKernel k = KernelJit.compile(m, Map.of(), dialect);
        String s = k.source();
        List<String> defined = new ArrayList<>();
        Matcher d = DEFINITION.matcher(s);
        while (d.find()) {
            defined.add(d.group(1));
        }
        assertTrue(defined.contains(k.entryName()), "the kernel is found among " + defined + " in\n" + s);
        List<String> translated = defined.stream().filter(n -> n.startsWith("ReachableFunctionsTest_")).toList();
        // one copy each of scaled and twice: the ones for the varying k
        assertEquals(3, translated.size(), "kernel, scaled and twice only, not " + translated + " in\n" + s);
        for (String name : defined) {
            if (name.equals(k.entryName())) {
                continue;
            }
            Matcher uses = Pattern.compile("\\b" + name + "\\(").matcher(s);
            int count = 0;
            while (uses.find()) {
                count++;
            }
            assertTrue(count >= 2, name + " is defined but never called in\n" + s);
        }
    }
}
