package io.jmamba.runtime.fuzz;

import java.util.SplittableRandom;

/**
 * A call to a function that is not correctly rounded on every device (exp, log, sin, ...), applied
 * once to an exactly computed argument clamped into the function's well-conditioned domain, so the
 * only difference between backends is the function's own error. {@code ulps} is that error's bound:
 * the OpenCL C spec's bound for the device function plus Java's (1 ulp in double, 2.5 for tanh; a
 * float result computed in double and rounded adds at most 1 float ulp).
 */
record ApproxCall(String name, String source, int ulps) {
    static ApproxCall pickFloat(SplittableRandom r, String x, String y) {
        String clamp20 = "Math.min(Math.max(" + x + ", -20f), 20f)";
        return switch (r.nextInt(9)) {
            case 0 -> new ApproxCall("exp", "KernelMath.exp(" + clamp20 + ")", 4);
            case 1 -> new ApproxCall("log", "KernelMath.log(Math.abs(" + x + ") + 0.5f)", 4);
            case 2 -> new ApproxCall("sin", "KernelMath.sin(Math.min(Math.max(" + x + ", -100f), 100f))", 5);
            case 3 -> new ApproxCall("cos", "KernelMath.cos(Math.min(Math.max(" + x + ", -100f), 100f))", 5);
            case 4 -> new ApproxCall("tanh", "KernelMath.tanh(" + clamp20 + ")", 6);
            case 5 -> new ApproxCall("pow", "KernelMath.pow(Math.min(Math.abs(" + x + "), 100f) + 0.5f, Math.min(Math.max(" + y + ", -4f), 4f))", 17);
            case 6 -> new ApproxCall("log1p", "KernelMath.log1p(Math.abs(" + x + "))", 3);
            case 7 -> new ApproxCall("expm1", "KernelMath.expm1(" + clamp20 + ")", 4);
            default -> new ApproxCall("rsqrt", "KernelMath.rsqrt(Math.abs(" + x + ") + 1e-3f)", 3);
        };
    }

    static ApproxCall pickDouble(SplittableRandom r, String x, String y) {
        String clamp = "Math.min(Math.max(" + x + ", -100.0), 100.0)";
        return switch (r.nextInt(6)) {
            case 0 -> new ApproxCall("exp(double)", "Math.exp(" + clamp + ")", 4);
            case 1 -> new ApproxCall("log(double)", "Math.log(Math.abs(" + x + ") + 0.5)", 4);
            case 2 -> new ApproxCall("sin(double)", "Math.sin(" + clamp + ")", 5);
            case 3 -> new ApproxCall("cos(double)", "Math.cos(" + clamp + ")", 5);
            case 4 -> new ApproxCall("tanh(double)", "Math.tanh(" + clamp + ")", 8);
            default -> new ApproxCall("pow(double)", "Math.pow(Math.min(Math.abs(" + x + "), 100.0) + 0.5, Math.min(Math.max(" + y + ", -4.0), 4.0))", 17);
        };
    }
}
