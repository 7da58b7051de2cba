package io.jmamba.runtime.fuzz;

/** The value types a generated program computes with. */
enum Ty {
    INT("int"), LONG("long"), FLOAT("float"), DOUBLE("double"), BOOL("boolean");

    final String java;

    Ty(String java) {
        this.java = java;
    }

    boolean isFloating() {
        return this == FLOAT || this == DOUBLE;
    }

    /** The tame helper that keeps a floating value away from denormals (see {@link BatchSource}). */
    String tame() {
        return this == FLOAT ? "tf" : "td";
    }
}
