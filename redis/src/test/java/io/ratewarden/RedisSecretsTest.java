package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.Resp;
import io.ratewarden.testing.TestRedis;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No password appears in logs, StoreInfo, toString() or exception messages, whatever the URL form,
 * and authentication works with passwords and ACL users holding awkward characters. Logs are read
 * from the file all test logging goes to.
 */
@Tag("redis")
@Tag("smoke")
class RedisSecretsTest {

    private static final String PASSWORD = "Pa55@:/+%40w0rd-default";
    private static final String ALICE_PASSWORD = "Al1ce:p@ss/+word";
    private static final String WRONG = "Wr0ng-S3cret-value";
    private static final List<String> SECRETS = List.of(PASSWORD, ALICE_PASSWORD, WRONG, enc(PASSWORD), enc(ALICE_PASSWORD));

    private static RedisServerProcess server;

    @BeforeAll
    static void start() throws Exception {
        server = TestRedis.controllable("--requirepass", PASSWORD);
        Resp.call("127.0.0.1", server.port(), PASSWORD, "ACL", "SETUSER", "alice", "on", ">" + ALICE_PASSWORD,
                "~*", "&*", "+@all");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static String enc(String secret) {
        return URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20").replace("%20", "+")
                .replace("+", "%2B");
    }

    @Test
    void passwordAndAclUserWithAwkwardCharactersWork() {
        String url = "redis://:" + enc(PASSWORD) + "@127.0.0.1:" + server.port();
        try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(url))) {
            assertThat(rw.limit("auth", Limit.of(1, Duration.ofMinutes(1))).tryAcquire("k").decidedBy())
                    .isEqualTo(Backend.REDIS);
            assertNoSecret(rw.storeInfo().toString(), rw.toString(), rw.storeInfo().redisUrl());
            assertThat(rw.storeInfo().redisUrl()).isEqualTo("redis://****@127.0.0.1:" + server.port());
        }
        String aclUrl = "redis://alice:" + enc(ALICE_PASSWORD) + "@127.0.0.1:" + server.port();
        try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(aclUrl))) {
            assertThat(rw.limit("acl", Limit.of(1, Duration.ofMinutes(1))).tryAcquire("k").decidedBy())
                    .isEqualTo(Backend.REDIS);
            assertThat(rw.storeInfo().redisUrl()).isEqualTo("redis://alice:****@127.0.0.1:" + server.port());
        }
    }

    @Test
    void aWrongPasswordIsReportedMasked() throws Exception {
        String url = "redis://default:" + WRONG + "@127.0.0.1:" + server.port();
        try (Ratewarden rw = RedisFixtures.builder(url).build()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(rw.storeInfo().lastError())
                    .toLowerCase(java.util.Locale.ROOT).contains("pass"));
            StoreInfo info = rw.storeInfo();
            assertThat(info.backend()).isEqualTo(Backend.IN_MEMORY);
            assertThat(info.lastError()).containsIgnoringCase("pass");
            assertNoSecret(info.toString(), info.lastError(), rw.toString());
            assertThat(rw.limit("wrong", Limit.of(1, Duration.ofMinutes(1))).tryAcquire("k").decidedBy())
                    .isEqualTo(Backend.IN_MEMORY);
            assertLogMentions(rw.name());
        }
        assertNoSecretInLogs();
    }

    @Test
    void aTlsUrlToAPlainServerFailsMasked() throws Exception {
        String url = "rediss://:" + enc(PASSWORD) + "@127.0.0.1:" + server.port();
        try (Ratewarden rw = RedisFixtures.builder(url).build()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> rw.storeInfo().lastError() != null);
            assertThat(rw.storeInfo().backend()).isEqualTo(Backend.IN_MEMORY);
            assertThat(rw.storeInfo().redisUrl()).isEqualTo("rediss://****@127.0.0.1:" + server.port());
            assertNoSecret(rw.storeInfo().toString());
            assertLogMentions(rw.name());
        }
        assertNoSecretInLogs();
    }

    @Test
    void malformedUrlsFailWithoutTheirPassword() {
        for (String url : List.of("redis://user:" + WRONG + "@host:port", "http://u:" + WRONG + "@h:1",
                "redis://:" + WRONG + "@:6379")) {
            assertThatThrownBy(() -> Ratewarden.builder().redisUrl(url))
                    .isInstanceOf(IllegalArgumentException.class)
                    .satisfies(e -> assertNoSecret(e.getMessage()));
        }
        assertThatThrownBy(() -> EnvironmentBuilders.applyTo(Ratewarden.builder(),
                java.util.Map.of("REDIS_URL", "redis://u:" + WRONG + "@h:x"), new java.util.Properties()))
                .hasMessageStartingWith("REDIS_URL: Malformed Redis URL")
                .satisfies(e -> assertNoSecret(e.getMessage()));
    }

    @Test
    void redissonYamlWorksAndItsPasswordIsNeverShown(@TempDir Path directory) throws Exception {
        Path yaml = directory.resolve("redisson.yaml");
        Files.writeString(yaml, "singleServerConfig:\n  address: \"redis://127.0.0.1:" + server.port() + "\"\n"
                + "  password: \"" + PASSWORD + "\"\n");
        try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder("redis://unused:1").redissonYaml(yaml))) {
            assertThat(rw.limit("yaml", Limit.of(1, Duration.ofMinutes(1))).tryAcquire("k").decidedBy())
                    .isEqualTo(Backend.REDIS);
            assertThat(rw.storeInfo().redisUrl()).isEqualTo("redis://127.0.0.1:" + server.port());
        }
        Path broken = directory.resolve("broken.yaml");
        Files.writeString(broken, "singleServerConfig:\n  password: \"" + PASSWORD + "\n  address: [\n");
        assertThatThrownBy(() -> Ratewarden.builder().redissonYaml(broken))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertNoSecret(e.getMessage()));
        assertNoSecretInLogs();
    }

    private static void assertNoSecret(String... texts) {
        for (String text : texts) {
            for (String secret : SECRETS) {
                assertThat(text).as("shown text").doesNotContain(secret);
            }
        }
    }

    private static void assertLogMentions(String instanceName) throws Exception {
        Path log = Path.of(System.getProperty("ratewarden.test.logFile"));
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(log).contains(instanceName));
    }

    private static void assertNoSecretInLogs() throws Exception {
        String log = Files.readString(Path.of(System.getProperty("ratewarden.test.logFile")));
        assertThat(log).isNotEmpty();
        for (String secret : SECRETS) {
            assertThat(log).as("test log").doesNotContain(secret);
        }
    }
}
