/**
 * The differential fuzzer: {@link io.jmamba.runtime.fuzz.ProgramGenerator} writes random Java kernel
 * programs from a seed, {@link io.jmamba.runtime.fuzz.BatchSource} puts a batch of them in one class,
 * {@link io.jmamba.runtime.fuzz.InMemoryJavac} compiles and loads it (serving the class bytes the way
 * the JIT reads them), and each batch runs on the JVM backend and on every compiled device; outputs are
 * compared program by program.
 *
 * <p>Generated programs cannot throw or loop forever in Java, and their floating-point results are
 * compared bit-exactly: they only use operations IEEE 754 rounds exactly, every product and quotient
 * is "tamed" away from denormals, and the few transcendental calls write separate slots compared
 * within the function's ulp bound.
 *
 * <p>CI: {@link io.jmamba.runtime.fuzz.DifferentialFuzzTest}, 200 programs; {@code -Djmamba.fuzz.count},
 * {@code -Djmamba.fuzz.seed}, {@code -Djmamba.fuzz.first} and {@code -Djmamba.fuzz.batch} change that.
 * Any number on demand: {@code java --enable-native-access=ALL-UNNAMED -cp runtime/target/classes:runtime/target/test-classes
 * io.jmamba.runtime.fuzz.FuzzMain --seed 1 --count 5000} (with JDK 25, after {@code mvn test-compile}).
 */
package io.jmamba.runtime.fuzz;
