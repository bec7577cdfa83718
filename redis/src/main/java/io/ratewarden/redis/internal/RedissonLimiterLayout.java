package io.ratewarden.redis.internal;

import io.ratewarden.Limit;
import io.ratewarden.store.LimitKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;

/**
 * Buckets kept as Redisson keeps an {@code RRateLimiter} of rate type {@code OVERALL} (Redisson
 * 3.x and 4.x, measured on 4.7), so that Redisson's own {@code RRateLimiter} on the same keys
 * sees the same grants. The one place that knows that layout; {@code RedissonLimiterLayoutTest}
 * fails when a Redisson upgrade changes any of it.
 *
 * <ul>
 *   <li>{@code name}: a hash with {@code rate}, {@code interval} (ms), {@code type}
 *       ({@code 0} for {@code OVERALL}) and {@code keepAliveTime} (ms);</li>
 *   <li>{@code {name}:value}: a string, the permits left;</li>
 *   <li>{@code {name}:permits}: a sorted set with one member per grant, scored by the time of
 *       the grant in ms, whose member packs a random id and the grant's permits as Lua
 *       {@code struct} format {@code Bc0I}.</li>
 * </ul>
 *
 * <h2>Design</h2>
 * One script per decision, on the Redis server's clock ({@code TIME}, to the microsecond), never
 * an instance's: instances whose clocks disagree still share one window. The limit travels with
 * every call: the script creates the hash when it is missing and rewrites it when the call's
 * rate or interval differs, adding the difference in rate to the permits left, so that a raised
 * limit gives an exhausted bucket the difference at once and a lowered one takes it back. The
 * script reads only what it needs: the grants that left the window (each read once, then
 * removed) and, on a rejection, the oldest grants that make room for the cost, never the whole
 * window. (Only state that disagrees with itself, a permits-left value above the rate or
 * missing beside grants, is recounted in full, once.) Redisson's own calls on the same limiter
 * stamp their grants with the calling client's clock. Idle buckets expire after twice the window
 * plus one second. This class is thread-safe.
 */
final class RedissonLimiterLayout implements RedisLayout {

    /** The sum of the permits of the grants listed by a command, and a time in ms to the µs. */
    private static final String COMMON = """
            local t = redis.call('time')
            local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
            local function sum(members)
              local total = 0
              for _, member in ipairs(members) do
                local _, n = struct.unpack('Bc0I', member)
                total = total + n
              end
              return total
            end
            """;

    /*
     * The decision. ARGV: the costs (one per call, comma-separated, decided in that order: a
     * coalesced batch; each grant is a member of its own), the rate, the interval in ms, the keep-alive in ms, a unique
     * id for the grant, the grants this instance holds of the limiter in its window (0: none), which
     * re-create a limiter that vanished. Answers, as text, per call and comma-separated, the
     * permits left when it grants, else minus the µs until the oldest grants that make room for
     * the cost leave the window; then " s" when it re-created the limiter. Lua counts in doubles, exact up
     * to 2^53 (Limit.MAX_PERMITS): no intermediate sum may pass it, and the permits left are
     * written as an integer ('%d'), never in Lua's 14-digit number format.
     */
    static final String DECIDE_SCRIPT = COMMON + """
            local costs = {}
            for c in string.gmatch(ARGV[1], '%d+') do
              costs[#costs + 1] = tonumber(c)
            end
            local rate = tonumber(ARGV[2])
            local interval = tonumber(ARGV[3])
            local config = redis.call('hmget', KEYS[1], 'rate', 'interval', 'type', 'keepAliveTime')
            local left = redis.call('get', KEYS[2])
            local dirty = false
            if config[3] ~= '0' then
              if config[3] then
                redis.call('del', KEYS[2], KEYS[3])
                left = false
              end
              redis.call('hset', KEYS[1], 'rate', ARGV[2], 'interval', ARGV[3], 'type', '0', 'keepAliveTime', ARGV[4])
              dirty = true
            elseif tonumber(config[1]) ~= rate or tonumber(config[2]) ~= interval or config[4] ~= ARGV[4] then
              if left then
                left = tonumber(left) + (rate - tonumber(config[1]))
              end
              redis.call('hset', KEYS[1], 'rate', ARGV[2], 'interval', ARGV[3], 'keepAliveTime', ARGV[4])
              dirty = true
            end
            local seeded = false
            if not left and tonumber(ARGV[6]) > 0 and redis.call('exists', KEYS[3]) == 0 then
              -- The limiter vanished (a flush, an eviction) while this instance holds grants of it in
              -- its window: one grant of them all, dated now, so that none is freed early.
              redis.call('zadd', KEYS[3], now, struct.pack('Bc0I', string.len(ARGV[5]) + 1, ARGV[5] .. 's',
                  math.min(tonumber(ARGV[6]), rate, 4294967295)))
              seeded = true
            end
            if left then
              left = tonumber(left)
              local gone = redis.call('zrangebyscore', KEYS[3], 0, now - interval)
              if #gone > 0 then
                left = left + sum(gone)
                redis.call('zremrangebyscore', KEYS[3], 0, now - interval)
                if left > rate then
                  left = rate - sum(redis.call('zrange', KEYS[3], 0, -1))
                end
                dirty = true
              end
            else
              redis.call('zremrangebyscore', KEYS[3], 0, now - interval)
              left = rate - sum(redis.call('zrange', KEYS[3], 0, -1))
              dirty = true
            end
            -- The calls of a batch, in order: each grant a member of its own, all at the same time, so added
            -- in one command after the last call (a grant of the batch, dated now, is never among the
            -- oldest that a rejection's wait looks for: without it, the wait is the whole interval, as with it).
            local results = {}
            local granted = {}
            for i = 1, #costs do
              local cost = costs[i]
              local result
              if left >= cost then
                local id = ARGV[5]
                if i > 1 then
                  id = id .. ':' .. i
                end
                granted[#granted + 1] = now
                granted[#granted + 1] = struct.pack('Bc0I', string.len(id), id, cost)
                left = left - cost
                dirty = true
                result = left
              else
                local room = left
                local wait = interval
                local oldest = redis.call('zrange', KEYS[3], 0, cost - left - 1, 'WITHSCORES')
                for j = 1, #oldest, 2 do
                  local _, n = struct.unpack('Bc0I', oldest[j])
                  room = room + n
                  if room >= cost then
                    wait = tonumber(oldest[j + 1]) + interval - now
                    break
                  end
                end
                result = -math.max(1, math.ceil(math.min(wait, interval) * 1000))
              end
              results[i] = string.format('%d', result)
            end
            if #granted > 0 then
              redis.call('zadd', KEYS[3], unpack(granted))
            end
            if dirty then
              redis.call('set', KEYS[2], string.format('%d', left), 'PX', ARGV[4])
              redis.call('pexpire', KEYS[1], ARGV[4])
              redis.call('pexpire', KEYS[3], ARGV[4])
            end
            local answer = table.concat(results, ',')
            if seeded then
              return answer .. ' s'
            end
            return answer
            """;

    /*
     * The permits a call could take now, as the next decision would see them; writes nothing.
     * ARGV: the rate, the interval in ms.
     */
    static final String REMAINING_SCRIPT = COMMON + """
            local rate = tonumber(ARGV[1])
            local interval = tonumber(ARGV[2])
            local config = redis.call('hmget', KEYS[1], 'rate', 'type')
            if config[2] ~= '0' then
              return rate
            end
            local function heldInWindow()
              return sum(redis.call('zrangebyscore', KEYS[3], string.format('(%.17g', now - interval), '+inf'))
            end
            local left = redis.call('get', KEYS[2])
            if not left then
              left = rate - heldInWindow()
            else
              left = tonumber(left) + (rate - tonumber(config[1]))
                  + sum(redis.call('zrangebyscore', KEYS[3], 0, now - interval))
              if left > rate then
                left = rate - heldInWindow()
              end
            end
            return math.max(0, math.min(rate, left))
            """;

    /*
     * Gives back up to ARGV[1] permits, the latest grants in the window first (a grant larger than
     * what is left to give keeps the rest, under its own id), and adds them to the permits left,
     * never above the rate. ARGV: the permits, the rate, the interval in ms. Answers the permits
     * given back.
     */
    static final String REFUND_SCRIPT = COMMON + """
            local n = tonumber(ARGV[1])
            local rate = tonumber(ARGV[2])
            local interval = tonumber(ARGV[3])
            local latest = redis.call('zrevrangebyscore', KEYS[3], '+inf', string.format('(%.17g', now - interval),
                'WITHSCORES', 'LIMIT', 0, n)
            local given = 0
            for j = 1, #latest, 2 do
              local member = latest[j]
              local id, permits = struct.unpack('Bc0I', member)
              local taken = math.min(n - given, permits)
              redis.call('zrem', KEYS[3], member)
              if taken < permits then
                redis.call('zadd', KEYS[3], latest[j + 1], struct.pack('Bc0I', string.len(id), id, permits - taken))
              end
              given = given + taken
              if given >= n then
                break
              end
            end
            local left = redis.call('get', KEYS[2])
            if given > 0 and left then
              local ttl = redis.call('pttl', KEYS[2])
              left = math.min(rate, tonumber(left) + given)
              if ttl > 0 then
                redis.call('set', KEYS[2], string.format('%d', left), 'PX', ttl)
              else
                redis.call('set', KEYS[2], string.format('%d', left))
              end
            end
            return given
            """;

    /* Forgets the grants and the permits left, keeping the configuration. */
    static final String RESET_SCRIPT = "redis.call('del', KEYS[2], KEYS[3]) return 0";

    private final RedisCommands redis;
    private final RedisNames names;

    RedissonLimiterLayout(RedisCommands redis, RedisNames names) {
        this.redis = redis;
        this.names = names;
    }

    /**
     * The three keys of the limiter named {@code name}, in the order the scripts take them: the
     * hash, the permits left, the grants.
     */
    static List<Object> keysOf(String name) {
        return List.of(name, "{" + name + "}:value", "{" + name + "}:permits");
    }

    @Override
    public List<String> scripts() {
        return List.of(DECIDE_SCRIPT, REMAINING_SCRIPT, REFUND_SCRIPT);
    }

    @Override
    public List<String> keysOf(LimitKey key) {
        String name = names.limiter(key);
        return List.of(name, "{" + name + "}:value", "{" + name + "}:permits");
    }

    /** The most permits one grant can take: Redisson's layout keeps them in 4 bytes. */
    static final long MAX_COST = 0xFFFF_FFFFL;

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code cost} is above {@link #MAX_COST}
     */
    @Override
    public long decide(LimitKey key, long cost, long seed, long deadline) {
        return redis.decision(key, redis.await(decideAsync(key, new long[] {cost}, seed), deadline), seed);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code cost} is above {@link #MAX_COST}
     */
    @Override
    public void checkCost(LimitKey key, long cost) {
        if (cost > MAX_COST) {
            throw new IllegalArgumentException("Limit '" + key.limitName() + "': a call's cost is at most "
                    + MAX_COST + " on the RRATE_LIMITER algorithm (Redisson's layout keeps a grant's permits in 4"
                    + " bytes), was " + cost + "; the COMPACT algorithm and memory take any cost up to the limit's"
                    + " permits");
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if a cost is above {@link #MAX_COST}
     */
    @Override
    public RFuture<String> decideAsync(LimitKey key, long[] costs, long seed) {
        for (long cost : costs) {
            checkCost(key, cost);
        }
        String name = names.limiter(key);
        Limit limit = key.limit();
        return redis.scripts().evalAsync(name, RScript.Mode.READ_WRITE, DECIDE_SCRIPT, RScript.ReturnType.VALUE,
                keysOf(name), RedisLayout.joined(costs), Long.toString(limit.permits()),
                Long.toString(limit.windowMillis()), Long.toString(keepAliveMillis(limit, redis.timeout())), grantId(),
                Long.toString(seed));
    }

    @Override
    public long remaining(LimitKey key, long deadline) {
        String name = names.limiter(key);
        // Read-write, so that it runs on the master and never reads a lagging replica.
        Long result = redis.await(redis.scripts().<Long>evalAsync(name, RScript.Mode.READ_WRITE, REMAINING_SCRIPT,
                RScript.ReturnType.LONG, keysOf(name), Long.toString(key.limit().permits()),
                Long.toString(key.limit().windowMillis())), deadline);
        return result == null ? 0 : result;
    }

    @Override
    public long refund(LimitKey key, long permits, long deadline) {
        String name = names.limiter(key);
        Long given = redis.await(redis.scripts().<Long>evalAsync(name, RScript.Mode.READ_WRITE, REFUND_SCRIPT,
                RScript.ReturnType.LONG, keysOf(name), Long.toString(permits), Long.toString(key.limit().permits()),
                Long.toString(key.limit().windowMillis())), deadline);
        return given == null ? 0 : given;
    }

    @Override
    public void reset(LimitKey key, long deadline) {
        String name = names.limiter(key);
        redis.await(redis.scripts().<Long>evalAsync(name, RScript.Mode.READ_WRITE, RESET_SCRIPT,
                RScript.ReturnType.LONG, keysOf(name)), deadline);
    }

    /**
     * Idle limiters leave Redis after twice the window and a second, as Redisson's keep-alive; or,
     * when it is longer, after the window and twice the Redis timeout, for the reason
     * {@link CompactLayout#graceMillis} gives.
     */
    static long keepAliveMillis(Limit limit, Duration redisTimeout) {
        return Math.max(2 * limit.windowMillis() + 1_000,
                limit.windowMillis() + CompactLayout.graceMillis(redisTimeout) + 1);
    }

    /** A unique member for a grant in the limiter's sorted set. */
    private static String grantId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return Long.toHexString(random.nextLong() | Long.MIN_VALUE);
    }
}
