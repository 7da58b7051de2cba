package io.jmamba.runtime.backend.opencl;

/**
 * An OpenCL call returned an error. The message names the call and the error ("clEnqueueNDRangeKernel
 * failed: CL_INVALID_WORK_GROUP_SIZE (-54)") and, where the caller knows more, the sizes involved.
 */
public class OpenClException extends RuntimeException {
    private final String call;
    private final int errorCode;

    OpenClException(String call, int errorCode) {
        this(call, errorCode, null);
    }

    OpenClException(String call, int errorCode, String detail) {
        super(call + " failed: " + ClStatus.name(errorCode) + " (" + errorCode + ")" + (detail == null ? "" : ": " + detail));
        this.call = call;
        this.errorCode = errorCode;
    }

    /** The OpenCL function that failed. */
    public String call() {
        return call;
    }

    /** The cl_int error code it returned. */
    public int errorCode() {
        return errorCode;
    }

    /** The error's name in the OpenCL headers, e.g. "CL_OUT_OF_RESOURCES". */
    public String errorName() {
        return ClStatus.name(errorCode);
    }
}
