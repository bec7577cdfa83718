package io.ratewarden.internal.call;

import io.ratewarden.LimitTier;
import io.ratewarden.Limiter;

/**
 * The keys and tiers of a limited method's calls, one per limit, computed from the call's target
 * and arguments by the limits' bound expressions. Thread-safe.
 */
final class CallKeys {

    private final String methodId;
    private final LimitSpec[] specs;

    CallKeys(String methodId, LimitSpec[] specs) {
        this.methodId = methodId;
        this.specs = specs;
    }

    /**
     * The keys of a call; {@code args} {@code null} when the expressions take {@code a0} and
     * {@code a1}.
     */
    String[] keys(Object target, Object[] args, Object a0, Object a1) {
        String[] keys = new String[specs.length];
        for (int i = 0; i < specs.length; i++) {
            keys[i] = key(specs[i].keyFunction(), specs[i], target, args, a0, a1);
        }
        return keys;
    }

    /** The tiers of a call, on {@code limiters}, one per limit. */
    LimitTier[] tiers(Limiter[] limiters, Object target, Object[] args, Object a0, Object a1) {
        LimitTier[] tiers = new LimitTier[specs.length];
        for (int i = 0; i < specs.length; i++) {
            tiers[i] = tier(limiters[i], specs[i], target, args, a0, a1);
        }
        return tiers;
    }

    /** The key, or the tier, a call's arguments give; {@code ""} without an expression. */
    String key(KeyFunction function, LimitSpec spec, Object target, Object[] args, Object a0, Object a1) {
        if (function == null) {
            return "";
        }
        try {
            return args != null ? function.key(target, args) : function.key(a0, a1);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("@RateLimited on " + methodId + ": computing the "
                    + (function == spec.keyFunction() ? "key" : "tier") + " of limit '" + spec.name() + "' failed", e);
        }
    }

    /** The tier a call falls in: the limit's own without a tier expression or for a null tier. */
    LimitTier tier(Limiter limiter, LimitSpec spec, Object target, Object[] args, Object a0, Object a1) {
        KeyFunction function = spec.tierFunction();
        if (function == null) {
            return limiter.tier("");
        }
        String tier = key(function, spec, target, args, a0, a1);
        return limiter.tier("null".equals(tier) ? "" : tier);
    }
}
