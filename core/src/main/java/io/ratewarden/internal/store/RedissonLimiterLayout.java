package io.ratewarden.internal.store;

import java.util.List;

/**
 * The one place that knows how Redisson lays out an {@code RRateLimiter} of rate type
 * {@code OVERALL} on Redis (Redisson 3.x and 4.x, measured on 4.7): {@link RedisRateLimitStore}'s
 * decision script reads and writes these keys directly, in one round trip, so that Redisson's own
 * calls on the same limiter see the same grants. {@code RedissonLimiterLayoutTest} fails when a
 * Redisson upgrade changes any of it.
 *
 * <ul>
 *   <li>{@code name}: a hash with {@code rate}, {@code interval} (ms), {@code type}
 *       ({@code 0} for {@code OVERALL}) and {@code keepAliveTime} (ms, 0 for none);</li>
 *   <li>{@code {name}:value}: a string, the permits left;</li>
 *   <li>{@code {name}:permits}: a sorted set with one member per grant, scored by the granting
 *       client's clock in ms, whose member packs a random id and the grant's permits as Lua
 *       {@code struct} format {@code Bc0I}.</li>
 * </ul>
 */
final class RedissonLimiterLayout {

    private RedissonLimiterLayout() {
    }

    /**
     * The three keys of the limiter named {@code name}, in the order {@link #DECIDE_SCRIPT} takes
     * them: the hash, the permits left, the grants.
     */
    static List<Object> keysOf(String name) {
        return List.of(name, "{" + name + "}:value", "{" + name + "}:permits");
    }

    /*
     * The decision. ARGV: the cost, the client's clock in ms, a unique id for the grant. Returns 0
     * when it grants, else the ms until the oldest grants that make room for the cost leave the
     * window (at least 1). Errors as Redisson's own: "RateLimiter is not initialized" when the
     * hash is missing or of another type, "Requested permits amount cannot exceed defined rate".
     */
    static final String DECIDE_SCRIPT = """
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
}
