package io.jmamba.runtime.jit;

import io.jmamba.runtime.api.FloatArray;

/** Device functions in a class other than the kernel's. */
final class OtherClassHelpers {
    private OtherClassHelpers() {
    }

    static float clampedSquare(float x, float limit) {
        float y = x * x;
        return y > limit ? limit : y;
    }

    static void storeTwice(FloatArray a, int i, float v) {
        a.set(2 * i, v);
        a.set(2 * i + 1, clampedSquare(v, 10f));
    }
}
