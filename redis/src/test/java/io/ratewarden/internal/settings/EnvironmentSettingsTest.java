package io.ratewarden.internal.settings;

import io.ratewarden.EnvironmentBuilders;
import io.ratewarden.internal.settings.EnvironmentSettings;
import io.ratewarden.internal.settings.SettingValues;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.Backend;
import io.ratewarden.FallbackShare;
import io.ratewarden.Ratewarden;
import io.ratewarden.testing.RedisServerProcess;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import javax.management.ObjectName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durations and Redis settings from the environment. */
@Tag("redis")
class EnvironmentSettingsTest {

    @Test
    void durationsInEveryAcceptedForm() {
        assertThat(SettingValues.parseDuration("s", "250")).isEqualTo(Duration.ofMillis(250));
        assertThat(SettingValues.parseDuration("s", "250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(SettingValues.parseDuration("s", " 2s ")).isEqualTo(Duration.ofSeconds(2));
        assertThat(SettingValues.parseDuration("s", "PT0.25S")).isEqualTo(Duration.ofMillis(250));
        assertThat(SettingValues.parseDuration("s", "1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(SettingValues.parseDuration("s", "1h")).isEqualTo(Duration.ofHours(1));
        assertThat(SettingValues.parseDuration("s", "1d")).isEqualTo(Duration.ofDays(1));
        assertThat(SettingValues.parseDuration("s", "P1D")).isEqualTo(Duration.ofDays(1));
        assertThatThrownBy(() -> SettingValues.parseDuration("RATEWARDEN_REDIS_TIMEOUT", "soon"))
                .hasMessage("RATEWARDEN_REDIS_TIMEOUT: expected a duration such as 500ms, 10s, 1m, 1h, 1d or PT2S,"
                        + " was a value of 4 characters (not shown)");
    }

    @Test
    void fallbackShareAndJmxFromTheEnvironment() throws Exception {
        assertThat(SettingValues.parseShare("s", "full")).isEqualTo(FallbackShare.full());
        assertThat(SettingValues.parseShare("s", "liveInstances")).isEqualTo(FallbackShare.liveInstances());
        assertThat(SettingValues.parseShare("s", "live-instances")).isEqualTo(FallbackShare.liveInstances());
        assertThat(SettingValues.parseShare("s", "4")).isEqualTo(FallbackShare.divideBy(4));
        assertThatThrownBy(() -> SettingValues.parseShare("RATEWARDEN_FALLBACK_SHARE", "half"))
                .hasMessage("RATEWARDEN_FALLBACK_SHARE: expected full, liveInstances or a number of instances,"
                        + " was a value of 4 characters (not shown)");
        assertThatThrownBy(() -> EnvironmentBuilders.applyTo(Ratewarden.builder(), Map.of("RATEWARDEN_JMX", "no"),
                new Properties())).hasMessage("RATEWARDEN_JMX: expected true or false, was a value of 2 characters"
                        + " (not shown)");
        Properties properties = new Properties();
        properties.setProperty("ratewarden.jmx", "false");
        properties.setProperty("ratewarden.name", "env-no-jmx");
        try (Ratewarden rw = EnvironmentBuilders.applyTo(Ratewarden.builder(), Map.of(), properties).build()) {
            assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(
                    new ObjectName("io.ratewarden:type=Ratewarden,name=\"env-no-jmx\""))).isFalse();
        }
    }

    @Test
    void redissonYamlFromTheEnvironment(@TempDir Path directory) throws Exception {
        Path yaml = directory.resolve("redisson.yaml");
        String sentinels = "redis://127.0.0.1:" + RedisServerProcess.freePort() + ",redis://127.0.0.1:"
                + RedisServerProcess.freePort();
        Files.writeString(yaml, "sentinelServersConfig:\n  masterName: \"mymaster\"\n  sentinelAddresses:\n"
                + "  - \"" + sentinels.replace(",", "\"\n  - \"") + "\"\n  password: \"yaml-S3cret\"\n");
        Properties properties = new Properties();
        properties.setProperty("ratewarden.localMaxKeys", "5");
        try (Ratewarden rw = EnvironmentBuilders.applyTo(Ratewarden.builder().jmx(false).startupWait(Duration.ZERO),
                Map.of("RATEWARDEN_REDISSON_YAML", yaml.toString()), properties).build()) {
            assertThat(rw.storeInfo().redisUrl()).isEqualTo(sentinels);
            assertThat(rw.storeInfo().toString()).doesNotContain("yaml-S3cret");
        }
    }

    @Test
    void redisUrlComesFromRatewardenRedisUrlBeforeRedisUrl() {
        Map<String, String> env = Map.of("REDIS_URL", "redis://ignored:1", "RATEWARDEN_REDIS_URL",
                "redis://:pw@127.0.0.1:1", "RATEWARDEN_REDIS_TIMEOUT", "50ms", "RATEWARDEN_PROBE_INTERVAL", "2s",
                "RATEWARDEN_KEY_PREFIX", "svc:");
        try (Ratewarden rw = EnvironmentBuilders.applyTo(Ratewarden.builder(), env, new Properties()).build()) {
            assertThat(rw.storeInfo().redisUrl()).isEqualTo("redis://****@127.0.0.1:1");
            assertThat(rw.storeInfo().backend()).isEqualTo(Backend.IN_MEMORY);
        }
        assertThatThrownBy(() -> EnvironmentBuilders.applyTo(Ratewarden.builder(),
                Map.of("RATEWARDEN_KEY_PREFIX", "{bad}"), new Properties()))
                .hasMessageStartingWith("RATEWARDEN_KEY_PREFIX: keyPrefix must not contain '{' or '}'");
    }
}
