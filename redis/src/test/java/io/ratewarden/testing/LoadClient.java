package io.ratewarden.testing;

import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.FallbackShare;
import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.Ratewarden;
import io.ratewarden.RedisAlgorithm;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * One instance of a service, run in a JVM of its own by the multi-process tests: builds a
 * Ratewarden on the given Redis, waits until it decides on Redis and warms up, then from a common
 * start time (which the test writes to a file once every client said it is ready, by a file of
 * its own) calls one limit from several threads for a fixed time and writes every grant (the
 * {@link System#nanoTime()} readings just before and just after the call, and the deciding
 * backend) to a file, and to the same file with {@code .stats} appended the calls decided in
 * memory, the failovers and the last error.
 *
 * <p>Times are the machine's monotonic clock, which every JVM on the machine reads alike even
 * when libfaketime shifts its wall clock: grants of JVMs with skewed clocks can be compared.
 *
 * <p>Arguments: redisUrl keyPrefix permits windowMillis threads startFile runMillis
 * share(full|live) redisTimeoutMillis algorithm outputFile. Exit codes: 0 done, 2 never reached
 * Redis, 3 never given a start. Every loop is bounded in count and time.
 */
public final class LoadClient {

    private LoadClient() {
    }

    /**
     * Runs one instance.
     *
     * @param args see the class comment
     */
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String prefix = args[1];
        long permits = Long.parseLong(args[2]);
        long windowMillis = Long.parseLong(args[3]);
        int threads = Integer.parseInt(args[4]);
        Path startFile = Path.of(args[5]);
        long runNanos = Duration.ofMillis(Long.parseLong(args[6])).toNanos();
        FallbackShare share = args[7].equals("full") ? FallbackShare.full() : FallbackShare.liveInstances();
        Duration timeout = Duration.ofMillis(Long.parseLong(args[8]));
        RedisAlgorithm algorithm = RedisAlgorithm.valueOf(args[9]);
        Path output = Path.of(args[10]);

        try (Ratewarden rw = Ratewarden.builder().name("load-" + ProcessHandle.current().pid()).redisUrl(url)
                .keyPrefix(prefix).redisTimeout(timeout).probeInterval(Duration.ofMillis(250))
                .fallbackShare(share).redisAlgorithm(algorithm).startupWait(Duration.ofSeconds(60)).jmx(false)
                .build()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (rw.storeInfo().backend() != Backend.REDIS) {
                if (System.nanoTime() - deadline > 0) {
                    System.exit(2);
                }
                LockSupport.parkNanos(10_000_000);
            }
            Limiter limiter = rw.limit("shared", Limit.of(permits, Duration.ofMillis(windowMillis)));
            // Warm the JIT, the connection and this key's limiter on Redis before the common start,
            // so that cold first calls do not time out: a run measures a warm service.
            int onRedis = 0;
            for (int i = 0; i < 2_000 && onRedis < 20; i++) {
                Decision warm = limiter.tryAcquire(i == 0 ? "tenant" : "warm-up");
                onRedis = warm.decidedBy() == Backend.REDIS ? onRedis + 1 : 0;
                if (warm.decidedBy() != Backend.REDIS) {
                    LockSupport.parkNanos(50_000_000);
                }
            }
            Files.writeString(Path.of(output + ".ready"), "ready\n");
            long start = awaitStart(startFile);
            long wait;
            while ((wait = start - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            ConcurrentLinkedQueue<String> grants = new ConcurrentLinkedQueue<>();
            LongAdder inMemory = new LongAdder();
            long failoversBefore = rw.storeInfo().failovers();
            List<Thread> workers = new ArrayList<>();
            long end = start + runNanos;
            for (int t = 0; t < threads; t++) {
                Thread worker = new Thread(() -> {
                    for (int i = 0; i < 10_000_000; i++) {
                        long before = System.nanoTime();
                        if (before - end >= 0) {
                            return;
                        }
                        Decision decision = limiter.tryAcquire("tenant");
                        if (decision.decidedBy() == Backend.IN_MEMORY) {
                            inMemory.increment();
                        }
                        if (decision.allowed()) {
                            grants.add(before + " " + System.nanoTime() + " " + decision.decidedBy());
                        }
                    }
                });
                worker.start();
                workers.add(worker);
            }
            for (Thread worker : workers) {
                worker.join(Duration.ofNanos(runNanos).toMillis() + 30_000);
            }
            write(output, grants);
            Files.writeString(Path.of(output + ".stats"), inMemory.sum() + " "
                    + (rw.storeInfo().failovers() - failoversBefore) + " " + rw.storeInfo().lastError() + "\n");
        }
    }

    /** The common start, a {@link System#nanoTime()} reading, once the test has written it. */
    private static long awaitStart(Path startFile) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (!Files.exists(startFile) || Files.readString(startFile).isBlank()) {
            if (System.nanoTime() - deadline > 0) {
                System.exit(3);
            }
            LockSupport.parkNanos(5_000_000);
        }
        return Long.parseLong(Files.readString(startFile).trim());
    }

    private static void write(Path output, ConcurrentLinkedQueue<String> grants) throws IOException {
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(output))) {
            for (String grant : grants) {
                out.println(grant);
            }
        }
    }
}
