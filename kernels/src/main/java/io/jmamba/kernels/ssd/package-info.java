/**
 * Mamba-2's SSD chunked scan.
 * <ul>
 *   <li>{@link io.jmamba.kernels.ssd.SsdReference}: the specification, a float64 recurrence over time;</li>
 *   <li>{@link io.jmamba.kernels.ssd.SsdKernels}: the five phases (chunk cumsum, chunk states, state
 *       passing, C*B^T, chunk output) as {@code @Parallel} loop nests, the readable form;</li>
 *   <li>{@link io.jmamba.kernels.ssd.SsdTiledKernels}: the three matrix-product phases as local-memory
 *       tiles, the default on devices;</li>
 *   <li>{@link io.jmamba.kernels.ssd.SsdScan}: the host API (shape checks, tasks added to a caller's
 *       graph with device-resident intermediates, a one-call form), configured by
 *       {@link io.jmamba.kernels.ssd.SsdConfig} and {@link io.jmamba.kernels.ssd.SsdInputs}.</li>
 * </ul>
 */
package io.jmamba.kernels.ssd;
