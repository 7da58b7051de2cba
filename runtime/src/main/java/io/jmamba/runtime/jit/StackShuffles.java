package io.jmamba.runtime.jit;

import java.lang.classfile.Opcode;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The JVM's pop/dup/swap family on the abstract operand stack, respecting value categories (long and
 * double count twice). {@code dupable} returns the entry at a depth from the top after making it safe
 * to duplicate (an expression is computed into a temporary first, so it is not evaluated twice).
 */
final class StackShuffles {
    private StackShuffles() {
    }

    private static int category(Object o) {
        return o instanceof Expr e && e.kind().isWide() ? 2 : 1;
    }

    /** Applies {@code op}; false when it is not a stack instruction. */
    static boolean apply(Opcode op, List<Object> st, IntFunction<Object> dupable) {
        switch (op) {
            case POP -> st.removeLast();
            case POP2 -> {
                if (category(st.removeLast()) == 1) {
                    st.removeLast();
                }
            }
            case DUP -> st.add(dupable.apply(0));
            case DUP_X1 -> {
                Object a = dupable.apply(0);
                Object x = st.removeLast();
                Object b = st.removeLast();
                st.add(x);
                st.add(b);
                st.add(a);
            }
            case DUP_X2 -> {
                Object a = dupable.apply(0);
                st.removeLast();
                Object b = st.removeLast();
                if (category(b) == 2) {
                    st.add(a);
                    st.add(b);
                    st.add(a);
                } else {
                    Object c = st.removeLast();
                    st.add(a);
                    st.add(c);
                    st.add(b);
                    st.add(a);
                }
            }
            case DUP2 -> {
                Object a = dupable.apply(0);
                if (category(a) == 2) {
                    st.add(a);
                } else {
                    Object b = dupable.apply(1);
                    st.add(b);
                    st.add(a);
                }
            }
            case DUP2_X1 -> {
                Object a = dupable.apply(0);
                if (category(a) == 2) {
                    st.removeLast();
                    Object b = st.removeLast();
                    st.add(a);
                    st.add(b);
                    st.add(a);
                } else {
                    Object b = dupable.apply(1);
                    st.removeLast();
                    st.removeLast();
                    Object c = st.removeLast();
                    st.add(b);
                    st.add(a);
                    st.add(c);
                    st.add(b);
                    st.add(a);
                }
            }
            case DUP2_X2 -> dup2x2(st, dupable);
            case SWAP -> {
                Object a = st.removeLast();
                Object b = st.removeLast();
                st.add(a);
                st.add(b);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private static void dup2x2(List<Object> st, IntFunction<Object> dupable) {
        Object a = dupable.apply(0);
        if (category(a) == 2) {
            st.removeLast();
            Object b = st.removeLast();
            if (category(b) == 2) {
                st.add(a);
                st.add(b);
                st.add(a);
            } else {
                Object c = st.removeLast();
                st.add(a);
                st.add(c);
                st.add(b);
                st.add(a);
            }
        } else {
            Object b = dupable.apply(1);
            st.removeLast();
            st.removeLast();
            Object c = st.removeLast();
            if (category(c) == 2) {
                st.add(b);
                st.add(a);
                st.add(c);
                st.add(b);
                st.add(a);
            } else {
                Object d = st.removeLast();
                st.add(b);
                st.add(a);
                st.add(d);
                st.add(c);
                st.add(b);
                st.add(a);
            }
        }
    }

}
