/**
 * Foreign Function &amp; Memory helpers shared by the native backends (OpenCL, CUDA): finding a shared
 * library in the usual folders with a clear message when it is missing, binding its functions, and
 * small utilities for C strings. No JNI anywhere.
 */
package io.jmamba.runtime.backend.ffm;
