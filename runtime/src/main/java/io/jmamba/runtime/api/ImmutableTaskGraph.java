package io.jmamba.runtime.api;

import io.jmamba.runtime.graph.GraphAction;

import java.util.List;

/** A frozen task graph, ready for an {@link ExecutionPlan}. */
public record ImmutableTaskGraph(String name, List<GraphAction> actions) {
}
