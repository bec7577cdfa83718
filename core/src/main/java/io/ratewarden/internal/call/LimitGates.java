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
    private static volatile Function<Object, TierGate> tierLookup;

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

    /**
     * Installs how a tier's gate for calls of several limits is found; called once, by the
     * limiter's class.
     *
     * @param gateOfTier the lookup, given a tier
     */
    public static void installTiers(Function<Object, TierGate> gateOfTier) {
        tierLookup = Objects.requireNonNull(gateOfTier, "gateOfTier");
    }

    /** The gate of {@code tier}, whose limiter's class is initialised. */
    static TierGate ofTier(Object tier) {
        return tierLookup.apply(tier);
    }

    /** The gate of {@code limiter}, whose class is initialised (an instance of it exists). */
    static LimitGate of(Object limiter) {
        return lookup.apply(limiter);
    }
}
