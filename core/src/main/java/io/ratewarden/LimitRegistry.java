package io.ratewarden;

import io.ratewarden.internal.failover.OverrideInForce;
import io.ratewarden.internal.settings.ConfiguredLimit;
import io.ratewarden.internal.settings.RatewardenSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;

/**
 * The named limits of one instance: each defined once, from the code's definition under
 * configuration's, with the overrides the store heard of applied as they change, registered in
 * JMX and announced to the listeners. This class is thread-safe.
 */
final class LimitRegistry {

    private final RatewardenSettings settings;
    private final StoreAccess access;
    private final JmxBeans jmx; // null without JMX
    private final ConcurrentMap<String, Limiter> limiters = new ConcurrentHashMap<>();
    // Limits are defined, and definition listeners added, under this lock: each listener hears
    // of each limit exactly once.
    private final Object definitions = new Object();
    private final List<Consumer<Limiter>> definitionListeners = new ArrayList<>();
    private Map<String, Map<String, OverrideInForce>> heardOverrides = Map.of(); // under definitions

    LimitRegistry(RatewardenSettings settings, StoreAccess access, JmxBeans jmx) {
        this.settings = settings;
        this.access = access;
        this.jmx = jmx;
    }

    /** See {@link Ratewarden#limit(String, long, Duration, boolean)}. */
    Limiter limit(String name, long permits, Duration window, boolean shadow) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(window, "window");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("limit name must not be empty");
        }
        Limiter limiter = limiters.get(name);
        if (limiter != null && permits == 0) {
            return limiter; // asked by configuration's name alone: whatever defined it
        }
        Limit effective = effective(name, permits, window);
        if (limiter == null) {
            limiter = define(name, effective, shadow);
        }
        if (!limiter.sameDefinition(effective)) {
            throw new IllegalStateException("Limit '" + name + "' of Ratewarden '" + access.instanceName()
                    + "' is already defined as " + limiter.limit() + "; cannot redefine it as " + effective
                    + ". To change a limit while the service runs, override it (Limiter.override), or configure"
                    + " it: ratewarden.limits." + name + ".permits and .window");
        }
        return limiter;
    }

    /** The code's definition under configuration's, per attribute. */
    private Limit effective(String name, long permits, Duration window) {
        ConfiguredLimit configured = settings.limit(name);
        long effectivePermits = configured.permits() != null ? configured.permits() : permits;
        if (effectivePermits < 1) {
            throw new IllegalStateException("Limit '" + name + "' is defined nowhere: set ratewarden.limits." + name
                    + ".permits (or the permits of its @RateLimited)");
        }
        return Limit.of(effectivePermits, configured.window() != null ? configured.window() : window);
    }

    private Limiter define(String name, Limit limit, boolean codeShadow) {
        synchronized (definitions) {
            Limiter existing = limiters.get(name);
            if (existing != null) {
                return existing;
            }
            ConfiguredLimit configured = settings.limit(name);
            boolean shadow = configured.shadow() != null ? configured.shadow() : codeShadow || settings.shadow();
            Limiter created = new Limiter(access, name, limit, configured, shadow);
            heardOverrides.getOrDefault(name, Map.of()).forEach((tier, heard) -> {
                if (!heard.cleared()) {
                    created.applyOverride(tier, heard);
                }
            });
            limiters.put(name, created);
            if (jmx != null && !access.isClosed()) {
                jmx.registerLimit(created);
            }
            for (Consumer<Limiter> listener : definitionListeners) {
                listener.accept(created);
            }
            return created;
        }
    }

    /**
     * The overrides the store heard of: each change since the last time is applied to the limit
     * it names, so that an override set here and not yet heard back is not undone.
     */
    void overridesHeard(Map<String, Map<String, OverrideInForce>> now) {
        synchronized (definitions) {
            Map<String, Map<String, OverrideInForce>> before = heardOverrides;
            heardOverrides = now;
            Set<String> names = new HashSet<>(before.keySet());
            names.addAll(now.keySet());
            for (String limitName : names) {
                Limiter limiter = limiters.get(limitName);
                if (limiter == null) {
                    continue;
                }
                Map<String, OverrideInForce> was = before.getOrDefault(limitName, Map.of());
                Map<String, OverrideInForce> is = now.getOrDefault(limitName, Map.of());
                Set<String> tiers = new HashSet<>(was.keySet());
                tiers.addAll(is.keySet());
                for (String tier : tiers) {
                    OverrideInForce heard = is.get(tier);
                    if (!Objects.equals(was.get(tier), heard)) {
                        limiter.applyOverride(tier, heard == null || heard.cleared() ? null : heard);
                    }
                }
            }
        }
    }

    /** See {@link Ratewarden#limits()}. */
    List<Limiter> limits() {
        return List.copyOf(limiters.values());
    }

    /** See {@link Ratewarden#onLimitDefined(Consumer)}. */
    void onLimitDefined(Consumer<Limiter> listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (definitions) {
            definitionListeners.add(listener);
            for (Limiter limiter : limiters.values()) {
                listener.accept(limiter);
            }
        }
    }

    /** Every limit's counters, by name. */
    List<Metrics.LimitMetrics> metrics() {
        List<Limiter> all = new ArrayList<>(limiters.values());
        all.sort(Comparator.comparing(Limiter::name));
        List<Metrics.LimitMetrics> limits = new ArrayList<>(all.size());
        for (Limiter limiter : all) {
            limits.add(limiter.metrics());
        }
        return limits;
    }
}
