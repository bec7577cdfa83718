package io.ratewarden.redis.internal;

import io.ratewarden.Limit;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;

/**
 * Ratewarden's own layout of a bucket on Redis: one string per bucket, a few hundred bytes at
 * most whatever the limit and however many grants its window holds, decided by one script on the
 * Redis server's clock.
 *
 * <h2>Design</h2>
 * The two in-memory designs, kept on Redis in a packed string ({@code struct} doubles):
 * <ul>
 *   <li><b>Up to 64 permits, a log</b> ({@code L} then one time per permit, in µs, oldest first):
 *       exact. A call is granted exactly when the window holds room for its cost, and a bucket is
 *       granted again as soon as its oldest grant has left the window; a rejection's retry time is
 *       exactly when the oldest grants that make room leave. At most 64 times, 513 bytes.</li>
 *   <li><b>Above 64, 17 slots</b> ({@code s}, the slot length, the head slot, then 17 counts of
 *       4 bytes; {@code S} with counts of 8 bytes once a bucket holds over 2<sup>32</sup> - 1):
 *       the window cut into 16 slots (rounded up to the µs), and a call counts the grants of
 *       the current slot and the 16 before it. That span always contains the sliding window, so no window ever holds more
 *       than the permits; it may reach one slot past the window, so a call may be rejected up to
 *       a sixteenth of the window early (in steady state at least 16/17 of the limit is granted).
 *       Always 85 bytes (153 with large counts).</li>
 * </ul>
 * The time is the server's ({@code TIME}), to the microsecond, never an instance's. The limit
 * travels with every call: a bucket kept for another limit is converted on the fly, and no grant
 * still in the window is forgotten (a slot's grants are dated at the slot's end, so a conversion
 * never frees a permit early; a bucket holding more than 64 grants whose limit is lowered to 64 or
 * fewer keeps its slots); a bucket kept for a lowered limit rejects until enough of its grants
 * have left. A rejection writes nothing. A
 * grant sets the key to expire one window, a millisecond and twice the Redis timeout later
 * ({@link #graceMillis}), when no grant of it can be in the window any more, nor counted by an
 * instance as still in it. One key per bucket, so one cluster slot. The script reads the server's
 * clock and writes after it, which Redis 5 and later allow (they replicate a script's effects,
 * not the script). This class is thread-safe.
 */
final class CompactLayout implements RedisLayout {

    /*
     * The server's time, read first by both decision scripts: µs.
     */
    private static final String NOW = """
            local t = redis.call('time')
            local now = t[1] * 1000000 + t[2]
            """;

    /*
     * One bucket's decision, shared by both decision scripts. The bucket's limit travels with the
     * call: its permits and its window in ms, then the grants this instance holds of the bucket in
     * its window (0: none), which re-create a bucket that vanished, and the grace in ms that a
     * granted bucket outlives its window by (graceMillis). The answer is text: one number
     * per call, comma-separated, then " s" when the bucket was re-created from them. Lua counts in
     * doubles, exact up to 2^53 (Limit.MAX_PERMITS): comparisons subtract rather than add, so that
     * no intermediate sum passes 2^53 and rounds. Acquire answers the permits left when it grants,
     * else minus the µs until the bucket has room for the cost; remaining answers the permits a
     * call could take now.
     */
    private static final String BUCKET = """
            local RING = 17
            local SLOTS = '<ddI4I4I4I4I4I4I4I4I4I4I4I4I4I4I4I4I4' -- the slot length, the head slot, 17 small counts
            -- Decides the calls of one bucket (costs: comma-separated, in that order: a coalesced batch) and
            -- returns the answer's text; with snapshot, also the bucket's value (false when missing) and its
            -- expiry in ms (-1: none), as they were before the first call, once a lost bucket was re-created.
            local function bucket(key, acquire, costsText, permits, windowMs, seed, graceMs, snapshot)
              local costs
              if string.find(costsText, ',', 1, true) then
                costs = {}
                for c in string.gmatch(costsText, '%d+') do
                  costs[#costs + 1] = tonumber(c)
                end
              else
                costs = {tonumber(costsText)}
              end
              local cost = costs[1]
              local window = windowMs * 1000
              local from = now - window
              local ttl = math.floor(window / 1000) + 1 + graceMs
              local state = redis.call('get', key)
              local seeded = false
              if acquire and not state and seed > 0 then
                -- The bucket vanished (a flush, an eviction) while this instance holds grants of it in its
                -- window: they are dated now, so that none is freed early.
                seed = math.min(seed, permits)
                if permits <= 64 then
                  local times = {}
                  for i = 1, seed do
                    times[i] = now
                  end
                  state = 'L' .. struct.pack('<' .. string.rep('d', seed), unpack(times))
                else
                  local len = math.max(1, math.ceil(window / 16))
                  local slot = math.floor(now / len)
                  local c = {}
                  for i = 1, RING do
                    c[i] = 0
                  end
                  c[(slot % RING) + 1] = seed
                  local kind, count = 's', 'I4'
                  if seed > 4294967295 then
                    kind, count = 'S', 'd'
                  end
                  state = kind .. struct.pack('<dd' .. string.rep(count, RING), len, slot, unpack(c))
                end
                redis.call('set', key, state, 'PX', ttl)
                seeded = true
              end
              local before, beforeTtl
              if snapshot then
                before = state
                beforeTtl = state and redis.call('pttl', key) or -1
              end
              -- A grant changes state, the bucket's value, in place: the calls of a batch each decide on what
              -- the one before left, and the bucket is written once, after the last. On the short path below,
              -- the slots stay unpacked from one call of a batch to the next: while slots is set, it holds
              -- the bucket, and state is behind.
              local written = false
              local slots
              local function decide()
                -- The common case of a busy large limit, kept short: slots of 4-byte counts and the same
                -- slot length. Everything else takes the general path below.
                if permits > 64 and (slots or state and string.byte(state, 1) == 115) then
                  local len = math.max(1, math.ceil(window / 16))
                  local c = slots or {struct.unpack(SLOTS, state, 2)}
                  if c[1] == len then
                    local head = c[2]
                    local slot = math.floor(now / len)
                    if head > slot then
                      slot = head
                    end
                    for s = head + 1, math.min(slot, head + RING) do
                      c[s % RING + 3] = 0
                    end
                    c[2] = slot
                    local total = 0
                    for i = 3, 19 do
                      total = total + c[i]
                    end
                    if not acquire then
                      return math.max(0, permits - total)
                    end
                    if cost > permits - total then
                      local need = cost - (permits - total)
                      local freed = 0
                      local wait = window
                      for s = slot - RING + 1, slot do
                        freed = freed + c[s % RING + 3]
                        if freed >= need then
                          wait = (s + RING) * len - now
                          break
                        end
                      end
                      return -math.max(1, math.ceil(math.min(wait, window)))
                    end
                    if total + cost <= 4294967295 then
                      local i = slot % RING + 3
                      c[i] = c[i] + cost
                      slots = c
                      written = true
                      return permits - total - cost
                    end
                  end
                  if slots then
                    state = 's' .. struct.pack(SLOTS, unpack(slots, 1, 19)) -- leaving the short path: state catches up
                    slots = nil
                  end
                end
                local log, counts, slotLen, head
                if state then
                  local kind = string.sub(state, 1, 1)
                  if kind == 'L' then
                    local n = (string.len(state) - 1) / 8
                    log = {}
                    if n > 0 then
                      log = {struct.unpack('<' .. string.rep('d', n), state, 2)}
                      log[n + 1] = nil
                    end
                  elseif kind == 'S' or kind == 's' then
                    local count = kind == 'S' and 'd' or 'I4'
                    local v = {struct.unpack('<dd' .. string.rep(count, RING), state, 2)}
                    slotLen = v[1]
                    head = v[2]
                    counts = {}
                    for i = 1, RING do
                      counts[i] = v[2 + i]
                    end
                  end
                end
                -- the grants of the slots still in the window, dated at their slot's end: {time, count}
                local function slotted()
                  local grants = {}
                  for s = head - RING + 1, head do
                    local c = counts[(s % RING) + 1]
                    local at = math.min((s + 1) * slotLen - 1, now)
                    if c > 0 and at > from then
                      grants[#grants + 1] = {at, c}
                    end
                  end
                  return grants
                end
                local times
                if permits <= 64 then
                  times = {}
                  if log then
                    for i = 1, #log do
                      if log[i] > from then
                        times[#times + 1] = log[i]
                      end
                    end
                  elseif counts then
                    for _, grant in ipairs(slotted()) do
                      for _ = 1, math.min(grant[2], 65) do
                        times[#times + 1] = grant[1]
                      end
                    end
                    if #times > 64 then
                      times = nil -- more grants than a log keeps: the slots keep deciding
                    end
                  end
                end
                if times then
                  local held = #times
                  if not acquire then
                    return math.max(0, permits - held)
                  end
                  if held + cost > permits then
                    local wait = times[held + cost - permits] + window - now
                    return -math.max(1, math.ceil(math.min(wait, window)))
                  end
                  local at = now
                  if held > 0 and times[held] > at then
                    at = times[held]
                  end
                  for _ = 1, cost do
                    times[#times + 1] = at
                  end
                  if #times > 64 then
                    local kept = {}
                    for i = #times - 63, #times do
                      kept[#kept + 1] = times[i]
                    end
                    times = kept
                  end
                  state = 'L' .. struct.pack('<' .. string.rep('d', #times), unpack(times))
                  written = true
                  return permits - held - cost
                end
                local len = math.max(1, math.ceil(window / 16))
                local slot = math.floor(now / len)
                if counts and slotLen == len then
                  if head > slot then
                    slot = head
                  end
                  for s = head + 1, math.min(slot, head + RING) do
                    counts[(s % RING) + 1] = 0
                  end
                else
                  local fresh = {}
                  for i = 1, RING do
                    fresh[i] = 0
                  end
                  local function put(at, c)
                    local to = math.floor(at / len)
                    if to > slot - RING then
                      fresh[(to % RING) + 1] = fresh[(to % RING) + 1] + c
                    end
                  end
                  if counts then
                    for _, grant in ipairs(slotted()) do
                      put(grant[1], grant[2])
                    end
                  elseif log then
                    for i = 1, #log do
                      if log[i] > from then
                        put(log[i], 1)
                      end
                    end
                  end
                  counts = fresh
                end
                local total = 0
                for i = 1, RING do
                  total = total + counts[i]
                end
                if not acquire then
                  return math.max(0, permits - total)
                end
                if cost > permits - total then
                  local need = cost - (permits - total)
                  local freed = 0
                  local wait = window
                  for s = slot - RING + 1, slot do
                    freed = freed + counts[(s % RING) + 1]
                    if freed >= need then
                      wait = (s + RING) * len - now
                      break
                    end
                  end
                  return -math.max(1, math.ceil(math.min(wait, window)))
                end
                counts[(slot % RING) + 1] = counts[(slot % RING) + 1] + cost
                local kind, count = 's', 'I4'
                if total + cost > 4294967295 then
                  kind, count = 'S', 'd'
                end
                state = kind .. struct.pack('<dd' .. string.rep(count, RING), len, slot, unpack(counts))
                written = true
                return permits - total - cost
              end
              -- The calls of a batch, in order, each on the state the one before left.
              local results = {}
              for i = 1, #costs do
                cost = costs[i]
                results[i] = string.format('%d', decide())
              end
              if slots then
                state = 's' .. struct.pack(SLOTS, unpack(slots, 1, 19))
              end
              if written then
                redis.call('set', key, state, 'PX', ttl)
              end
              local answer = table.concat(results, ',')
              if seeded then
                answer = answer .. ' s'
              end
              return answer, before, beforeTtl
            end
""";

    /*
     * ARGV: the operation ('a' to acquire, 'r' for the permits remaining), the costs (one per call,
     * comma-separated, decided in that order: a coalesced batch), the permits, the window in ms,
     * the grants this instance holds of the bucket and the grace in ms (see BUCKET).
     */
    static final String SCRIPT = NOW + BUCKET + """
            return (bucket(KEYS[1], ARGV[1] == 'a', ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]),
                tonumber(ARGV[6]), false))
            """;

    /*
     * One call of several limits, all or nothing: KEYS are the limits' buckets in the call's order,
     * and ARGV holds four values per bucket: the cost, the permits, the window in ms and the grants
     * this instance holds (see BUCKET), then the grace in ms. Buckets are decided in order; the first
     * that refuses ends the call, and every bucket before it is put back as it was (value and
     * expiry), so that the call takes nothing. The answer is each decided bucket's answer, ';'-separated: all of them
     * when every bucket granted, else up to and including the refusal.
     */
    static final String SEVERAL_SCRIPT = NOW + BUCKET + """
            local answers = {}
            local taken = {}
            local grace = tonumber(ARGV[#KEYS * 4 + 1])
            for k = 1, #KEYS do
              local a = (k - 1) * 4
              local answer, before, beforeTtl = bucket(KEYS[k], true, ARGV[a + 1], tonumber(ARGV[a + 2]), ARGV[a + 3],
                  tonumber(ARGV[a + 4]), grace, true)
              answers[k] = answer
              if string.byte(answer, 1) == 45 then
                for j = k - 1, 1, -1 do
                  local value, ms = taken[j][1], taken[j][2]
                  if not value then
                    redis.call('del', KEYS[j])
                  elseif ms > 0 then
                    redis.call('set', KEYS[j], value, 'PX', ms)
                  else
                    redis.call('set', KEYS[j], value)
                  end
                end
                break
              end
              taken[k] = {before, beforeTtl}
            end
            return table.concat(answers, ';')
            """;

    /*
     * Gives back up to ARGV[1] permits, the latest grants still in the window first, keeping the
     * key's expiry; ARGV[2] is the window in ms. A log drops its latest times; slots lose counts from
     * the current slot backwards (a slot of the span that the current time left counts nothing).
     * Answers the permits given back.
     */
    static final String REFUND_SCRIPT = """
            local state = redis.call('get', KEYS[1])
            if not state then
              return 0
            end
            local t = redis.call('time')
            local now = t[1] * 1000000 + t[2]
            local n = tonumber(ARGV[1])
            local window = ARGV[2] * 1000
            local ttl = redis.call('pttl', KEYS[1])
            local given = 0
            local kind = string.sub(state, 1, 1)
            if kind == 'L' then
              local count = (string.len(state) - 1) / 8
              if count == 0 then
                return 0
              end
              local log = {struct.unpack('<' .. string.rep('d', count), state, 2)}
              log[count + 1] = nil
              while given < n and #log > 0 and log[#log] > now - window do
                log[#log] = nil
                given = given + 1
              end
              if given == 0 then
                return 0
              end
              if #log == 0 then
                redis.call('del', KEYS[1])
                return given
              end
              state = 'L' .. struct.pack('<' .. string.rep('d', #log), unpack(log))
            else
              local RING = 17
              local format = kind == 'S' and 'd' or 'I4'
              local v = {struct.unpack('<dd' .. string.rep(format, RING), state, 2)}
              local len, head = v[1], v[2]
              local slot = math.floor(now / len)
              local counts = {}
              for i = 1, RING do
                counts[i] = v[2 + i]
              end
              for s = head, math.max(head - RING + 1, slot - RING + 1), -1 do
                local i = (s % RING) + 1
                local taken = math.min(n - given, counts[i])
                counts[i] = counts[i] - taken
                given = given + taken
                if given >= n then
                  break
                end
              end
              if given == 0 then
                return 0
              end
              state = kind .. struct.pack('<dd' .. string.rep(format, RING), len, head, unpack(counts))
            end
            if ttl > 0 then
              redis.call('set', KEYS[1], state, 'PX', ttl)
            else
              redis.call('set', KEYS[1], state)
            end
            return given
            """;

    private final RedisCommands redis;
    private final RedisNames names;
    private final String graceMillis;

    CompactLayout(RedisCommands redis, RedisNames names) {
        this.redis = redis;
        this.names = names;
        this.graceMillis = Long.toString(graceMillis(redis.timeout()));
    }

    /**
     * How long a granted bucket outlives its window: twice the Redis timeout. An instance counts a
     * grant from when its answer arrived, up to one timeout after Redis made it, and its next call
     * may reach Redis up to one timeout after it counted what it holds; a bucket that expired
     * within that span would be re-created from grants that had already left Redis's window, and
     * refuse a whole window too long.
     */
    static long graceMillis(Duration redisTimeout) {
        return 2 * Math.max(1, redisTimeout.toMillis());
    }

    @Override
    public List<String> keysOf(LimitKey key) {
        return List.of(names.compact(key));
    }

    @Override
    public List<String> scripts() {
        return List.of(SCRIPT, SEVERAL_SCRIPT, REFUND_SCRIPT);
    }

    @Override
    public long decide(LimitKey key, long cost, long seed, long deadline) {
        return redis.decision(key, redis.await(decideAsync(key, new long[] {cost}, seed), deadline), seed);
    }

    @Override
    public RFuture<String> decideAsync(LimitKey key, long[] costs, long seed) {
        return run(key, "a", RedisLayout.joined(costs), seed);
    }

    @Override
    public boolean decidesTogether() {
        return true;
    }

    /** {@inheritDoc} One script call, all or nothing: {@link #SEVERAL_SCRIPT}. */
    @Override
    public long[] decideTogether(LimitKey[] keys, long[] costs, long[] seeds, long deadline) {
        List<Object> buckets = new ArrayList<>(keys.length);
        Object[] values = new Object[keys.length * 4 + 1];
        for (int i = 0; i < keys.length; i++) {
            Limit limit = keys[i].limit();
            buckets.add(names.compact(keys[i]));
            values[i * 4] = Long.toString(costs[i]);
            values[i * 4 + 1] = Long.toString(limit.permits());
            values[i * 4 + 2] = Long.toString(limit.windowMillis());
            values[i * 4 + 3] = Long.toString(seeds[i]);
        }
        values[keys.length * 4] = graceMillis;
        String answer = redis.await(redis.scripts().<String>evalAsync((String) buckets.get(0), RScript.Mode.READ_WRITE,
                SEVERAL_SCRIPT, RScript.ReturnType.VALUE, buckets, values), deadline);
        String[] answers = answer == null ? new String[] {null} : answer.split(";", -1);
        if (answers.length > keys.length) {
            throw new StoreUnavailableException("Redis " + redis.maskedUrl() + " answered a decision of several limits"
                    + " this version cannot read");
        }
        long[] results = new long[answers.length];
        for (int i = 0; i < answers.length; i++) {
            results[i] = redis.decision(keys[i], answers[i], seeds[i]);
        }
        return results;
    }

    @Override
    public long remaining(LimitKey key, long deadline) {
        return redis.decision(key, redis.await(run(key, "r", "1", 0), deadline), 0);
    }

    @Override
    public long refund(LimitKey key, long permits, long deadline) {
        String name = names.compact(key);
        Long given = redis.await(redis.scripts().<Long>evalAsync(name, RScript.Mode.READ_WRITE, REFUND_SCRIPT,
                RScript.ReturnType.LONG, List.of(name), Long.toString(permits),
                Long.toString(key.limit().windowMillis())), deadline);
        return given == null ? 0 : given;
    }

    @Override
    public void reset(LimitKey key, long deadline) {
        String name = names.compact(key);
        redis.await(redis.scripts().<Long>evalAsync(name, RScript.Mode.READ_WRITE, "return redis.call('del', KEYS[1])",
                RScript.ReturnType.LONG, List.of(name)), deadline);
    }

    /** Runs the script, read-write for both operations: on the master, never a lagging replica. */
    private RFuture<String> run(LimitKey key, String operation, String costs, long seed) {
        String name = names.compact(key);
        Limit limit = key.limit();
        return redis.scripts().evalAsync(name, RScript.Mode.READ_WRITE, SCRIPT, RScript.ReturnType.VALUE,
                List.of(name), operation, costs, Long.toString(limit.permits()), Long.toString(limit.windowMillis()),
                Long.toString(seed), graceMillis);
    }
}
