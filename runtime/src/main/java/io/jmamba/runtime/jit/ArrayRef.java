package io.jmamba.runtime.jit;

/**
 * What a reference value in a kernel can be: an array in one of the address spaces. The JIT tracks
 * references statically (they are never C variables of their own): each use of a reference names the
 * array it points to.
 *
 * @param cName            C expression of the pointer or array
 * @param sizeExpr         C expression of its element count (a {@code long})
 * @param elem             element type
 * @param space            address space
 * @param kernelParamIndex for global arrays passed to the entry: the Java parameter index; else -1
 * @param constSize        for private and local arrays: their constant length; else -1
 */
record ArrayRef(String cName, String sizeExpr, ElemType elem, Space space, int kernelParamIndex, long constSize) {
    enum Space { GLOBAL, LOCAL, PRIVATE }
}
