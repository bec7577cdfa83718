package io.ratewarden.redis.internal;

import io.ratewarden.internal.failover.OverrideFields;
import io.ratewarden.store.LimitKey;

/**
 * The Redis key names of Ratewarden's data under one key prefix: the one place that decides
 * them, so that no two buckets, layouts or instance records ever share a name.
 *
 * <ul>
 *   <li>A bucket's name is the prefix, the limit's name, {@code @} and the tier when there is
 *       one, {@code :}, and the caller's key. In the name and the tier, {@code % { } : @} are
 *       percent-escaped; in the key, {@code % { }} are (a colon in the key is kept: the name and
 *       tier hold none, so the first colon after the prefix always ends them). With no brace, a
 *       bucket's Redis keys, {@code {name}:suffix} included, all hash to one cluster slot whatever
 *       the caller's key holds.</li>
 *   <li>The compact layout puts a colon right after the prefix: an escaped limit name is never
 *       empty and never holds a colon, so no bucket of the other layout starts that way.</li>
 *   <li>The instance heartbeats and the operators' overrides live in {@code {<prefix>}instances}
 *       and {@code {<prefix>}overrides}: one hash tag, so that one script reads both in a
 *       cluster; no bucket's key starts with a brace followed by the bare prefix and another
 *       brace.</li>
 *   <li>An override's field in {@code overrides} is the escaped limit name, and {@code @} and the
 *       escaped tier for a tier's.</li>
 * </ul>
 * This class is immutable and thread-safe.
 */
final class RedisNames {

    private final String prefix;

    /** @param prefix the key prefix, without braces (the builder checks it) */
    RedisNames(String prefix) {
        this.prefix = prefix;
    }

    /** The name of a bucket on Redisson's {@code RRateLimiter} layout (its hash). */
    String limiter(LimitKey key) {
        return prefix + bucket(key);
    }

    /** The name of a bucket's one key on the compact layout. */
    String compact(LimitKey key) {
        return prefix + ":" + bucket(key);
    }

    /** The sorted set of the instances' heartbeats. */
    String instances() {
        return "{" + prefix + "}instances";
    }

    /** The hash of the operators' overrides, by {@link OverrideFields#field}. */
    String overrides() {
        return "{" + prefix + "}overrides";
    }

    private static String bucket(LimitKey key) {
        String name = OverrideFields.escape(key.limitName(), true);
        if (!key.tier().isEmpty()) {
            name = name + "@" + OverrideFields.escape(key.tier(), true);
        }
        return name + ":" + OverrideFields.escape(key.key(), false);
    }

}
