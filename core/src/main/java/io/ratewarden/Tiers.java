package io.ratewarden;

import io.ratewarden.internal.failover.OverrideInForce;
import io.ratewarden.internal.settings.ConfiguredLimit;
import io.ratewarden.store.LimitKey;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The tiers of one {@link Limiter}: those configured, made when the limit is, and those an
 * override reached, kept from then on; a tier seen only in calls, with the limit's own values, is
 * made per call and not kept. This class is thread-safe.
 */
final class Tiers {

    private final LimitTier own;
    private final Limit configured;
    private final ConfiguredLimit configuration;
    private final ConcurrentMap<String, LimitTier> kept = new ConcurrentHashMap<>();

    /**
     * @param own the limit's own tier
     * @param configured the limit without an override
     * @param configuration what configuration says of the limit: its tiers, made now
     */
    Tiers(LimitTier own, Limit configured, ConfiguredLimit configuration) {
        this.own = own;
        this.configured = configured;
        this.configuration = configuration;
        configuration.tiers().keySet().forEach(this::tier);
    }

    /** See {@link Limiter#tier(String)}. */
    LimitTier tier(String tier) {
        if (tier == null || tier.isEmpty()) {
            return own;
        }
        String normal = LimitKey.normalize(tier);
        LimitTier known = kept.get(normal);
        if (known != null) {
            return known;
        }
        ConfiguredLimit tierConfiguration = configuration.tier(normal);
        if (tierConfiguration == ConfiguredLimit.NONE) {
            return LimitTier.of(own, normal, null, this::keep); // the limit's own values: nothing to keep
        }
        Limit tierLimit = Limit.of(
                tierConfiguration.permits() != null ? tierConfiguration.permits() : configured.permits(),
                tierConfiguration.window() != null ? tierConfiguration.window() : configured.window());
        return kept.computeIfAbsent(normal, t -> LimitTier.of(own, t, tierLimit, this::keep));
    }

    /** Keeps a tier once it holds an override; returns the one kept. */
    private LimitTier keep(LimitTier tier) {
        return kept.computeIfAbsent(tier.name(), t -> tier);
    }

    /** Applies an override heard from the store to the limit ({@code tier} {@code ""}) or a tier. */
    void applyOverride(String tier, OverrideInForce newOverride) {
        if (tier.isEmpty()) {
            own.apply(newOverride);
            return;
        }
        LimitTier configuredTier = tier(tier); // the configured one, or a new one with the limit's own values
        LimitTier target = newOverride == null ? kept.get(tier) : kept.computeIfAbsent(tier, t -> configuredTier);
        if (target != null) {
            target.apply(newOverride);
        }
    }

    /** The names of the tiers kept, in name order. */
    List<String> names() {
        return kept.keySet().stream().sorted().toList();
    }
}
