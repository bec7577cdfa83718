package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The least an ACL user needs, as docs/redis-setup.md lists it: these commands on keys under the
 * prefix (and their hash-tagged siblings). Proven by running the limiter, rejections, expiry and
 * re-creation under exactly this user.
 */
@Tag("redis")
class RedisAclTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    static final String[] LIMITER_COMMANDS = {
        // sent by Ratewarden and Redisson
        "+eval", "+evalsha", "+script|load", "+hgetall", "+zrange", "+ping", "+hello", "+auth",
        "+client|setname", "+select",
        // called inside the limiter's scripts
        "+time", "+hget", "+hmget", "+hset", "+hsetnx", "+get", "+set", "+decrby", "+zadd", "+zrangebyscore",
        "+zremrangebyscore", "+pexpire", "+pttl", "+del", "+exists", "+zcard"};

    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void aLeastPrivilegeUserRunsTheLimiter(RedisAlgorithm algorithm) throws Exception {
        try (RedisServerProcess server = TestRedis.controllable()) {
            String url = limiterUser(server, List.of(LIMITER_COMMANDS));

            try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(url).keyPrefix("app:")
                    .redisAlgorithm(algorithm).redisTimeout(Duration.ofSeconds(1)))) {
                Limiter limiter = rw.limit("acl", Limit.of(2, Duration.ofMinutes(1)));
                assertThat(limiter.tryAcquire("k")).as("%s; ACL LOG: %s", rw.storeInfo(), server.call("ACL", "LOG"))
                        .isEqualTo(Decision.allowed(Backend.REDIS));
                assertThat(limiter.tryAcquire("k")).isEqualTo(Decision.allowed(Backend.REDIS));
                Decision rejected = limiter.tryAcquire("k");
                assertThat(rejected.allowed()).isFalse();
                assertThat(rejected.decidedBy()).isEqualTo(Backend.REDIS);
                assertThat(limiter.tryAcquire("j")).isEqualTo(Decision.allowed(Backend.REDIS));
                server.call("FLUSHALL"); // the limiter of "j" is re-created on its next call
                assertThat(limiter.tryAcquire("j")).isEqualTo(Decision.allowed(Backend.REDIS));
                Limiter changed = rw.limit("acl-changed", Limit.of(1, Duration.ofMinutes(1)));
                assertThat(changed.tryAcquire("k").decidedBy()).isEqualTo(Backend.REDIS);
                assertThat(rw.storeInfo().failovers()).as("no command was denied").isZero();
            }
            System.out.println("commands used: " + server.call("INFO", "commandstats").lines()
                    .filter(l -> l.startsWith("cmdstat_")).map(l -> l.substring(8, l.indexOf(':'))).toList());
            String log = server.call("ACL", "LOG");
            assertThat(log).as("denied commands").doesNotContain("reason\ncommand");
            // Redisson's start-up check for a cluster reads test1 and test2 and ignores the rejection.
            List<String> deniedKeys = new ArrayList<>();
            String[] lines = log.split("\n");
            for (int j = 0; j + 1 < lines.length; j++) {
                if (lines[j].equals("object")) {
                    deniedKeys.add(lines[j + 1]);
                }
            }
            assertThat(deniedKeys).isSubsetOf("test1", "test2");
        }
    }

    /**
     * Each command docs/redis-setup.md lists is needed: a user denied {@code SCRIPT LOAD} (which
     * Redisson sends for a script Redis lacks, the heartbeat's among them) is no Redis to decide
     * on. The instance stays in memory from the first probe on, says why in its store info, and
     * logs it once: a WARN naming the permission, never an ERROR.
     */
    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void aUserDeniedScriptLoadIsReportedByTheMissingPermissionAndDecidesInMemory(RedisAlgorithm algorithm)
            throws Exception {
        try (RedisServerProcess server = TestRedis.controllable()) {
            List<String> commands = new ArrayList<>(List.of(LIMITER_COMMANDS));
            commands.remove("+script|load");
            String url = limiterUser(server, commands);
            long mark = LOG.mark();
            try (Ratewarden rw = RedisFixtures.builder(url).keyPrefix("app:").redisAlgorithm(algorithm)
                    .redisTimeout(Duration.ofSeconds(1)).startupWait(Duration.ofSeconds(60)).build()) {
                assertThat(rw.storeInfo().state()).as("the wait ended by the denial").isEqualTo(StoreState.FAILED);
                assertThat(rw.storeInfo().lastError()).contains("NOPERM").contains("script|load");
                Limiter limiter = rw.limit("acl", Limit.of(1, Duration.ofMinutes(1)));
                assertThat(limiter.tryAcquire("k")).isEqualTo(Decision.allowed(Backend.IN_MEMORY));
                for (int probe = 0; probe < 3; probe++) {
                    assertThat(rw.probe()).as("Redis decides after probe %d", probe).isFalse();
                }
                List<LogWatch.Line> warnings = LOG.linesSince(mark, LogWatch.Level.WARN).stream()
                        .filter(line -> line.message().contains("'" + rw.name() + "'")).toList();
                assertThat(warnings).as("one cause, one WARN").hasSize(1);
                assertThat(warnings.get(0).message()).contains("script|load");
            }
        }
    }

    /** Creates the user {@code limiter} with these commands on keys under {@code app:}; its URL. */
    private static String limiterUser(RedisServerProcess server, List<String> commands) throws Exception {
        List<String> acl = new ArrayList<>(List.of("ACL", "SETUSER", "limiter", "on", ">Lim1ter-pw", "~app:*",
                "~{app:*"));
        acl.addAll(commands);
        assertThat(server.call(acl.toArray(new String[0]))).isEqualTo("OK");
        return "redis://limiter:Lim1ter-pw@127.0.0.1:" + server.port();
    }
}
