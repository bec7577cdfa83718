package io.ratewarden.store;

import io.ratewarden.Limit;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Identifies one limited bucket, a limit's name, its tier and a caller's key, and carries the
 * limit that applies to the call.
 *
 * <p>The bucket is the name, the tier and the key: two keys are {@linkplain #equals(Object) equal}
 * when those are, whatever their {@link #limit()}. The limit is what the call is decided under,
 * not part of the bucket's identity: when a limit changes (in code, in configuration, or by an
 * operator's override), the next call brings the new limit to the bucket that already holds the
 * grants of the old one, and a store decides it by the new limit over the grants it holds. Stores
 * must do so: a store that started a new bucket for a new limit would hand out a full window on
 * top of the grants still in it.
 *
 * <p>Keys come from callers and are untrusted: {@link #of(String, Limit, String)} accepts any
 * characters and any length, turns {@code null} into the text {@code null}, and replaces keys
 * longer than {@value #MAX_KEY_LENGTH} characters by a stable hash so that memory per key stays
 * bounded. Stores must treat the key and the tier as opaque text.
 *
 * @param limitName the limit's name, never {@code null} or empty
 * @param tier the tier whose counts the bucket holds, {@code ""} for the limit's own; tiers of one
 *     limit never share counts. At most {@value #MAX_KEY_LENGTH} characters
 * @param limit the limit the call is decided under, never {@code null}
 * @param key the caller's key, at most {@value #MAX_KEY_LENGTH} characters; {@code ""} for the one
 *     bucket of a limit shared by all callers
 */
public record LimitKey(String limitName, String tier, Limit limit, String key) implements Serializable {

    /** Keys (and tiers) longer than this are replaced by a hash. */
    public static final int MAX_KEY_LENGTH = 128;

    private static final String HASH_PREFIX = "sha256:";

    /**
     * Validates the key.
     *
     * @throws NullPointerException if any component is {@code null}
     * @throws IllegalArgumentException if {@code limitName} is empty, or {@code key} or
     *     {@code tier} is longer than {@value #MAX_KEY_LENGTH} characters
     */
    public LimitKey {
        Objects.requireNonNull(limitName, "limitName");
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(key, "key");
        if (limitName.isEmpty()) {
            throw new IllegalArgumentException("limitName must not be empty");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("key must be at most " + MAX_KEY_LENGTH
                    + " characters, was " + key.length() + "; use LimitKey.of to hash long keys");
        }
        if (tier.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("tier must be at most " + MAX_KEY_LENGTH
                    + " characters, was " + tier.length() + "; use LimitKey.of to hash long tiers");
        }
    }

    /**
     * Creates the key of a limit's own bucket for {@code key} (no tier).
     *
     * @param limitName the limit's name, never {@code null} or empty
     * @param limit the limit the call is decided under
     * @param key the caller's key, at most {@value #MAX_KEY_LENGTH} characters
     */
    public LimitKey(String limitName, Limit limit, String key) {
        this(limitName, "", limit, key);
    }

    /**
     * Returns the key of {@code rawKey} under a limit, with no tier, normalising the raw key:
     * {@code null} becomes {@code "null"}, and a key longer than {@value #MAX_KEY_LENGTH}
     * characters becomes {@code "sha256:"} followed by the hex SHA-256 of its UTF-8 bytes.
     *
     * @param limitName the limit's name
     * @param limit the limit the call is decided under
     * @param rawKey the caller's key, any text or {@code null}
     * @return the limit key
     */
    public static LimitKey of(String limitName, Limit limit, String rawKey) {
        return new LimitKey(limitName, "", limit, normalize(rawKey));
    }

    /**
     * Returns the key of {@code rawKey} in {@code rawTier} of a limit, normalising both as
     * {@link #normalize(String)} does; a {@code null} tier is the limit's own ({@code ""}).
     *
     * @param limitName the limit's name
     * @param rawTier the tier, any text, or {@code null} or {@code ""} for none
     * @param limit the limit the call is decided under
     * @param rawKey the caller's key, any text or {@code null}
     * @return the limit key
     */
    public static LimitKey of(String limitName, String rawTier, Limit limit, String rawKey) {
        return new LimitKey(limitName, rawTier == null ? "" : normalize(rawTier), limit, normalize(rawKey));
    }

    /**
     * Returns the same bucket under {@code newLimit}; this key when the limit is the same.
     *
     * @param newLimit the limit the call is decided under
     * @return the key, never {@code null}
     */
    public LimitKey withLimit(Limit newLimit) {
        return newLimit.equals(limit) ? this : new LimitKey(limitName, tier, newLimit, key);
    }

    /**
     * Whether {@code other} is a key of the same bucket: the same limit name, tier and key,
     * whatever the limit.
     *
     * @param other the object to compare with
     * @return whether it names the same bucket
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof LimitKey that && key.equals(that.key) && limitName.equals(that.limitName)
                && tier.equals(that.tier);
    }

    /**
     * Returns a hash of the bucket: of the limit name, the tier and the key, not of the limit.
     *
     * @return the hash
     */
    @Override
    public int hashCode() {
        return (limitName.hashCode() * 31 + tier.hashCode()) * 31 + key.hashCode();
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

    /**
     * Checks that a call may ask this bucket for {@code permits} permits: what every store does
     * before it decides, so that a bad call takes nothing.
     *
     * @param permits the permits a call asks for
     * @throws IllegalArgumentException if {@code permits} is below 1 or above the limit's permits;
     *     the message names the limit
     */
    public void requirePermits(long permits) {
        if (permits < 1 || permits > limit.permits()) {
            throw new IllegalArgumentException("permits must be between 1 and " + limit.permits() + " for limit '"
                    + limitName + "', was " + permits);
        }
    }
}
