package io.jmamba.runtime.backend.ffm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class NativeEnvironmentTest {
    @Test
    void setIsSeenByTheCLibrary() {
        String name = "JMAMBA_NATIVE_ENV_TEST_" + ProcessHandle.current().pid();
        assertNull(NativeEnvironment.get(name));
        NativeEnvironment.set(name, "a value/with=signs");
        assertEquals("a value/with=signs", NativeEnvironment.get(name));
    }
}
