package io.jmamba.model.inference;

import io.jmamba.model.device.KernelSet;
import io.jmamba.runtime.backend.DeviceMatrix;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.List;

/**
 * The engine contract of {@link EngineContractTest} on every compiled device of the device matrix:
 * OpenCL (PoCL in CI, where JMAMBA_REQUIRE_BACKENDS=opencl makes a missing PoCL a failure) and CUDA.
 */
class CompiledEngineContractTest {
    @TestFactory
    List<DynamicTest> contract() {
        List<EngineContractTest.Engine> engines = DeviceMatrix.compiledDevices().stream()
                .map(d -> new EngineContractTest.Engine(d.id(), KernelSet.FAST)).toList();
        if (engines.isEmpty()) {
            System.out.println("CompiledEngineContractTest: no OpenCL or CUDA device found; only the JVM ran the contract");
        }
        return EngineContractTest.contract(engines);
    }
}
