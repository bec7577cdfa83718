package io.ratewarden.internal.settings;

import io.ratewarden.internal.settings.RedisAddress;
import io.ratewarden.internal.settings.Secrets;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** URLs are taken apart by hand and masked by rebuilding them; no form lets a secret through. */
@Tag("unit")
class RedisAddressMaskingTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "redis://user:secret@host:6379                | redis://user:****@host:6379        | user | secret",
        "rediss://default:secret@cache.example:6380/2 | rediss://default:****@cache.example:6380/2 | default | secret",
        "valkey://u:secret@h:7000                     | valkey://u:****@h:7000              | u    | secret",
        "valkeys://u:secret@h                         | valkeys://u:****@h:6379             | u    | secret",
        "redis://:secret@host:6379                    | redis://****@host:6379              |      | secret",
        "redis://secret@host:6379                     | redis://****@host:6379              |      | secret",
        "redis://user:p@ss:w/rd+x@host:6379           | redis://user:****@host:6379         | user | p@ss:w/rd+x",
        "redis://user:p%40ss%3Aw%2Frd@host:6379       | redis://user:****@host:6379         | user | p@ss:w/rd",
        "redis://user:a+b@[::1]:6380                  | redis://user:****@[::1]:6380        | user | a+b",
        "REDIS://host                                 | redis://host:6379                   |      | ",
        "redis://user@host:1                          | redis://****@host:1                 |      | user",
    })
    void masksEveryUrlForm(String url, String masked, String user, String password) {
        RedisAddress address = RedisAddress.parse(url);
        assertThat(address.masked()).isEqualTo(masked);
        assertThat(address.toString()).isEqualTo(masked);
        assertThat(address.username()).isEqualTo(user);
        assertThat(address.password()).isEqualTo(password);
        if (password != null) {
            assertThat(address.masked()).doesNotContain(password);
            assertThat(address.withoutCredentials()).doesNotContain(password);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "http://user:s3cr3t@host:6379", "redis://user:s3cr3t@host:notaport", "redis://user:s3cr3t@:6379",
        "redis://user:s3cr3t@host:99999", "redis://user:s3cr3t@host:6379/db", "user:s3cr3t@host:6379",
        "redis://user:s3cr3t@[::1:6379", "not a url s3cr3t", "s3cr3t://host:6379", "redis://host:s3cr3t",
        "redis://host:6379/s3cr3t", "redis://[::1]s3cr3t"})
    void malformedUrlsFailWithThePasswordMasked(String url) {
        assertThatThrownBy(() -> RedisAddress.parse(url))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Malformed Redis URL")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t").doesNotContain("host:")
                        .contains("at character"));
    }

    @Test
    void aMalformedUrlIsDescribedByRuleAndPositionNeverByItsText() {
        assertThatThrownBy(() -> RedisAddress.parse("not a url Sekr1tZz"))
                .hasMessage("Malformed Redis URL (18 characters; at character 1): it must start with redis://,"
                        + " rediss://, valkey:// or valkeys://. The URL is not shown: it may hold a password");
        assertThatThrownBy(() -> RedisAddress.parse("redis://u:p@cache:63x9"))
                .hasMessageContaining("at character 19): the port is not a number between 1 and 65535");
    }

    @Test
    void sentinelAndClusterListsAreMaskedEntryByEntry() {
        assertThat(RedisAddress.maskList("redis://:s3cr3t@10.0.0.1:26379,redis://u:s3cr3t@10.0.0.2:26379,nonsense"))
                .isEqualTo("redis://****@10.0.0.1:26379,redis://u:****@10.0.0.2:26379,<unparseable address>");
    }

    @Test
    void secretsAreScrubbedFromRelayedMessages() {
        Secrets secrets = Secrets.of("hunter2", null, "");
        String message = "Unable to connect to rediss://admin:hunter2@db.internal:6380 (auth hunter2), and"
                + " redis://x:other@h:1 failed";
        String masked = secrets.mask(message);
        assertThat(masked).isEqualTo("Unable to connect to rediss://admin:****@db.internal:6380 (auth ****), and"
                + " redis://x:****@h:1 failed");
        assertThat(secrets.describe(new IllegalStateException(message))).startsWith("IllegalStateException: ")
                .doesNotContain("hunter2").doesNotContain("other");
    }
}
