package io.ratewarden.benchmarks;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.redis.redisson.cas.RedissonBasedProxyManager;
import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.Ratewarden;
import io.ratewarden.RedisAlgorithm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.redisson.Redisson;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.command.CommandAsyncExecutor;
import org.redisson.config.Config;

/**
 * Bytes per key on Redis, by {@code MEMORY USAGE} over all of a key's Redis keys and by what
 * deleting the keys gives back of {@code used_memory_dataset} ({@code used_memory} less Redis's
 * own overhead, such as client buffers, and less the scripts' Lua heap) divided by the keys, for Ratewarden's two algorithms and
 * Bucket4j's Redisson proxy, after 1, 100, 1,000 and 10,000 grants per key (a limit of
 * 1,000,000 per hour, so that every grant stays in the window). Prints a Markdown table. Starts its
 * own redis-server on a loopback port; every loop is bounded.
 */
public final class RedisMemoryTable {

    private static final int[] GRANTS = {1, 100, 1_000, 10_000};
    private static final Limit LIMIT = Limit.of(1_000_000, Duration.ofHours(1));

    private RedisMemoryTable() {
    }

    /** One way of keeping a key: how to fill it and which Redis keys hold it. */
    private interface Layout {
        void grant(String key);

        List<String> redisKeys(String key);
    }

    /**
     * Prints the table.
     *
     * @param args none
     */
    public static void main(String[] args) throws Exception {
        try (LocalRedis redis = LocalRedis.start()) {
            Config config = new Config();
            config.useSingleServer().setAddress(redis.url());
            RedissonClient client = Redisson.create(config);
            try (Ratewarden rrate = LocalRedis.awaitOnRedis(Ratewarden.builder().name("memory-rrate")
                         .redisUrl(redis.url()).keyPrefix("r:").jmx(false).redisTimeout(Duration.ofSeconds(2))
                         .build());
                 Ratewarden compact = LocalRedis.awaitOnRedis(Ratewarden.builder().name("memory-compact")
                         .redisUrl(redis.url()).keyPrefix("c:").redisAlgorithm(RedisAlgorithm.COMPACT).jmx(false)
                         .redisTimeout(Duration.ofSeconds(2)).build())) {
                Limiter rrateLimiter = rrate.limit("m", LIMIT);
                Limiter compactLimiter = compact.limit("m", LIMIT);
                CommandAsyncExecutor executor = ((Redisson) client).getCommandExecutor();
                RedissonBasedProxyManager<String> proxies = RedissonBasedProxyManager.builderFor(executor).build();
                BucketConfiguration bucketConfig = BucketConfiguration.builder()
                        .addLimit(Bandwidth.builder().capacity(LIMIT.permits())
                                .refillGreedy(LIMIT.permits(), LIMIT.window()).build())
                        .build();

                Layout rrateLayout = new Layout() {
                    @Override
                    public void grant(String key) {
                        rrateLimiter.tryAcquire(key);
                    }

                    @Override
                    public List<String> redisKeys(String key) {
                        String name = "r:m:" + key;
                        return List.of(name, "{" + name + "}:value", "{" + name + "}:permits");
                    }
                };
                Layout compactLayout = new Layout() {
                    @Override
                    public void grant(String key) {
                        compactLimiter.tryAcquire(key);
                    }

                    @Override
                    public List<String> redisKeys(String key) {
                        return List.of("c::m:" + key);
                    }
                };
                Layout bucket4jLayout = new Layout() {
                    @Override
                    public void grant(String key) {
                        BucketProxy bucket = proxies.builder().build("b:" + key, () -> bucketConfig);
                        bucket.tryConsume(1);
                    }

                    @Override
                    public List<String> redisKeys(String key) {
                        return List.of("b:" + key);
                    }
                };
                System.out.println("| grants per key | COMPACT, MEMORY USAGE | COMPACT, dataset | RRATE_LIMITER,"
                        + " MEMORY USAGE | RRATE_LIMITER, dataset | Bucket4j, MEMORY USAGE | Bucket4j, dataset |");
                System.out.println("|---|---|---|---|---|---|---|");
                for (int grants : GRANTS) {
                    int keys = grants >= 10_000 ? 5 : grants >= 1_000 ? 50 : grants >= 100 ? 500 : 2_000;
                    long[] c = measure(client, compactLayout, "g" + grants, keys, grants);
                    long[] r = measure(client, rrateLayout, "g" + grants, keys, grants);
                    long[] b = measure(client, bucket4jLayout, "g" + grants, keys, grants);
                    System.out.printf(Locale.ROOT, "| %,d | %s | %s | %s | %s | %s | %s |%n", grants, bytes(c[0]),
                            bytes(c[1]), bytes(r[0]), bytes(r[1]), bytes(b[0]), bytes(b[1]));
                }
            } finally {
                client.shutdown();
            }
        }
    }

    /**
     * MEMORY USAGE per key, and the dataset memory per key that deleting the keys gives back (a
     * difference taken right around the deletion, so that nothing else the traffic moved counts),
     * after {@code grants} on {@code keys} keys.
     */
    private static long[] measure(RedissonClient client, Layout layout, String prefix, int keys, int grants) {
        List<String> redisKeys = new ArrayList<>();
        for (int k = 0; k < keys; k++) {
            String key = prefix + "-" + k;
            for (int g = 0; g < grants; g++) {
                layout.grant(key);
            }
            redisKeys.addAll(layout.redisKeys(key));
        }
        long usage = 0;
        for (String redisKey : redisKeys) {
            Long bytes = client.getScript(StringCodec.INSTANCE).eval(redisKey, RScript.Mode.READ_ONLY,
                    "return redis.call('memory', 'usage', KEYS[1], 'SAMPLES', '0')", RScript.ReturnType.LONG,
                    List.of(redisKey));
            usage += bytes == null ? 0 : bytes;
        }
        long filled = usedMemory(client);
        for (String redisKey : redisKeys) {
            client.getKeys().delete(redisKey);
        }
        long emptied = usedMemory(client);
        return new long[] {usage / keys, (filled - emptied) / keys};
    }

    private static long usedMemory(RedissonClient client) {
        String info = client.getScript(StringCodec.INSTANCE).eval(RScript.Mode.READ_ONLY,
                "return redis.call('info', 'memory')", RScript.ReturnType.VALUE);
        long dataset = -1;
        long lua = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("used_memory_dataset:")) {
                dataset = Long.parseLong(line.substring("used_memory_dataset:".length()).trim());
            } else if (line.startsWith("used_memory_vm_eval:")) {
                lua = Long.parseLong(line.substring("used_memory_vm_eval:".length()).trim());
            }
        }
        if (dataset < 0) {
            throw new IllegalStateException("no used_memory_dataset in INFO memory");
        }
        return dataset - lua; // the scripts' Lua heap grows and shrinks with its garbage collector
    }

    private static String bytes(long bytes) {
        return bytes >= 10_000 ? String.format(Locale.ROOT, "%.1f KB", bytes / 1000.0) : bytes + " B";
    }

    static {
        // The table is for people: Redisson's INFO-level start-up lines would break it up.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
}
