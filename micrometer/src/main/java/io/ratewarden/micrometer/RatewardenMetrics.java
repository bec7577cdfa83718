package io.ratewarden.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.ratewarden.Backend;
import io.ratewarden.Limiter;
import io.ratewarden.Ratewarden;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Binds the meters of one {@link Ratewarden} instance to a Micrometer registry. Every meter reads
 * {@link Ratewarden#metrics()} (a limit's meters, {@link Limiter#metrics()}), the numbers its
 * MXBeans and health show too, when the registry asks: binding adds nothing to a call's cost.
 *
 * <p>Meters, each tagged {@code instance} with the instance's {@link Ratewarden#name() name}:
 * <ul>
 *   <li>{@code ratewarden.calls}, function counter: calls decided, tagged {@code name} (the
 *       limit), {@code outcome} ({@code permitted}, {@code rejected}, or {@code shadow_rejected} for a
 *       call a limit in shadow mode let through although it would have rejected it) and
 *       {@code backend} ({@code redis} or {@code in_memory}); six per limit, registered as each
 *       limit is defined. No meter is ever tagged by key or tier.</li>
 *   <li>{@code ratewarden.failovers} and {@code ratewarden.recoveries}, function counters: times
 *       the instance left Redis for memory, and came back.</li>
 *   <li>{@code ratewarden.cached.rejections}, function counter: rejections answered by the
 *       over-limit cache without a round trip (also counted in {@code ratewarden.calls} as
 *       Redis's).</li>
 *   <li>{@code ratewarden.fallback.decisions}, function counter: calls the failure policy decided
 *       because Redis could not.</li>
 *   <li>{@code ratewarden.in.memory}, gauge: 1 while the instance decides in memory, else 0.</li>
 *   <li>{@code ratewarden.redis.calls}, function timer: Redis's answers to calls for permits and
 *       the time they took, from send to answer.</li>
 * </ul>
 *
 * <p>Usable without Spring: {@code new RatewardenMetrics(ratewarden).bindTo(registry)}. Binding to
 * several registries is allowed. This class is thread-safe.
 */
public final class RatewardenMetrics implements MeterBinder {

    private final Ratewarden ratewarden;
    private final Tags tags;

    /**
     * Creates the binder for {@code ratewarden}.
     *
     * @param ratewarden the instance whose meters to bind, never {@code null}
     */
    public RatewardenMetrics(Ratewarden ratewarden) {
        this(ratewarden, Tags.empty());
    }

    /**
     * Creates the binder for {@code ratewarden}, adding {@code extraTags} to every meter.
     *
     * @param ratewarden the instance whose meters to bind, never {@code null}
     * @param extraTags tags for every meter, never {@code null}
     */
    public RatewardenMetrics(Ratewarden ratewarden, Iterable<Tag> extraTags) {
        this.ratewarden = Objects.requireNonNull(ratewarden, "ratewarden");
        this.tags = Tags.of(extraTags).and("instance", ratewarden.name());
    }

    /**
     * Registers the instance's meters in {@code registry}, and the meters of each limit defined
     * later as it is defined.
     *
     * @param registry the registry, never {@code null}
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Ratewarden instance = ratewarden;
        FunctionCounter.builder("ratewarden.failovers", instance, r -> r.metrics().store().failovers())
                .tags(tags).description("Times the instance left Redis and decided in memory")
                .register(registry);
        FunctionCounter.builder("ratewarden.recoveries", instance, r -> r.metrics().store().recoveries())
                .tags(tags).description("Times the instance returned to Redis after an outage")
                .register(registry);
        FunctionCounter.builder("ratewarden.cached.rejections", instance, r -> r.metrics().cachedRejections())
                .tags(tags).description("Rejections answered by the over-limit cache, without a round trip")
                .register(registry);
        FunctionCounter.builder("ratewarden.fallback.decisions", instance, r -> r.metrics().fallbackDecisions())
                .tags(tags).description("Calls the failure policy decided because Redis could not")
                .register(registry);
        Gauge.builder("ratewarden.in.memory", instance,
                        r -> r.metrics().store().backend() == Backend.IN_MEMORY ? 1 : 0)
                .tags(tags).description("1 while the instance decides in memory, else 0")
                .register(registry);
        FunctionTimer.builder("ratewarden.redis.calls", instance, r -> r.metrics().redisCalls(),
                        r -> r.metrics().redisCallTime().toNanos(), TimeUnit.NANOSECONDS)
                .tags(tags).description("Redis's answers to calls for permits, and their round trips")
                .register(registry);
        instance.onLimitDefined(limiter -> bindLimit(registry, limiter));
    }

    private void bindLimit(MeterRegistry registry, Limiter limiter) {
        for (Backend backend : Backend.values()) {
            String backendTag = backend.name().toLowerCase(Locale.ROOT);
            FunctionCounter.builder("ratewarden.calls", limiter, l -> l.metrics().permitted(backend))
                    .tags(tags).tag("name", limiter.name()).tag("outcome", "permitted").tag("backend", backendTag)
                    .description("Calls decided, by limit, outcome and the backend that decided")
                    .register(registry);
            FunctionCounter.builder("ratewarden.calls", limiter, l -> l.metrics().rejected(backend))
                    .tags(tags).tag("name", limiter.name()).tag("outcome", "rejected").tag("backend", backendTag)
                    .description("Calls decided, by limit, outcome and the backend that decided")
                    .register(registry);
            FunctionCounter.builder("ratewarden.calls", limiter, l -> l.metrics().shadowRejected(backend))
                    .tags(tags).tag("name", limiter.name()).tag("outcome", "shadow_rejected")
                    .tag("backend", backendTag)
                    .description("Calls decided, by limit, outcome and the backend that decided")
                    .register(registry);
        }
        FunctionCounter.builder("ratewarden.calls.near_limit", limiter, Limiter::nearLimit)
                .tags(tags).tag("name", limiter.name())
                .description("Permitted calls that left at most a fifth of the limit in their bucket")
                .register(registry);
        FunctionCounter.builder("ratewarden.calls", limiter, l -> l.metrics().storeFailureRejected())
                .tags(tags).tag("name", limiter.name()).tag("outcome", "store_failure").tag("backend", "in_memory")
                .description("Calls decided, by limit, outcome and the backend that decided")
                .register(registry);
    }

    @Override
    public String toString() {
        return "RatewardenMetrics[" + ratewarden.name() + "]";
    }
}
