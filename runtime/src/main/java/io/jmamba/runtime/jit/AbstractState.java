package io.jmamba.runtime.jit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What the front end knows at one program point: the operand stack (primitive values as IR expressions,
 * references as the array or context they denote), which array or context each reference local holds,
 * and which primitive locals hold a known constant. At block boundaries primitive stack values live in
 * stack registers, so a block's entry state records only their kinds.
 */
final class AbstractState {
    /** The KernelContext reference. */
    static final Object CONTEXT = new Object() {
        @Override
        public String toString() {
            return "KernelContext";
        }
    };
    /** A reference local that holds different arrays on different paths. */
    static final Object CONFLICT = new Object() {
        @Override
        public String toString() {
            return "conflict";
        }
    };
    /** A primitive local that is not a constant. */
    static final Object NOT_CONSTANT = new Object() {
        @Override
        public String toString() {
            return "not-constant";
        }
    };

    /** Expr (primitive; at block entries: Kind) or a reference value (ArrayRef or CONTEXT). */
    final List<Object> stack;
    /** Per slot: ArrayRef, CONTEXT, CONFLICT or null (no reference there). */
    final Object[] refs;
    /** Per slot: a Number, NOT_CONSTANT, or null (not assigned yet on any path seen). */
    final Object[] consts;

    AbstractState(List<Object> stack, Object[] refs, Object[] consts) {
        this.stack = stack;
        this.refs = refs;
        this.consts = consts;
    }

    AbstractState copy() {
        return new AbstractState(new ArrayList<>(stack), refs.clone(), consts.clone());
    }

    /** The state as a block entry sees it: primitive stack entries reduced to their kinds. */
    AbstractState atBoundary() {
        List<Object> s = new ArrayList<>();
        for (Object o : stack) {
            s.add(o instanceof Expr e ? e.kind() : o);
        }
        return new AbstractState(s, refs.clone(), consts.clone());
    }

    /**
     * Merges {@code other} (a boundary state) into this one (also a boundary state).
     *
     * @return the merged state, or null when it equals this one
     * @throws IllegalStateException when the stacks differ in shape or in the arrays they hold
     */
    AbstractState merge(AbstractState other) {
        if (other.stack.size() != stack.size()) {
            throw new IllegalStateException("operand stack depth differs at a merge point");
        }
        for (int i = 0; i < stack.size(); i++) {
            if (!Objects.equals(stack.get(i), other.stack.get(i))) {
                throw new IllegalStateException("an operand-stack reference may point to different arrays");
            }
        }
        Object[] r = refs.clone();
        Object[] c = consts.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] = mergeRef(r[i], other.refs[i]);
            c[i] = mergeConst(c[i], other.consts[i]);
        }
        if (Arrays.equals(r, refs) && Arrays.equals(c, consts)) {
            return null;
        }
        return new AbstractState(new ArrayList<>(stack), r, c);
    }

    private static Object mergeRef(Object a, Object b) {
        if (a == null) {
            return b;
        }
        if (b == null || a.equals(b)) {
            return a;
        }
        return CONFLICT;
    }

    private static Object mergeConst(Object a, Object b) {
        if (a == null) {
            return b;
        }
        if (b == null || a.equals(b)) {
            return a;
        }
        return NOT_CONSTANT;
    }
}
