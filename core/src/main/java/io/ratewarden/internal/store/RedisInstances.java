package io.ratewarden.internal.store;

import io.ratewarden.store.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
     * than the time to live, and returns how many remain. ARGV: the time to live in ms, the
     * instance's id.
     */
    private static final String HEARTBEAT_SCRIPT = """
            if redis.replicate_commands then redis.replicate_commands() end
            local t = redis.call('time')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('zadd', KEYS[1], now, ARGV[2])
            redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[1]))
            redis.call('pexpire', KEYS[1], ARGV[1])
            return redis.call('zcard', KEYS[1])
            """;

    private final RedisCommands redis;
    private final List<Object> instancesKey;

    /**
     * @param redis the connection and its timeout
     * @param names the key names; the set is {@link RedisNames#instances()}
     */
    RedisInstances(RedisCommands redis, RedisNames names) {
        this.redis = redis;
        this.instancesKey = List.of(names.instances());
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
        RFuture<Long> live = redis.scripts().evalAsync(RScript.Mode.READ_WRITE, HEARTBEAT_SCRIPT,
                RScript.ReturnType.LONG, instancesKey, Long.toString(ttl.toMillis()), instanceId);
        Long count = redis.await(live, deadline);
        if (redis.connection().cluster()) {
            pingMasters(deadline);
        }
        return new Heartbeat(Duration.ofNanos(System.nanoTime() - start), count == null ? 0 : count.intValue());
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
