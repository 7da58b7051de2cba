package io.jmamba.runtime.jit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Finds the loops worth a {@code #pragma unroll}: a header whose exit test compares against a small
 * constant (after specialisation, e.g. {@code s < dstate}) and a back edge that is a plain goto at the
 * end of a contiguous run of blocks. The emitter wraps such a region in {@code for (;;) { ... continue; }}
 * so the pragma has a C loop to attach to; other loops stay as labels and gotos. Only properly nested
 * regions are chosen (javac's loops always are).
 */
final class UnrollableLoops {
    /** The largest constant bound that gets the hint: beyond that full unrolling costs more than it saves. */
    static final long MAX_BOUND = 64;

    /** A loop region: the header block's offset and the offset of the block that jumps back to it. */
    record Region(int header, int backEdgeBlock) { }

    private UnrollableLoops() {
    }

    /** Regions by header offset. */
    static Map<Integer, Region> find(FunctionIR f) {
        List<Region> candidates = new ArrayList<>();
        for (Map.Entry<Integer, List<Stmt>> b : f.blocks.entrySet()) {
            List<Stmt> stmts = b.getValue();
            if (stmts.isEmpty() || !(stmts.getLast() instanceof Stmt.Goto g) || g.target() > b.getKey()) {
                continue;
            }
            List<Stmt> header = f.blocks.get(g.target());
            if (header == null || header.isEmpty() || !(header.getFirst() instanceof Stmt.Branch exit)
                    || exit.target() <= b.getKey() || !smallConstantBound(exit.cond(), stmts)) {
                continue;
            }
            if (singleExit(f, g.target(), b.getKey())) {
                candidates.add(new Region(g.target(), b.getKey()));
            }
        }
        Map<Integer, Region> chosen = new TreeMap<>();
        for (Region r : candidates) {
            boolean nested = true;
            for (Region o : candidates) {
                boolean disjoint = o.backEdgeBlock() < r.header() || r.backEdgeBlock() < o.header();
                boolean inside = (o.header() <= r.header() && r.backEdgeBlock() <= o.backEdgeBlock())
                        || (r.header() <= o.header() && o.backEdgeBlock() <= r.backEdgeBlock());
                nested &= disjoint || inside;
            }
            if (nested && !chosen.containsKey(r.header())) {
                chosen.put(r.header(), r);
            }
        }
        return chosen;
    }

    /**
     * Whether the header's test is the loop's only way out: a second exit (break, return, a test
     * elsewhere) makes the trip count unknowable and the device compiler warns that it cannot unroll.
     */
    private static boolean singleExit(FunctionIR f, int header, int backEdgeBlock) {
        for (Map.Entry<Integer, List<Stmt>> b : f.blocks.subMap(header, true, backEdgeBlock, true).entrySet()) {
            List<Stmt> stmts = b.getValue();
            for (int i = 0; i < stmts.size(); i++) {
                boolean headerTest = b.getKey() == header && i == 0;
                boolean backEdge = b.getKey() == backEdgeBlock && i == stmts.size() - 1;
                if (headerTest || backEdge) {
                    continue;
                }
                List<Integer> targets = switch (stmts.get(i)) {
                    case Stmt.Branch br -> List.of(br.target());
                    case Stmt.Goto g -> List.of(g.target());
                    case Stmt.Switch sw -> {
                        List<Integer> t = new ArrayList<>(sw.targets());
                        t.add(sw.defaultTarget());
                        yield t;
                    }
                    case Stmt.Return r -> List.of(-1);
                    default -> List.of();
                };
                for (int t : targets) {
                    if (t < header || t > backEdgeBlock) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /**
     * Whether the exit test compares a counter with a constant in [1, MAX_BOUND] and the back-edge block
     * steps that counter up by a positive constant (the shape of {@code for (s = 0; s < dstate; s++)}).
     */
    private static boolean smallConstantBound(Expr cond, List<Stmt> backEdgeBlock) {
        if (!(cond instanceof Expr.Cond c)) {
            return false;
        }
        Expr x = c.a();
        Expr y = c.b();
        if (x instanceof Expr.Compare cmp && y.constValue() != null) {
            x = cmp.a();
            y = cmp.b();
        }
        Expr counter = x.constValue() == null ? x : y;
        Expr bound = counter == x ? y : x;
        if (counter instanceof Expr.Convert cv) {
            counter = cv.a();
        }
        Number n = bound.constValue();
        if (n == null || n.longValue() < 1 || n.longValue() > MAX_BOUND || !(counter instanceof Expr.Reg r)) {
            return false;
        }
        for (Stmt s : backEdgeBlock) {
            if (s instanceof Stmt.Assign a && a.var() == r.var() && a.value() instanceof Expr.Bin bin
                    && bin.op().equals("add") && bin.a() instanceof Expr.Reg self && self.var() == r.var()
                    && bin.b() instanceof Expr.Const step && step.value().longValue() > 0) {
                return true;
            }
        }
        return false;
    }
}
