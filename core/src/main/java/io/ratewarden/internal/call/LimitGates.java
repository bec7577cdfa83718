package io.ratewarden.internal.call;

import java.util.Objects;
import java.util.function.Function;

/**
 * Where a limited method finds the {@link LimitGate} of a limiter it is bound to: the limiter's
 * class installs the lookup when it is initialised, so the gate stays out of the public API.
 * Thread-safe.
 */
public final class LimitGates {

    private static volatile Function<Object, LimitGate> lookup;

    private LimitGates() {
    }

    /**
     * Installs how a limiter's gate is found; called once, by the limiter's class.
     *
     * @param gateOfLimiter the lookup, given a limiter
     */
    public static void install(Function<Object, LimitGate> gateOfLimiter) {
        lookup = Objects.requireNonNull(gateOfLimiter, "gateOfLimiter");
    }

    /** The gate of {@code limiter}, whose class is initialised (an instance of it exists). */
    static LimitGate of(Object limiter) {
        return lookup.apply(limiter);
    }
}
