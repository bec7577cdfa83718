package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The least an ACL user needs, as docs/redis-setup.md lists it: these commands on keys under the
 * prefix (and their hash-tagged siblings). Proven by running the limiter, rejections, expiry and
 * re-creation under exactly this user.
 */
class RedisAclTest {

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
            String[] acl = new String[5 + LIMITER_COMMANDS.length + 2];
            int i = 0;
            for (String part : new String[] {"ACL", "SETUSER", "limiter", "on", ">Lim1ter-pw"}) {
                acl[i++] = part;
            }
            acl[i++] = "~app:*";
            acl[i++] = "~{app:*";
            for (String command : LIMITER_COMMANDS) {
                acl[i++] = command;
            }
            assertThat(server.call(acl)).isEqualTo("OK");
            String url = "redis://limiter:Lim1ter-pw@127.0.0.1:" + server.port();

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
}
