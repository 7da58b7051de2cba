/**
 * The JIT conformance suite: kernels grouped by theme ({@code IntKernels}, {@code FloatKernels}, ...,
 * listed in {@link io.jmamba.runtime.conformance.ConformanceCatalog}), each run through a task graph
 * and an execution plan on every device of {@code DeviceMatrix.devices()} and compared with the JVM
 * backend by {@link io.jmamba.runtime.conformance.ConformanceSuiteTest}: integers, bytes and half bit
 * patterns exactly, float and double within each case's {@link io.jmamba.runtime.conformance.Tolerance}
 * (0 ulp unless the operation is a transcendental function, whose OpenCL error bound plus Java's is
 * stated with the case).
 *
 * <p>Run it alone: {@code mvn -q -B -o test -pl runtime -am -Dtest=ConformanceSuiteTest
 * -Dsurefire.failIfNoSpecifiedTests=false}. A failure prints the first differing element, how many
 * differ, and the generated OpenCL C / CUDA C. {@code BigIndexTest} (tagged slow) indexes past 2^31.
 */
package io.jmamba.runtime.conformance;
