package io.ratewarden.internal.failover;

import io.ratewarden.internal.settings.RatewardenSettings;
import io.ratewarden.store.RedisSource;
import java.nio.file.Path;

/**
 * What a store module ({@code ratewarden-redis}) offers the instance builder, found through
 * {@link java.util.ServiceLoader}: sources read from a URL or a file, and backends opened on them.
 * Implementations are stateless and thread-safe.
 */
public interface SharedBackendProvider {

    /**
     * Returns the source of a Redis URL, validated.
     *
     * @param url the URL, never {@code null}
     * @return the source
     * @throws IllegalArgumentException if the URL is malformed; the message is masked
     */
    RedisSource fromUrl(String url);

    /**
     * Returns the source a Redisson YAML file describes, read now.
     *
     * @param yaml the file
     * @return the source
     * @throws IllegalArgumentException if the file cannot be read or parsed; the message is masked
     */
    RedisSource fromYaml(Path yaml);

    /**
     * Returns whether {@link #open} accepts {@code source}.
     *
     * @param source the source
     * @return {@code true} for a source of this provider
     */
    boolean accepts(RedisSource source);

    /**
     * Opens the backend of one instance on {@code source}. Does not block: connecting happens on
     * the first heartbeat.
     *
     * @param source a source this provider {@link #accepts}
     * @param settings the instance's settings
     * @return the backend, closed through its {@link SharedBackend#store()}
     */
    SharedBackend open(RedisSource source, RatewardenSettings settings);
}
