package io.jmamba.runtime.backend.cuda;

/** A CUDA driver, NVRTC or cuBLAS call returned an error; the message names the call and the error. */
public class CudaException extends RuntimeException {
    private final String call;
    private final int code;

    public CudaException(String call, int code, String errorName) {
        super(call + " failed: " + errorName + " (" + code + ")");
        this.call = call;
        this.code = code;
    }

    /** The library function that failed, with context where it helps ("cuModuleLoadData(axpy)"). */
    public String call() {
        return call;
    }

    /** The library's numeric status code (CUresult, nvrtcResult or cublasStatus_t). */
    public int code() {
        return code;
    }
}
