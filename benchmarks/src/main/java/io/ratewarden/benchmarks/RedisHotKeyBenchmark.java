package io.ratewarden.benchmarks;

import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.RedisAlgorithm;
import io.ratewarden.Ratewarden;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.redisson.Redisson;
import org.redisson.api.RBucket;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/**
 * Decisions per second on Redis, every thread on one hot key or each on a key of its own, beside
 * a Redisson {@code GET} of one key in the same run (the client's floor), on both algorithms, with
 * coalescing on (the default) and off. A limit of 10<sup>9</sup> per second, so that every call is
 * granted. At the end of each trial the fork prints how many script calls Redis ran per decision
 * ({@code INFO commandstats}). Run with {@code -t 1} and {@code -t 16}; each fork starts its own
 * redis-server on loopback.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RedisHotKeyBenchmark {

    @Param({"COMPACT", "RRATE_LIMITER"})
    public String algorithm;

    @Param({"true", "false"})
    public boolean coalesce;

    private LocalRedis redis;
    private Ratewarden ratewarden;
    private Limiter limiter;
    private RedissonClient raw;
    private RBucket<String> plainKey;
    private RScript scripts;
    private String minimalSha;
    private final LongAdder decisions = new LongAdder();
    private final AtomicInteger threads = new AtomicInteger();
    private long scriptsBefore;

    /** Each thread's own key, for the distinct-keys rows. */
    @State(Scope.Thread)
    public static class OwnKey {
        String key;

        @Setup(Level.Trial)
        public void setUp(RedisHotKeyBenchmark benchmark) {
            key = "thread-" + benchmark.threads.incrementAndGet();
        }
    }

    /**
     * The least an exact limiter's script does per call: read the server's clock and the bucket,
     * and write the bucket back with an expiry. Its rows are the floor of a script-based decision.
     */
    private static final String MINIMAL_SCRIPT = "local t = redis.call('time') redis.call('get', KEYS[1])"
            + " redis.call('set', KEYS[1], t[1], 'PX', 1001) return 1";

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        redis = LocalRedis.start();
        ratewarden = LocalRedis.awaitOnRedis(Ratewarden.builder().name("bench-hot").redisUrl(redis.url()).jmx(false)
                .redisTimeout(Duration.ofSeconds(1)).redisAlgorithm(RedisAlgorithm.valueOf(algorithm))
                .coalesce(coalesce).build());
        limiter = ratewarden.limit("hot", Limit.of(1_000_000_000L, Duration.ofSeconds(1)));
        limiter.tryAcquire("hot");
        Config config = new Config();
        config.useSingleServer().setAddress(redis.url());
        raw = Redisson.create(config);
        plainKey = raw.getBucket("plain-key", StringCodec.INSTANCE);
        plainKey.set("a value");
        scripts = raw.getScript(StringCodec.INSTANCE);
        minimalSha = scripts.scriptLoad(MINIMAL_SCRIPT);
        scriptsBefore = scriptCalls();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        long scripts = scriptCalls() - scriptsBefore;
        if (decisions.sum() > 0) {
            System.out.printf(Locale.ROOT, "%n[scripts] %s coalesce=%s: %d decisions, %d script calls, %.3f per"
                    + " decision%n", algorithm, coalesce, decisions.sum(), scripts, scripts / (double) decisions.sum());
        }
        ratewarden.close();
        raw.shutdown();
        redis.close();
    }

    private long scriptCalls() {
        Map<String, String> stats = raw.getRedisNodes(RedisNodes.SINGLE).getInstance()
                .info(RedisNode.InfoSection.COMMANDSTATS);
        return calls(stats.get("cmdstat_evalsha")) + calls(stats.get("cmdstat_eval"));
    }

    private static long calls(String stat) {
        if (stat == null) {
            return 0;
        }
        for (String pair : stat.split(",")) {
            if (pair.startsWith("calls=")) {
                return Long.parseLong(pair.substring("calls=".length()));
            }
        }
        return 0;
    }

    @Benchmark
    public String redissonGet() {
        return plainKey.get();
    }

    /** {@link #MINIMAL_SCRIPT} through Redisson's {@code evalSha}, each thread on its own key. */
    @Benchmark
    public Long minimalScriptOwnKeys(OwnKey own) {
        return scripts.evalSha(own.key, RScript.Mode.READ_WRITE, minimalSha, RScript.ReturnType.LONG, List.of(own.key));
    }

    @Benchmark
    public boolean hotKey() {
        decisions.increment();
        return limiter.tryAcquire("hot").allowed();
    }

    @Benchmark
    public boolean distinctKeys(OwnKey own) {
        return limiter.tryAcquire(own.key).allowed();
    }
}
