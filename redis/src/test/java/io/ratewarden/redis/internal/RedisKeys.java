package io.ratewarden.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;


/** Direct access to a test's keys on Redis, through a client of its own. */
final class RedisKeys {

    private RedisKeys() {
    }

    /**
     * Deletes every key whose name holds {@code keySpace} (a test's unique prefix part: Redisson's
     * {@code {name}:suffix} keys start with a brace, so a plain prefix pattern would miss them).
     */
    static void deleteKeySpace(String url, String keySpace) {
        try (RedisConnection connection = RedisConnection.fromUrl(url)) {
            long deleted = connection.client().getKeys().deleteByPattern("*" + keySpace + "*");
            assertThat(deleted).as("keys of %s deleted", keySpace).isPositive();
        }
    }
}
