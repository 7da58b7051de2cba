package io.jmamba.runtime.fuzz;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** Local variables visible at a point of a generated program, by block. */
final class Scope {
    /**
     * A local: its name, type, declared Java type (byte, short or char for some INT locals), and
     * whether generated code may assign it (loop counters may not).
     */
    record Var(String name, Ty type, String javaType, boolean writable) {
        boolean narrow() {
            return !javaType.equals(type.java);
        }
    }

    private final Deque<List<Var>> blocks = new ArrayDeque<>();
    private int counter;

    Scope() {
        push();
    }

    void push() {
        blocks.push(new ArrayList<>());
    }

    void pop() {
        blocks.pop();
    }

    Var declare(String prefix, Ty type, boolean writable) {
        return declare(prefix, type, type.java, writable);
    }

    Var declare(String prefix, Ty type, String javaType, boolean writable) {
        Var v = new Var(prefix + counter++, type, javaType, writable);
        blocks.peek().add(v);
        return v;
    }

    /** Declares a fixed name (a parameter). */
    void declareNamed(String name, Ty type, boolean writable) {
        blocks.peek().add(new Var(name, type, type.java, writable));
    }

    List<Var> visible(Ty type, boolean writableOnly) {
        List<Var> out = new ArrayList<>();
        for (List<Var> b : blocks) {
            for (Var v : b) {
                if (v.type() == type && (!writableOnly || v.writable())) {
                    out.add(v);
                }
            }
        }
        return out;
    }
}
