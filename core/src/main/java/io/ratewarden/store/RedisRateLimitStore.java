package io.ratewarden.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.Limit;
import io.ratewarden.StoreInfo;
import io.ratewarden.internal.RedisConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.redisson.api.RFuture;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RScript;
import org.redisson.api.RateLimiterConfig;
import org.redisson.api.RateType;
import org.redisson.api.options.CommonOptions;
import org.redisson.api.options.OptionalOptions;
import org.redisson.api.options.PlainOptions;
import org.redisson.api.redisnode.RedisClusterMaster;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.api.ratelimiter.RateLimiterArgs;
import org.redisson.client.codec.DoubleCodec;
import org.redisson.client.codec.StringCodec;

/**
 * A store on Redis: one Redisson {@link RRateLimiter} of rate type {@code OVERALL} per key, shared
 * by every instance that uses the same Redis and key prefix.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>Bounded waits.</b> Every command runs with a per-object timeout of {@code timeout} and
 *       no Redisson retries (a re-sent {@code tryAcquire} would consume permits twice once Redis
 *       answers), and a call's commands share one deadline: no call waits longer than
 *       {@code timeout}. A failure throws {@link StoreUnavailableException} with a masked
 *       message.</li>
 *   <li><b>Configuration follows the code.</b> On first use of a key, this instance creates the
 *       limiter ({@code trySetRate}) or, when Redis holds another rate or window, replaces it
 *       keeping the grants in the window. A limiter that disappeared (restart, flush, eviction,
 *       expiry) is re-created and the call retried once, transparently.</li>
 *   <li><b>Idle keys leave Redis</b> after twice the window plus one second (Redisson's
 *       keep-alive).</li>
 *   <li><b>One cluster slot per limiter.</b> Redis key names are the prefix, the limit's name and
 *       the key with {@code % { } :} percent-escaped, so Redisson's {@code {name}:suffix} keys
 *       all hash to one slot whatever the caller's key holds.</li>
 * </ul>
 * This class is thread-safe.
 */
public final class RedisRateLimitStore implements RateLimitStore {

    private static final String NOT_INITIALIZED = "RateLimiter is not initialized";
    private static final String EXCEEDS_RATE = "Requested permits amount cannot exceed defined rate";
    private static final String HEARTBEAT_SCRIPT =
            "redis.call('zadd', KEYS[1], ARGV[1], ARGV[3]); "
            + "redis.call('zremrangebyscore', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2])); "
            + "redis.call('pexpire', KEYS[1], ARGV[2]); "
            + "return redis.call('zcard', KEYS[1]);";

    private final RedisConnection connection;
    private final Duration timeout;
    private final long timeoutNanos;
    private final String keyPrefix;
    private final Instant since;
    private final Cache<LimitKey, RedisLimiter> limiters;

    /**
     * Creates the store.
     *
     * @param connection the Redis connection
     * @param timeout the longest a call may wait on Redis, at least 1 ms
     * @param keyPrefix prepended to every Redis key; must not hold {@code {} or {@code }}
     * @param maxKeys the most limiter handles kept in memory
     * @throws IllegalArgumentException for a timeout under 1 ms or a prefix with braces
     */
    public RedisRateLimitStore(RedisConnection connection, Duration timeout, String keyPrefix, long maxKeys) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.timeout = Objects.requireNonNull(timeout, "redisTimeout");
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("redisTimeout must be at least 1 ms, was " + timeout);
        }
        this.timeoutNanos = timeout.toNanos();
        this.keyPrefix = checkPrefix(keyPrefix);
        this.since = Clock.systemUTC().instant();
        this.limiters = Caffeine.newBuilder().maximumSize(maxKeys).build();
    }

    /**
     * Checks a key prefix: braces would move keys between cluster slots.
     *
     * @param keyPrefix the prefix
     * @return the prefix
     * @throws IllegalArgumentException if it holds a brace
     */
    public static String checkPrefix(String keyPrefix) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException("keyPrefix must not contain '{' or '}' (they choose Redis Cluster"
                    + " slots), was '" + keyPrefix + "'");
        }
        return keyPrefix;
    }

    /**
     * {@inheritDoc}
     *
     * @throws StoreUnavailableException when Redis cannot decide within the timeout
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
        if (!limiter.configured) {
            configure(limiter, deadline);
        }
        boolean granted;
        try {
            granted = await(limiter.handle.tryAcquireAsync(permits), deadline);
        } catch (LimiterOutOfDate e) {
            configure(limiter, deadline);
            granted = await(limiter.handle.tryAcquireAsync(permits), deadline);
        }
        return granted ? Decision.allowed(Backend.REDIS) : Decision.rejected(Backend.REDIS, retryAfter(limiter, deadline));
    }

    /**
     * Records this instance's heartbeat and counts the instances alive: one round trip that adds
     * {@code instanceId} with the current time to the sorted set {@code <prefix>instances},
     * drops members older than {@code ttl}, and returns how many remain. A write, not a
     * {@code PING}, so that an out-of-memory or read-only Redis fails the probe as it fails the
     * limiter. Timestamps come from each instance's clock.
     *
     * @param instanceId this instance's unique id
     * @param ttl how long a heartbeat counts
     * @return the round trip and the instances alive
     * @throws StoreUnavailableException when Redis does not accept the write within the timeout
     */
    public Heartbeat heartbeat(String instanceId, Duration ttl) {
        long start = System.nanoTime();
        RFuture<Long> live = connection.client()
                .getScript(OptionalOptions.defaults().codec(StringCodec.INSTANCE).timeout(timeout).retryAttempts(0))
                .evalAsync(RScript.Mode.READ_WRITE, HEARTBEAT_SCRIPT, RScript.ReturnType.LONG,
                        List.of(keyPrefix + "instances"), Long.toString(System.currentTimeMillis()),
                        Long.toString(ttl.toMillis()), instanceId);
        Long count = await(live, start + timeoutNanos);
        if (connection.cluster()) {
            pingMasters(start + timeoutNanos);
        }
        return new Heartbeat(Duration.ofNanos(System.nanoTime() - start), count == null ? 0 : count.intValue());
    }

    /**
     * In a cluster the heartbeat reaches one master only: every master must answer too, so that an
     * instance does not return to Redis while a dead master's slots are not yet taken over.
     */
    private void pingMasters(long deadline) {
        List<RFuture<Boolean>> pings = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        for (RedisClusterMaster master : connection.client().getRedisNodes(RedisNodes.CLUSTER).getMasters()) {
            pings.add(master.pingAsync(timeout.toMillis(), TimeUnit.MILLISECONDS));
            addresses.add(String.valueOf(master.getAddr()));
        }
        for (int i = 0; i < pings.size(); i++) {
            Boolean answered = await(pings.get(i), deadline);
            if (!Boolean.TRUE.equals(answered)) {
                throw new StoreUnavailableException("cluster master " + addresses.get(i) + " did not answer PING");
            }
        }
    }

    /**
     * The outcome of a heartbeat.
     *
     * @param roundTrip how long the round trip took
     * @param liveInstances the instances whose heartbeat is fresh, this one included
     */
    public record Heartbeat(Duration roundTrip, int liveInstances) {
    }

    /**
     * Returns the Redis key name of a limiter (the name of its Redisson hash).
     *
     * @param key the bucket
     * @return the Redis key
     */
    public String redisName(LimitKey key) {
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

    /**
     * Describes a failure for operators, masked.
     *
     * @param failure the failure
     * @return the masked description
     */
    public String describe(Throwable failure) {
        return connection.secrets().describe(failure);
    }

    /**
     * Returns the masked Redis address.
     *
     * @return the masked address
     */
    public String maskedUrl() {
        return connection.maskedUrl();
    }

    /** Closes the connection (a client passed in by the user stays open). */
    @Override
    public void close() {
        limiters.invalidateAll();
        connection.close();
    }

    private RedisLimiter open(LimitKey key) {
        CommonOptions options = CommonOptions.name(redisName(key)).timeout(timeout).retryAttempts(0);
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
    }

    private Duration retryAfter(RedisLimiter limiter, long deadline) {
        Limit limit = limiter.limit;
        Duration typicalGap = Duration.ofMillis(Math.max(1, limit.windowMillis() / limit.permits()));
        try {
            String permitsName = "{" + limiter.handle.getName() + "}:permits";
            Double oldest = await(connection.client().<Object>getScoredSortedSet(PlainOptions.name(permitsName)
                    .codec(DoubleCodec.INSTANCE).timeout(timeout).retryAttempts(0)).firstScoreAsync(), deadline);
            if (oldest == null) {
                return typicalGap;
            }
            long millis = oldest.longValue() + limit.windowMillis() - System.currentTimeMillis();
            return Duration.ofMillis(Math.min(limit.windowMillis(), Math.max(1, millis)));
        } catch (StoreUnavailableException e) {
            return typicalGap; // Redis decided; only the estimate is missing
        }
    }

    private <T> T await(Future<T> future, long deadline) {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(false);
            throw new StoreUnavailableException("Redis " + connection.maskedUrl() + " did not answer within "
                    + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String message = String.valueOf(cause.getMessage());
            if (message.contains(NOT_INITIALIZED) || message.contains(EXCEEDS_RATE)) {
                throw new LimiterOutOfDate();
            }
            throw new StoreUnavailableException(connection.secrets().describe(cause));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(false);
            throw new StoreUnavailableException("interrupted while waiting for Redis " + connection.maskedUrl());
        } catch (RuntimeException e) {
            throw new StoreUnavailableException(connection.secrets().describe(e));
        }
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

    /** The limiter disappeared from Redis or holds another rate: configure it and retry once. */
    private static final class LimiterOutOfDate extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LimiterOutOfDate() {
            super(null, null, false, false);
        }
    }

    /** A limiter handle and whether this instance has checked its configuration on Redis. */
    private static final class RedisLimiter {
        final Limit limit;
        final RRateLimiter handle;
        volatile boolean configured;

        RedisLimiter(Limit limit, RRateLimiter handle) {
            this.limit = limit;
            this.handle = handle;
        }
    }
}
