/**
 * Mamba-2's SSD chunked scan.
 * <ul>
 *   <li>{@link io.jmamba.kernels.ssd.SsdReference}: the specification, a float64 recurrence over time;</li>
 *   <li>{@link io.jmamba.kernels.ssd.SsdKernels}: the five phases (chunk cumsum, chunk states, state
 *       passing, C*B^T, chunk output) as {@code @Parallel} loop nests, the readable form;</li>
 *   <li>{@link io.jmamba.kernels.ssd.SsdWideKernels}: the three matrix-product phases as local-memory
 *       tiles with 8 x 4 fused multiply-adds per work-item (128 items per tile, so few enough registers
 *       for 16 or more warps per multiprocessor), and {@link io.jmamba.kernels.ssd.SsdCumsumKernel},
 *       the chunk cumsum as a block scan (the 8 x 8, 4 x 4 and a first 3xTF32 tiling timed slower on the H100
 *       and were removed);</li>
 *   <li>{@link io.jmamba.kernels.ssd.SsdTf32StateKernels}, {@link io.jmamba.kernels.ssd.SsdTf32CbKernels} and
 *       {@link io.jmamba.kernels.ssd.SsdTf32ScanKernels}: the three fp32 products on tensor cores in three TF32
 *       products per float product ({@code Tf32Split}: about 18 bits per product, within the fp32 fixtures' tolerance), staged by asynchronous copies; with the
 *       block-scan cumsum and the state passing, the fp32 default on CUDA since session 9 (TENSOR_3XTF32: 2.3x the
 *       FFMA tiles' speed on the H100; other devices keep BLOCKED_WIDE, {@link io.jmamba.kernels.ssd.SsdScan#defaultFor});</li>
 *   <li>{@link io.jmamba.kernels.ssd.SsdScanBf16}: the bf16 path (bf16 activations and output as
 *       mamba_ssm's bf16 path) with the products on bf16 tensor cores in the tiling of
 *       {@link io.jmamba.kernels.ssd.SsdTensorKernels}, inputs in {@link io.jmamba.kernels.ssd.SsdBf16Inputs}:
 *       {@link io.jmamba.kernels.ssd.SsdBf16StateKernels} (chunk states in bf16, passed in place) and
 *       {@link io.jmamba.kernels.ssd.SsdFragKernels} (C B^T in bf16 fragment order, operands prefetched a
 *       whole slice ahead), and, the defaults since sessions 6 and 8, the chunk scan, chunk state and C B^T with
 *       every tile staged by asynchronous copies and fragments read by ldmatrix
 *       ({@link io.jmamba.kernels.ssd.SsdFragAsyncKernels}, {@link io.jmamba.kernels.ssd.SsdStateAsyncKernels},
 *       {@link io.jmamba.kernels.ssd.SsdCbAsyncKernels});</li>
 *   <li>{@link io.jmamba.kernels.ssd.SsdScan}: the host API (shape checks, tasks added to a caller's
 *       graph with device-resident intermediates, a one-call form), configured by
 *       {@link io.jmamba.kernels.ssd.SsdConfig} and {@link io.jmamba.kernels.ssd.SsdInputs}.</li>
 * </ul>
 */
package io.jmamba.kernels.ssd;
