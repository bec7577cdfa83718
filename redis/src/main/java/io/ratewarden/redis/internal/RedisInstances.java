package io.ratewarden.redis.internal;

import io.ratewarden.internal.failover.OverrideFields;
import io.ratewarden.internal.failover.StoredOverride;
import io.ratewarden.internal.failover.Heartbeats;
import io.ratewarden.Limit;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
     * than the time to live, deletes the overrides that have ended, and returns how many instances
     * remain, every override (field, value, ...; the epoch among them) and the time.
     * ARGV: the time to live in ms, the instance's id.
     */
    private static final String HEARTBEAT_SCRIPT = """
            local t = redis.call('time')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('zadd', KEYS[1], now, ARGV[2])
            redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[1]))
            redis.call('pexpire', KEYS[1], ARGV[1])
            local overrides = redis.call('hgetall', KEYS[2])
            local kept = {}
            for i = 1, #overrides, 2 do
              local ends = string.match(overrides[i + 1], '^%d+ %d+ (%d+) ')
              if ends and tonumber(ends) > 0 and tonumber(ends) <= now then
                redis.call('hdel', KEYS[2], overrides[i])
              else
                kept[#kept + 1] = overrides[i]
                kept[#kept + 1] = overrides[i + 1]
              end
            end
            return {redis.call('zcard', KEYS[1]), kept, now}
            """;

    /*
     * Writes an override or a clear, versioned by the Redis clock (µs), and the hash's epoch when it
     * has none. ARGV: the field, 's' to set or 'c' to clear, the permits, the window in ms, how
     * long it lasts in ms (0: no end), an epoch for a new hash. Returns the value written, a line
     * break, and the hash's epoch.
     */
    private static final String STORE_OVERRIDE_SCRIPT = """
            local t = redis.call('time')
            local version = tonumber(t[1]) * 1000000 + tonumber(t[2])
            if redis.call('hexists', KEYS[1], ':epoch') == 0 then
              redis.call('hset', KEYS[1], ':epoch', ARGV[6])
            end
            local value
            if ARGV[2] == 's' then
              local ends = 0
              if tonumber(ARGV[5]) > 0 then
                ends = math.floor(version / 1000) + tonumber(ARGV[5])
              end
              value = ARGV[3] .. ' ' .. ARGV[4] .. ' ' .. string.format('%d', ends) .. ' ' .. string.format('%d', version)
            else
              value = '- ' .. string.format('%d', version)
            end
            redis.call('hset', KEYS[1], ARGV[1], value)
            return value .. '\\n' .. redis.call('hget', KEYS[1], ':epoch')
            """;

    /*
     * Writes back overrides and clears after Redis lost them: each only where the hash lacks a later
     * version of its field. ARGV: an epoch for a new hash, then field, value, ... Returns the epoch.
     */
    private static final String RESTORE_OVERRIDES_SCRIPT = """
            local function version(value)
              if not value then
                return -1
              end
              local parts = {}
              for part in string.gmatch(value, '%S+') do
                parts[#parts + 1] = part
              end
              if #parts == 2 and parts[1] ~= '-' then
                return 0
              end
              return tonumber(parts[#parts]) or 0
            end
            if redis.call('hexists', KEYS[1], ':epoch') == 0 then
              redis.call('hset', KEYS[1], ':epoch', ARGV[1])
            end
            for i = 2, #ARGV, 2 do
              if version(redis.call('hget', KEYS[1], ARGV[i])) < version(ARGV[i + 1]) then
                redis.call('hset', KEYS[1], ARGV[i], ARGV[i + 1])
              end
            end
            return redis.call('hget', KEYS[1], ':epoch')
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
        long redisNow = reply == null || reply.size() < 3 ? 0 : ((Number) reply.get(2)).longValue();
        return new Heartbeat(roundTrip, live, overrides((List<?>) overrides, redisNow));
    }

    /**
     * {@inheritDoc}
     *
     * <p>One round trip, which writes the override's value (or the clear's mark) with its version.
     */
    @Override
    public StoreOutcome storeOverride(String field, Limit limit, Duration expiry, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        long lastsMillis = expiry == null ? 0 : Math.max(0, expiry.toMillis());
        String hash = (String) keys.get(1);
        RFuture<String> stored = redis.scripts(wait).evalAsync(hash, RScript.Mode.READ_WRITE, STORE_OVERRIDE_SCRIPT,
                RScript.ReturnType.VALUE, List.of(hash), field, limit == null ? "c" : "s",
                limit == null ? "0" : Long.toString(limit.permits()),
                limit == null ? "0" : Long.toString(limit.windowMillis()), Long.toString(lastsMillis),
                UUID.randomUUID().toString());
        String[] answer = String.valueOf(redis.await(stored, deadline)).split("\n", 2);
        StoredOverride written = StoredOverride.parse(answer[0]);
        if (written == null || answer.length < 2) {
            throw new StoreUnavailableException("Redis " + redis.maskedUrl() + " answered the override with a value"
                    + " this version cannot read");
        }
        return new StoreOutcome(written, answer[1]);
    }

    /** {@inheritDoc} One round trip. */
    @Override
    public String restoreOverrides(Map<String, StoredOverride> overrides) {
        long deadline = System.nanoTime() + redis.timeoutNanos();
        List<Object> args = new ArrayList<>();
        args.add(UUID.randomUUID().toString());
        overrides.forEach((field, stored) -> {
            args.add(field);
            args.add(stored.encoded());
        });
        String hash = (String) keys.get(1);
        RFuture<String> epoch = redis.scripts().evalAsync(hash, RScript.Mode.READ_WRITE, RESTORE_OVERRIDES_SCRIPT,
                RScript.ReturnType.VALUE, List.of(hash), args.toArray());
        return String.valueOf(redis.await(epoch, deadline));
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
    private static HeardOverrides overrides(List<?> flat, long redisNowMillis) {
        String epoch = null;
        Map<String, StoredOverride> fields = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String field = String.valueOf(flat.get(i));
            String value = String.valueOf(flat.get(i + 1));
            if (field.equals(OverrideFields.EPOCH)) {
                epoch = value;
                continue;
            }
            StoredOverride stored = StoredOverride.parse(value);
            if (stored != null) {
                fields.put(field, stored);
            }
        }
        if (epoch == null && !fields.isEmpty()) {
            epoch = ""; // a hash written before epochs existed: one that was never lost, as far as anyone knows
        }
        return new HeardOverrides(epoch, fields, redisNowMillis);
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
