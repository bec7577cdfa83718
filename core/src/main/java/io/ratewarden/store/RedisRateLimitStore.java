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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import org.redisson.api.RFuture;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RScript;
import org.redisson.api.RateLimiterConfig;
import org.redisson.api.RateType;
import org.redisson.api.options.CommonOptions;
import org.redisson.api.options.OptionalOptions;
import org.redisson.api.options.KeysOptions;
import org.redisson.api.redisnode.RedisClusterMaster;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.api.ratelimiter.RateLimiterArgs;
import org.redisson.client.RedisTimeoutException;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger LOG = LoggerFactory.getLogger("io.ratewarden.redis");
    private static final String NOT_INITIALIZED = "RateLimiter is not initialized";
    private static final String EXCEEDS_RATE = "Requested permits amount cannot exceed defined rate";
    private static final String WRONG_TYPE = "WRONGTYPE";
    /*
     * The decision, in one round trip, on the layout of Redisson's RRateLimiter of rate type
     * OVERALL (so that Redisson's own calls on the same limiter see the same grants): a hash with
     * rate, interval (ms), type and keepAliveTime; {name}:value, the permits left; {name}:permits,
     * a sorted set with one member per grant, scored by the granting client's clock in ms, whose
     * member packs the grant's permits as struct 'Bc0I'. Returns 0 when it grants, else the ms
     * until the oldest grants that make room for the cost leave the window (at least 1).
     */
    private static final String DECIDE_SCRIPT = """
            local rate = tonumber(redis.call('hget', KEYS[1], 'rate'))
            local interval = tonumber(redis.call('hget', KEYS[1], 'interval'))
            local kind = redis.call('hget', KEYS[1], 'type')
            if rate == nil or interval == nil or kind ~= '0' then
              return redis.error_reply('RateLimiter is not initialized')
            end
            local cost = tonumber(ARGV[1])
            if cost > rate then
              return redis.error_reply('Requested permits amount cannot exceed defined rate')
            end
            local now = tonumber(ARGV[2])
            local left = redis.call('get', KEYS[2])
            if left == false then
              left = rate
            else
              left = tonumber(left)
              local gone = redis.call('zrangebyscore', KEYS[3], 0, now - interval)
              if #gone > 0 then
                local freed = 0
                for _, member in ipairs(gone) do
                  local _, n = struct.unpack('Bc0I', member)
                  freed = freed + n
                end
                redis.call('zremrangebyscore', KEYS[3], 0, now - interval)
                left = left + freed
                if left > rate then
                  local held = 0
                  for _, member in ipairs(redis.call('zrange', KEYS[3], 0, -1)) do
                    local _, n = struct.unpack('Bc0I', member)
                    held = held + n
                  end
                  left = rate - held
                end
              end
            end
            local wait = 0
            if left >= cost then
              redis.call('zadd', KEYS[3], now, struct.pack('Bc0I', string.len(ARGV[3]), ARGV[3], cost))
              left = left - cost
            else
              wait = interval
              local room = left
              local oldest = redis.call('zrange', KEYS[3], 0, -1, 'WITHSCORES')
              for i = 1, #oldest, 2 do
                local _, n = struct.unpack('Bc0I', oldest[i])
                room = room + n
                if room >= cost then
                  wait = math.max(1, tonumber(oldest[i + 1]) + interval - now)
                  break
                end
              end
            end
            redis.call('set', KEYS[2], left)
            local keepAlive = tonumber(redis.call('hget', KEYS[1], 'keepAliveTime'))
            if keepAlive ~= nil and keepAlive > 0 then
              redis.call('pexpire', KEYS[1], keepAlive)
              redis.call('pexpire', KEYS[2], keepAlive)
              redis.call('pexpire', KEYS[3], keepAlive)
            end
            return wait
            """;
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
    private volatile RScript decisions;
    private final Duration answerTimeout;
    private volatile Runnable lateAnswers = () -> { };

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
        // Redisson waits longer than a call does, so that a late answer still arrives and tells
        // a slow Redis from a hung one; with no retries, nothing is sent twice.
        this.answerTimeout = timeout.multipliedBy(3).compareTo(timeout.plusMillis(200)) > 0
                ? timeout.multipliedBy(3) : timeout.plusMillis(200);
        this.keyPrefix = checkPrefix(keyPrefix);
        this.since = Clock.systemUTC().instant();
        this.limiters = Caffeine.newBuilder().maximumSize(maxKeys).build();
    }

    /** The script handle of decisions, made on first use: the client is created lazily. */
    private RScript decisions() {
        RScript current = decisions;
        if (current == null) {
            current = connection.client().getScript(
                    OptionalOptions.defaults().codec(StringCodec.INSTANCE).timeout(answerTimeout).retryAttempts(0));
            decisions = current;
        }
        return current;
    }

    /**
     * Sets what runs when Redis answers a command after its caller stopped waiting (on a Redisson
     * thread; it must not block).
     *
     * @param listener the listener, never {@code null}
     */
    void onLateAnswer(Runnable listener) {
        this.lateAnswers = Objects.requireNonNull(listener, "listener");
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
        } catch (LimiterOutOfDate e) {
            try {
                configure(limiter, deadline);
                waitMillis = decide(limiter, permits, deadline);
            } catch (LimiterOutOfDate again) {
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
        Long wait = await(decisions().<Long>evalAsync(limiter.name, RScript.Mode.READ_WRITE, DECIDE_SCRIPT,
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
                .getScript(OptionalOptions.defaults().codec(StringCodec.INSTANCE).timeout(answerTimeout).retryAttempts(0))
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
        CommonOptions options = CommonOptions.name(redisName(key)).timeout(answerTimeout).retryAttempts(0);
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
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // The caller is decided without this answer, but an answer that comes late still
            // proves Redis alive: a slow reply, not a hung server.
            future.whenComplete((answer, failure) -> {
                if (failure == null) {
                    lateAnswers.run();
                }
            });
            throw StoreTimeoutException.after("Redis " + connection.maskedUrl() + " did not answer within "
                    + timeout.toMillis() + " ms", System.nanoTime() - (deadline - timeoutNanos), timeoutNanos);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RedisTimeoutException) { // Redisson's own timeout, its response one included
                throw StoreTimeoutException.reported(connection.secrets().describe(cause), timeoutNanos);
            }
            String message = String.valueOf(cause.getMessage());
            if (message.contains(NOT_INITIALIZED) || message.contains(EXCEEDS_RATE)) {
                throw new LimiterOutOfDate();
            }
            if (message.contains(WRONG_TYPE)) {
                throw new KeyDataException(connection.secrets().describe(cause));
            }
            throw new StoreUnavailableException(connection.secrets().describe(cause));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
            this.keys = List.of(name, "{" + name + "}:value", "{" + name + "}:permits");
        }
    }
}
