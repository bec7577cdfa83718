package io.ratewarden.internal.call;

import io.ratewarden.Limiter;
import io.ratewarden.Ratewarden;
import java.util.List;

/**
 * The limiters of one limited method on the installed instance: bound on the first call, and
 * again on the first call after another instance is installed; one volatile read per call
 * otherwise. This class is thread-safe.
 */
final class InstalledLimiters {

    private final String methodId;
    private final LimitSpec[] specs;
    private final List<String> problems;
    private volatile Binding binding;

    InstalledLimiters(String methodId, LimitSpec[] specs, List<String> problems) {
        this.methodId = methodId;
        this.specs = specs;
        this.problems = problems;
    }

    /** The limiters, one per spec, on the installed instance. */
    Limiter[] current() {
        return binding().limiters;
    }

    /** The gate of the first limiter on the installed instance: the hot path of one limit without key. */
    LimitGate firstGate() {
        return binding().first;
    }

    private Binding binding() {
        Binding current = binding;
        if (current != null && current.owner == Ratewarden.installed()) {
            return current;
        }
        return bind();
    }

    // The first call, and the first after another instance is installed: kept out of current(),
    // which every call runs.
    private Binding bind() {
        if (!problems.isEmpty()) {
            throw new IllegalStateException("@RateLimited on " + methodId + " is invalid: "
                    + String.join("; ", problems));
        }
        Ratewarden ratewarden = Ratewarden.installed();
        Limiter[] limiters = new Limiter[specs.length];
        for (int i = 0; i < specs.length; i++) {
            LimitSpec spec = specs[i];
            try {
                limiters[i] = ratewarden.limit(spec.name(), spec.permits(), spec.window(), spec.shadow());
            } catch (IllegalStateException e) {
                boolean redefined = ratewarden.limits().stream().anyMatch(defined -> defined.name().equals(spec.name()));
                throw new IllegalStateException("@RateLimited on " + methodId + (redefined ? " is invalid: name: "
                        : spec.permits() == 0 ? " is invalid: permits: " : ": limit '" + spec.name()
                        + "' could not be defined: ") + e.getMessage(), e);
            }
        }
        Binding bound = new Binding(ratewarden, limiters, limiters.length == 0 ? null : LimitGates.of(limiters[0]));
        binding = bound;
        return bound;
    }

    private record Binding(Ratewarden owner, Limiter[] limiters, LimitGate first) {
    }
}
