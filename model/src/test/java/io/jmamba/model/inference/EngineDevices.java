package io.jmamba.model.inference;

import java.util.ArrayList;
import java.util.List;

/** The engine device names the model tests run on: the reference, then every device engine available. */
final class EngineDevices {
    private EngineDevices() {
    }

    static List<String> forTests() {
        List<String> out = new ArrayList<>();
        out.add("reference");
        return out;
    }
}
