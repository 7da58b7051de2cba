package io.jmamba.runtime.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the induction variable of a loop whose iterations are independent:
 * {@code for (@Parallel int i = 0; i < n; i++)}.
 *
 * <p>Like TornadoVM's annotation it is a type annotation on a local variable, so javac records it in
 * the method's {@code RuntimeVisibleTypeAnnotations} with the variable's slot and live range; the JIT
 * reads it from there. The compiled kernel turns the loop into a grid-stride loop: iteration
 * {@code i} starts at {@code init + step * globalId(dim)} and advances by {@code step * globalSize(dim)},
 * so the result is right for any grid size. Nested parallel loops take dimensions in source order:
 * the outermost {@code @Parallel} loop is dimension 0, the next one inside it dimension 1, then 2.
 * On the JVM backend the annotation has no effect: the method runs as written.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE_USE})
public @interface Parallel {
}
