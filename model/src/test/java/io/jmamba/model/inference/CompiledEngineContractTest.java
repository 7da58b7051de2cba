package io.jmamba.model.inference;

import io.jmamba.runtime.backend.ComputeDevice;
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
        List<String> devices = DeviceMatrix.compiledDevices().stream().map(ComputeDevice::id).toList();
        if (devices.isEmpty()) {
            System.out.println("CompiledEngineContractTest: no OpenCL or CUDA device found; only the JVM ran the contract");
        }
        return EngineContractTest.contract(devices);
    }
}
