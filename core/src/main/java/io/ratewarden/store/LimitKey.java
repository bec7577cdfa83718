package io.ratewarden.store;

import io.ratewarden.Limit;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Identifies one limited bucket: a limit (its name and definition) and a caller's key.
 *
 * <p>Keys come from callers and are untrusted: {@link #of(String, Limit, String)} accepts any
 * characters and any length, turns {@code null} into the text {@code null}, and replaces keys
 * longer than {@value #MAX_KEY_LENGTH} characters by a stable hash so that memory per key stays
 * bounded. Stores must treat the key as opaque text.
 *
 * @param limitName the limit's name, never {@code null} or empty
 * @param limit the limit's definition, never {@code null}
 * @param key the caller's key, at most {@value #MAX_KEY_LENGTH} characters; {@code ""} for a
 *     limit shared by all callers
 */
public record LimitKey(String limitName, Limit limit, String key) {

    /** Keys longer than this are replaced by a hash. */
    public static final int MAX_KEY_LENGTH = 128;

    private static final String HASH_PREFIX = "sha256:";

    /**
     * Validates the key.
     *
     * @throws NullPointerException if any component is {@code null}
     * @throws IllegalArgumentException if {@code limitName} is empty or {@code key} is longer than
     *     {@value #MAX_KEY_LENGTH} characters
     */
    public LimitKey {
        Objects.requireNonNull(limitName, "limitName");
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(key, "key");
        if (limitName.isEmpty()) {
            throw new IllegalArgumentException("limitName must not be empty");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("key must be at most " + MAX_KEY_LENGTH
                    + " characters, was " + key.length() + "; use LimitKey.of to hash long keys");
        }
    }

    /**
     * Returns the key of {@code rawKey} under a limit, normalising the raw key: {@code null}
     * becomes {@code "null"}, and a key longer than {@value #MAX_KEY_LENGTH} characters becomes
     * {@code "sha256:"} followed by the hex SHA-256 of its UTF-8 bytes.
     *
     * @param limitName the limit's name
     * @param limit the limit's definition
     * @param rawKey the caller's key, any text or {@code null}
     * @return the limit key
     */
    public static LimitKey of(String limitName, Limit limit, String rawKey) {
        return new LimitKey(limitName, limit, normalize(rawKey));
    }

    /**
     * Returns {@code rawKey} as a store holds it: {@code null} becomes {@code "null"}, and a key
     * longer than {@value #MAX_KEY_LENGTH} characters becomes a stable hash of itself.
     *
     * @param rawKey the caller's key, any text or {@code null}
     * @return the normalised key, at most {@value #MAX_KEY_LENGTH} characters
     */
    public static String normalize(String rawKey) {
        if (rawKey == null) {
            return "null";
        }
        if (rawKey.length() <= MAX_KEY_LENGTH) {
            return rawKey;
        }
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha256.digest(rawKey.getBytes(StandardCharsets.UTF_8));
            return HASH_PREFIX + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
