package io.jmamba.model.inference;

import io.jmamba.model.device.KernelSet;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.util.List;

/**
 * The engine contract with the fast kernels (tiled GEMM, GEMV, chunked scans) on the JVM backend,
 * which runs each work-group's items as threads with real barriers: minutes, hence slow.
 */
@Tag("slow")
class JvmFastEngineContractTest {
    @TestFactory
    List<DynamicTest> contract() {
        return EngineContractTest.contract(List.of(new EngineContractTest.Engine("jvm", KernelSet.FAST)));
    }
}
