package io.jmamba.runtime.jit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** One generated C function (the kernel entry or a device function) in the typed IR. */
final class FunctionIR {
    /** A C parameter: a scalar (var set) or an array (array set), in Java parameter order. */
    record CParam(Var scalar, String scalarJavaType, ArrayRef array) { }

    final String cName;
    final MethodCode code;
    final boolean entry;
    /** A device function that is given the KernelContext (OpenCL then passes it the warp scratch array). */
    boolean takesContext;
    /** Null for void. */
    Kind returnKind;
    final List<CParam> params = new ArrayList<>();
    /** Every variable to declare at the top of the function, by name. */
    final Map<String, Var> vars = new LinkedHashMap<>();
    /** Private arrays, by allocation offset. */
    final Map<Integer, ArrayRef> privateArrays = new TreeMap<>();
    /** Work-group local arrays, by allocation offset (kernel entry only). */
    final Map<Integer, ArrayRef> localArrays = new TreeMap<>();
    /** Statements of each basic block, by start offset, in bytecode order. */
    final TreeMap<Integer, List<Stmt>> blocks = new TreeMap<>();
    /** Blocks reached by a jump (they need a label). */
    final Set<Integer> jumpTargets = new TreeSet<>();

    FunctionIR(String cName, MethodCode code, boolean entry) {
        this.cName = cName;
        this.code = code;
        this.entry = entry;
    }
}
