package io.ratewarden.internal.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.Limit;
import io.ratewarden.StoreInfo;
import io.ratewarden.internal.RedisConnection;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.redisson.api.RFuture;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RScript;
import org.redisson.api.RateLimiterConfig;
import org.redisson.api.RateType;
import org.redisson.api.options.CommonOptions;
import org.redisson.api.options.KeysOptions;
import org.redisson.api.ratelimiter.RateLimiterArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store on Redis: one Redisson {@link RRateLimiter} of rate type {@code OVERALL} per key, shared
 * by every instance that uses the same Redis and key prefix.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>Bounded waits.</b> A call's commands share one deadline, the Redis timeout, and run
 *       with no Redisson retries ({@link RedisCommands}). A failure throws
 *       {@link StoreUnavailableException} with a masked message.</li>
 *   <li><b>Configuration follows the code.</b> On first use of a key, this instance creates the
 *       limiter ({@code trySetRate}) or, when Redis holds another rate or window, replaces it
 *       keeping the grants in the window. A limiter that disappeared (restart, flush, eviction,
 *       expiry) is re-created and the call retried once, transparently.</li>
 *   <li><b>Idle keys leave Redis</b> after twice the window plus one second (Redisson's
 *       keep-alive).</li>
 *   <li><b>One cluster slot per limiter.</b> A limiter's Redis name is the prefix, the limit's
 *       name with {@code % { } :} percent-escaped, {@code :}, and the caller's key with
 *       {@code % { }} percent-escaped (a colon in the key is kept: the limit's name holds none, so
 *       the first colon after the prefix always ends it). With no brace in the name, Redisson's
 *       {@code {name}:suffix} keys all hash to one slot whatever the caller's key holds.</li>
 *   <li><b>Redisson's layout</b> of the limiter's keys, which the decision script reads and
 *       writes, is known to {@link RedissonLimiterLayout} alone.</li>
 * </ul>
 * This class is thread-safe.
 */
final class RedisRateLimitStore implements RateLimitStore {

    private static final Logger LOG = LoggerFactory.getLogger("io.ratewarden.redis");

    private final RedisCommands redis;
    private final RedisConnection connection;
    private final Duration timeout;
    private final long timeoutNanos;
    private final String keyPrefix;
    private final Instant since;
    private final Cache<LimitKey, RedisLimiter> limiters;

    /**
     * Creates the store.
     *
     * @param redis the connection and its timeout
     * @param keyPrefix prepended to every Redis key, without braces (the builder checks it)
     * @param maxKeys the most limiter handles kept in memory
     */
    RedisRateLimitStore(RedisCommands redis, String keyPrefix, long maxKeys) {
        this.redis = redis;
        this.connection = redis.connection();
        this.timeout = redis.timeout();
        this.timeoutNanos = redis.timeoutNanos();
        this.keyPrefix = keyPrefix;
        this.since = Clock.systemUTC().instant();
        this.limiters = Caffeine.newBuilder().maximumSize(maxKeys).build();
    }

    /**
     * {@inheritDoc}
     *
     * <p>One round trip when the limiter is configured on Redis: a refusal's
     * {@link Decision#retryAfter()} is when Redis will next have room for {@code permits}, read in
     * the same script that refused. A limiter that is missing on Redis or holds another rate is
     * configured and the call retried once, within the same deadline.
     *
     * @throws StoreUnavailableException when Redis cannot decide within the timeout
     * @throws KeyDataException when this key's data on Redis is not a limiter's (the key is
     *     repaired in the background; other keys are unaffected)
     */
    @Override
    public Decision tryAcquire(LimitKey key, long permits) {
        InMemoryRateLimitStore.checkPermits(key, permits);
        long deadline = System.nanoTime() + timeoutNanos;
        RedisLimiter limiter;
        try {
            limiter = limiters.get(key, this::open);
        } catch (RuntimeException e) {
            throw new StoreUnavailableException(connection.secrets().describe(e));
        }
        long waitMillis;
        try {
            if (!limiter.configured) {
                configure(limiter, deadline);
            }
            waitMillis = decide(limiter, permits, deadline);
        } catch (RedisCommands.LimiterOutOfDate e) {
            try {
                configure(limiter, deadline);
                waitMillis = decide(limiter, permits, deadline);
            } catch (RedisCommands.LimiterOutOfDate again) {
                // Reconfigured under us twice in one call (another instance with other settings,
                // or a flush): Redis could not decide this call in time.
                limiter.configured = false;
                throw new StoreUnavailableException("the limiter of '" + key.limitName()
                        + "' on Redis was replaced while this call was deciding");
            }
        } catch (KeyDataException e) {
            repair(limiter, key, e);
            throw e;
        }
        if (waitMillis <= 0) {
            return Decision.allowed(Backend.REDIS);
        }
        return Decision.rejected(Backend.REDIS, Duration.ofMillis(Math.min(waitMillis, key.limit().windowMillis())));
    }

    /** Runs the decision script: 0 when granted, else the milliseconds until room for {@code permits}. */
    private long decide(RedisLimiter limiter, long permits, long deadline) {
        Long wait = await(redis.scripts().<Long>evalAsync(limiter.name, RScript.Mode.READ_WRITE,
                RedissonLimiterLayout.DECIDE_SCRIPT,
                RScript.ReturnType.LONG, limiter.keys,
                Long.toString(permits), Long.toString(System.currentTimeMillis()), grantId()), deadline);
        return wait == null ? 0 : wait;
    }

    /** A unique member for a grant in the limiter's sorted set. */
    private static String grantId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return Long.toHexString(random.nextLong() | Long.MIN_VALUE);
    }

    /**
     * Deletes a key whose data is not a limiter's, so that the next call re-creates it. Its grants
     * in the window are lost: for one window that key admits up to its limit again.
     */
    private void repair(RedisLimiter limiter, LimitKey key, KeyDataException cause) {
        synchronized (limiter) {
            limiter.configured = false;
            if (limiter.repairing) {
                return; // another call on this key found it first
            }
            limiter.repairing = true;
        }
        LOG.warn("Redis {}: the data of limit '{}' for one key is not a limiter's ({}); re-creating that key,"
                + " which admits up to the limit again for one window. Other keys are unaffected.",
                connection.maskedUrl(), key.limitName(), cause.getMessage());
        connection.client().getKeys(KeysOptions.defaults().timeout(timeout).retryAttempts(0))
                .deleteAsync(limiter.keys.toArray(new String[0]));
    }

    /**
     * Returns the Redis key name of a limiter (the name of its Redisson hash).
     *
     * @param key the bucket
     * @return the Redis key
     */
    String redisName(LimitKey key) {
        return keyPrefix + escape(key.limitName(), true) + ":" + escape(key.key(), false);
    }

    /** Redis decides: healthy unless a call fails, which this store does not track. */
    @Override
    public boolean isHealthy() {
        return true;
    }

    @Override
    public StoreInfo info() {
        return new StoreInfo(Backend.REDIS, true, connection.maskedUrl(), since, 0, 0, null, null, null, 0);
    }

    /** Closes the connection (a client passed in by the user stays open). */
    @Override
    public void close() {
        limiters.invalidateAll();
        redis.close();
    }

    private RedisLimiter open(LimitKey key) {
        CommonOptions options = CommonOptions.name(redisName(key)).timeout(redis.answerTimeout()).retryAttempts(0);
        return new RedisLimiter(key.limit(), connection.client().getRateLimiter(options));
    }

    private void configure(RedisLimiter limiter, long deadline) {
        Limit limit = limiter.limit;
        Duration keepAlive = limit.window().multipliedBy(2).plusSeconds(1);
        boolean created = await(limiter.handle.trySetRateAsync(RateType.OVERALL, limit.permits(), limit.window(),
                keepAlive), deadline);
        if (!created) {
            RateLimiterConfig held = await(limiter.handle.getConfigAsync(), deadline);
            boolean same = held.getRateType() == RateType.OVERALL
                    && Objects.equals(held.getRate(), limit.permits())
                    && Objects.equals(held.getRateInterval(), limit.windowMillis());
            if (!same) {
                RateLimiterArgs args = RateLimiterArgs.of(RateType.OVERALL, limit.permits(), limit.window())
                        .keepAliveTime(keepAlive).keepState(true);
                await(limiter.handle.setRateAsync(args), deadline);
            }
        }
        limiter.configured = true;
        limiter.repairing = false;
    }

    private <T> T await(RFuture<T> future, long deadline) {
        return redis.await(future, deadline);
    }

    static String escape(String text, boolean escapeColon) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = switch (c) {
                case '%' -> "%25";
                case '{' -> "%7B";
                case '}' -> "%7D";
                case ':' -> escapeColon ? "%3A" : null;
                default -> null;
            };
            if (replacement != null && out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }

    /**
     * A limiter handle, its three Redis keys (the hash, {@code {name}:value}, {@code {name}:permits},
     * named once), and whether this instance has checked its configuration on Redis.
     */
    private static final class RedisLimiter {
        final Limit limit;
        final RRateLimiter handle;
        final String name;
        final List<Object> keys;
        volatile boolean configured;
        volatile boolean repairing; // a repair of this key's data was started and not yet confirmed

        RedisLimiter(Limit limit, RRateLimiter handle) {
            this.limit = limit;
            this.handle = handle;
            this.name = handle.getName();
            this.keys = RedissonLimiterLayout.keysOf(name);
        }
    }
}
