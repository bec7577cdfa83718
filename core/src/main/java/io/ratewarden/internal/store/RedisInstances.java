package io.ratewarden.internal.store;

import io.ratewarden.Limit;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.api.redisnode.RedisClusterMaster;
import org.redisson.api.redisnode.RedisNodes;

/**
 * The heartbeat of this instance on Redis and the count of the instances alive, which
 * {@link FailoverRateLimitStore}'s probe reads: whether Redis accepts writes, and how many
 * instances share each limit (their {@link io.ratewarden.FallbackShare}). This class is
 * thread-safe.
 */
final class RedisInstances implements Heartbeats {

    /*
     * Adds the instance with the Redis server's time (ms) to the sorted set, drops members older
     * than the time to live, and returns how many remain, and every override (field, value, ...).
     * ARGV: the time to live in ms, the instance's id.
     */
    private static final String HEARTBEAT_SCRIPT = """
            local t = redis.call('time')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('zadd', KEYS[1], now, ARGV[2])
            redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[1]))
            redis.call('pexpire', KEYS[1], ARGV[1])
            return {redis.call('zcard', KEYS[1]), redis.call('hgetall', KEYS[2])}
            """;

    private final RedisCommands redis;
    private final List<Object> keys;
    private final List<String> decisionScripts;
    /** Whether the decision scripts were loaded since the last heartbeat or load that failed. */
    private volatile boolean scriptsLoaded;

    /**
     * @param redis the connection and its timeout
     * @param names the key names; the set is {@link RedisNames#instances()}
     * @param decisionScripts the scripts that decide calls, loaded into Redis's script cache by
     *     the first heartbeat that gets through, and again after a failed heartbeat or load
     */
    RedisInstances(RedisCommands redis, RedisNames names, List<String> decisionScripts) {
        this.redis = redis;
        this.keys = List.of(names.instances(), names.overrides());
        this.decisionScripts = List.copyOf(decisionScripts);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One round trip that writes (not a {@code PING}, so that an out-of-memory or read-only
     * Redis fails the probe as it fails the limiter), timed by the Redis server's clock, so that
     * instances whose clocks disagree count each other alike.
     * In a cluster every master must then answer a {@code PING} too, so that an instance does not
     * return to Redis while a dead master's slots are not yet taken over.
     *
     * @throws StoreUnavailableException when Redis does not accept the write within the timeout
     */
    @Override
    public Heartbeat beat(String instanceId, Duration ttl) {
        long start = System.nanoTime();
        long deadline = start + redis.timeoutNanos();
        List<Object> reply;
        try {
            RFuture<List<Object>> answer = redis.scripts().evalAsync((String) keys.get(0), RScript.Mode.READ_WRITE,
                    HEARTBEAT_SCRIPT, RScript.ReturnType.LIST, keys, Long.toString(ttl.toMillis()), instanceId);
            reply = redis.await(answer, deadline);
            if (redis.connection().cluster()) {
                pingMasters(deadline);
            }
        } catch (RuntimeException e) {
            scriptsLoaded = false; // a Redis restarted or promoted meanwhile starts with an empty cache
            throw e;
        }
        Duration roundTrip = Duration.ofNanos(System.nanoTime() - start);
        if (!scriptsLoaded) {
            loadDecisionScripts(deadline);
        }
        int live = reply == null || reply.isEmpty() ? 0 : ((Number) reply.get(0)).intValue();
        Object overrides = reply == null || reply.size() < 2 ? List.of() : reply.get(1);
        return new Heartbeat(roundTrip, live, overrides((List<?>) overrides));
    }

    /**
     * {@inheritDoc}
     *
     * <p>One round trip: {@code HSET} or {@code HDEL} of the limit's field in the overrides' hash,
     * its value the permits and the window in milliseconds.
     */
    @Override
    public void storeOverride(String limitName, String tier, Limit limit) {
        long deadline = System.nanoTime() + redis.timeoutNanos();
        String field = RedisNames.overrideField(limitName, tier);
        RFuture<Long> stored = limit == null
                ? redis.scripts().evalAsync((String) keys.get(1), RScript.Mode.READ_WRITE,
                        "return redis.call('hdel', KEYS[1], ARGV[1])", RScript.ReturnType.LONG,
                        List.of(keys.get(1)), field)
                : redis.scripts().evalAsync((String) keys.get(1), RScript.Mode.READ_WRITE,
                        "return redis.call('hset', KEYS[1], ARGV[1], ARGV[2])", RScript.ReturnType.LONG,
                        List.of(keys.get(1)), field, limit.permits() + " " + limit.windowMillis());
        redis.await(stored, deadline);
    }

    /*
     * Calls run their scripts by hash (EVALSHA). Without this, the first call of each script after
     * a start or an outage finds Redis's cache empty and takes three round trips (EVALSHA, NOSCRIPT,
     * SCRIPT LOAD, EVALSHA) instead of one, within the same timeout, when a JVM is coldest.
     * Loaded once a heartbeat got through, so that a Redis still unreachable costs no connection
     * attempt more (Redisson opens a lazy connection on the thread that sends a command). One after
     * the other, each awaited within the heartbeat's timeout, so that the loads need no connection
     * beside the heartbeat's, and are done before the probe lets calls on Redis: nothing is still in
     * flight when close() shuts the client down right after (a connection attempt cut off by the
     * shutdown makes Netty log a stack trace). A load that fails or is late is not the heartbeat's
     * failure (a call loads a script Redis lacks itself); it is sent again with the next heartbeat.
     */
    private void loadDecisionScripts(long deadline) {
        try {
            for (String script : decisionScripts) {
                redis.await(redis.scripts().scriptLoadAsync(script), deadline);
            }
            scriptsLoaded = true;
        } catch (RuntimeException e) {
            scriptsLoaded = false;
        }
    }

    /** The overrides of a heartbeat's answer, field after value; a malformed entry is skipped. */
    private static Map<String, Map<String, Limit>> overrides(List<?> flat) {
        if (flat.isEmpty()) {
            return Map.of();
        }
        Map<String, Map<String, Limit>> byLimit = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String[] limitAndTier = RedisNames.parseOverrideField(String.valueOf(flat.get(i)));
            String[] value = String.valueOf(flat.get(i + 1)).trim().split(" ");
            try {
                Limit limit = Limit.of(Long.parseLong(value[0]), Duration.ofMillis(Long.parseLong(value[1])));
                byLimit.computeIfAbsent(limitAndTier[0], n -> new HashMap<>()).put(limitAndTier[1], limit);
            } catch (RuntimeException e) {
                // not an override this version wrote: skipped, never fatal to a heartbeat
            }
        }
        return byLimit;
    }

    private void pingMasters(long deadline) {
        List<RFuture<Boolean>> pings = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        long timeoutMillis = redis.timeout().toMillis();
        for (RedisClusterMaster master : redis.connection().client().getRedisNodes(RedisNodes.CLUSTER).getMasters()) {
            pings.add(master.pingAsync(timeoutMillis, TimeUnit.MILLISECONDS));
            addresses.add(String.valueOf(master.getAddr()));
        }
        for (int i = 0; i < pings.size(); i++) {
            Boolean answered = redis.await(pings.get(i), deadline);
            if (!Boolean.TRUE.equals(answered)) {
                throw new StoreUnavailableException("cluster master " + addresses.get(i) + " did not answer PING");
            }
        }
    }
}
