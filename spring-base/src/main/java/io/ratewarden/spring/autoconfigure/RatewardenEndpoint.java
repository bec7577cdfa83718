package io.ratewarden.spring.autoconfigure;

import io.ratewarden.LimitTier;
import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.Ratewarden;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.lang.Nullable;

/**
 * The operator's view of the limits, as an Actuator endpoint with id {@code ratewarden}:
 * <ul>
 *   <li>{@code GET /actuator/ratewarden}: every limit in force, with its override, shadow mode,
 *       counters and tiers; {@code GET /actuator/ratewarden/{limit}}: one;
 *       {@code GET /actuator/ratewarden/{limit}/{key}}: the permits a key has left, spending none;</li>
 *   <li>{@code POST /actuator/ratewarden/{limit}} with {@code {"permits": 8, "windowMillis": 60000}}
 *       (and {@code "tier"} for a tier's, {@code "expiryMillis"} for one that ends by itself): an
 *       override, on Redis kept for every instance;</li>
 *   <li>{@code DELETE /actuator/ratewarden/{limit}}: clears the limit's override and its tiers'
 *       ({@code ?tier=} for one tier's alone); {@code DELETE /actuator/ratewarden/{limit}/{key}}:
 *       resets a key.</li>
 * </ul>
 * When Redis cannot be reached for a write or a key's read, the answer is {@code 503} with a
 * problem body saying why (masked), never a {@code 500}; an unknown limit is a {@code 404}.
 * Like every endpoint it is reachable over HTTP only when exposed
 * ({@code management.endpoints.web.exposure.include}); its write operations are off unless
 * allowed ({@code management.endpoint.ratewarden.access=unrestricted}), and the application's
 * security decides who may call them, as for the rest of Actuator. Keys are never listed.
 */
@Endpoint(id = "ratewarden", defaultAccess = Access.READ_ONLY)
public class RatewardenEndpoint {

    private final Ratewarden ratewarden;

    /**
     * Creates the endpoint.
     *
     * @param ratewarden the context's instance
     */
    public RatewardenEndpoint(Ratewarden ratewarden) {
        this.ratewarden = ratewarden;
    }

    /**
     * Returns every limit of the instance, by name, in name order.
     *
     * @return the limits
     */
    @ReadOperation
    public Map<String, Object> limits() {
        Map<String, Object> limits = new LinkedHashMap<>();
        ratewarden.limits().stream().sorted(Comparator.comparing(Limiter::name))
                .forEach(limiter -> limits.put(limiter.name(), describe(limiter)));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("instance", ratewarden.name());
        body.put("backend", ratewarden.storeInfo().backend().name());
        body.put("limits", limits);
        return body;
    }

    /**
     * Returns one limit.
     *
     * @param limit the limit's name
     * @return the limit, or {@code null} (404) when the instance has no such limit yet
     */
    @ReadOperation
    @Nullable
    public Map<String, Object> limit(@Selector String limit) {
        Limiter limiter = find(limit);
        return limiter == null ? null : describe(limiter);
    }

    /**
     * Returns the permits {@code key} could take now under {@code limit}, spending none.
     *
     * @param limit the limit's name
     * @param key the caller's key
     * @return the limit in force and the permits remaining; 404 for an unknown limit, 503 when
     *     Redis cannot answer
     */
    @ReadOperation
    public WebEndpointResponse<Map<String, Object>> remaining(@Selector String limit, @Selector String key) {
        return answer(limit, limiter -> remainingOf(limiter, key));
    }

    /**
     * Overrides a limit, or one of its tiers.
     *
     * @param limit the limit's name
     * @param permits the permits per window from now on
     * @param windowMillis the window in milliseconds
     * @param tier the tier to override, or {@code null} for the limit's own
     * @param expiryMillis how long the override lasts in milliseconds, or {@code null} for no end
     * @return the limit as it is now; 404 for an unknown limit, 503 when Redis did not store it (the
     *     body says whether nothing changed or the outcome is unknown)
     */
    @WriteOperation
    public WebEndpointResponse<Map<String, Object>> override(@Selector String limit, long permits, long windowMillis,
                                                             @Nullable String tier, @Nullable Long expiryMillis) {
        return answer(limit, limiter -> {
            limiter.tier(tier).override(Limit.of(permits, Duration.ofMillis(windowMillis)),
                    expiryMillis == null ? null : Duration.ofMillis(expiryMillis));
            return describe(limiter);
        });
    }

    /**
     * Clears a limit's override and its tiers' overrides, or one tier's alone.
     *
     * @param limit the limit's name
     * @param tier the one tier to clear, or {@code null} for the limit's own and all its tiers'
     * @return the limit as it is now; 404 for an unknown limit, 503 when Redis did not store it
     */
    @DeleteOperation
    public WebEndpointResponse<Map<String, Object>> clearOverride(@Selector String limit, @Nullable String tier) {
        return answer(limit, limiter -> {
            if (tier != null && !tier.isEmpty()) {
                limiter.tier(tier).clearOverride();
                return describe(limiter);
            }
            limiter.clearOverride();
            for (String name : limiter.tierNames()) {
                if (limiter.tier(name).overridden() != null) {
                    limiter.tier(name).clearOverride();
                }
            }
            return describe(limiter);
        });
    }

    /**
     * Resets one key of a limit: its next call finds the whole limit.
     *
     * @param limit the limit's name
     * @param key the caller's key
     * @return the permits the key has now; 404 for an unknown limit, 503 when Redis cannot be
     *     reached (the key was then reset in this instance's memory only)
     */
    @DeleteOperation
    public WebEndpointResponse<Map<String, Object>> reset(@Selector String limit, @Selector String key) {
        return answer(limit, limiter -> {
            limiter.reset(key);
            return remainingOf(limiter, key);
        });
    }

    /**
     * Runs {@code operation} on the limit named {@code name}: 404 when there is none, 503 with a
     * problem body when Redis could not be reached or did not store what was asked.
     */
    private WebEndpointResponse<Map<String, Object>> answer(String name,
                                                            Function<Limiter, Map<String, Object>> operation) {
        Limiter limiter = find(name);
        if (limiter == null) {
            return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
        }
        try {
            return new WebEndpointResponse<>(operation.apply(limiter));
        } catch (IllegalStateException e) {
            Map<String, Object> problem = new LinkedHashMap<>();
            problem.put("type", "https://ratewarden.io/problems/store-unavailable");
            problem.put("title", "Service Unavailable");
            problem.put("status", WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
            problem.put("detail", e.getMessage());
            problem.put("limit", limiter.name());
            return new WebEndpointResponse<>(problem, WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
        }
    }

    private static Map<String, Object> remainingOf(Limiter limiter, String key) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("limit", limiter.name());
        body.put("permits", limiter.limit().permits());
        body.put("windowMillis", limiter.limit().windowMillis());
        body.put("remaining", limiter.remaining(key));
        return body;
    }

    private Limiter find(String name) {
        return ratewarden.limits().stream().filter(limiter -> limiter.name().equals(name)).findFirst().orElse(null);
    }

    private static Map<String, Object> describe(Limiter limiter) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("permits", limiter.limit().permits());
        body.put("windowMillis", limiter.limit().windowMillis());
        body.put("overridden", limiter.overridden() != null);
        body.put("shadow", limiter.isShadow());
        body.put("permitted", limiter.permitted());
        body.put("rejected", limiter.rejected());
        body.put("shadowRejected", limiter.shadowRejected());
        body.put("nearLimit", limiter.nearLimit());
        Map<String, Object> tiers = new LinkedHashMap<>();
        limiter.tierNames().forEach(name -> {
            LimitTier tier = limiter.tier(name);
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("permits", tier.limit().permits());
            values.put("windowMillis", tier.limit().windowMillis());
            values.put("overridden", tier.overridden() != null);
            tiers.put(name, values);
        });
        body.put("tiers", tiers);
        return body;
    }
}
