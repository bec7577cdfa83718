package io.ratewarden.examples.consumer;

import io.ratewarden.RatewardenBuilder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.Backend;
import io.ratewarden.RateLimitExceededException;
import io.ratewarden.Ratewarden;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A project on ratewarden-core and the aspect alone (the build's enforcer rule proves it carries no
 * Redisson and no Netty): it limits in memory, and asking for Redis names the artifact to add.
 */
class CoreOnlyTest {

    private Ratewarden ratewarden;

    @AfterEach
    void close() {
        if (ratewarden != null) {
            ratewarden.close();
        }
    }

    @Test
    void theClassPathHoldsNoRedisClient() {
        assertThatThrownBy(() -> Class.forName("org.redisson.api.RedissonClient"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> Class.forName("io.netty.channel.Channel")).isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void aWovenMethodIsLimitedInMemory() {
        ratewarden = Ratewarden.builder().name("consumer-core-only").build();
        Ratewarden.install(ratewarden);
        Greetings greetings = new Greetings();
        for (int i = 0; i < 3; i++) {
            assertThat(greetings.greet("ada")).isEqualTo("Hello, ada");
        }
        assertThatThrownBy(() -> greetings.greet("ada")).isInstanceOf(RateLimitExceededException.class);
        assertThat(greetings.greet("grace")).as("another key").isEqualTo("Hello, grace");
        assertThat(ratewarden.storeInfo().backend()).isEqualTo(Backend.IN_MEMORY);
    }

    @Test
    void aRedisUrlFailsTheBuildNamingTheArtifactToAdd() {
        RatewardenBuilder builder = Ratewarden.builder().name("consumer-core-only-redis")
                .redisUrl("redis://:s3cr3t@127.0.0.1:6390");
        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("io.ratewarden:ratewarden-redis")
                .hasMessageContaining("127.0.0.1:6390")
                .hasMessageNotContaining("s3cr3t");
    }

    @Test
    void aRedisUrlFromSettingsFailsTheSameWay() {
        RatewardenBuilder builder = Ratewarden.builder().name("consumer-core-only-settings")
                .configure(Map.of("redisUrl", "redis://127.0.0.1:6390"));
        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("io.ratewarden:ratewarden-redis");
    }
}
