package io.ratewarden.internal.failover;

import io.ratewarden.Limit;
import java.time.Duration;

/**
 * One override as the backend keeps it, in its hash field's value: the limit, when it ends, and a
 * version; or the mark that it was cleared (a tombstone), with the version of the clear. Versions
 * are the backend's clock in microseconds at the write, so that a later write always wins, and a
 * restore after the backend lost its data never brings back what was changed or cleared since.
 *
 * @param limit the override, or {@code null} for a clear
 * @param expiresAtMillis when it ends, on the backend's clock in milliseconds; 0 for never
 * @param version the version of the write
 */
public record StoredOverride(Limit limit, long expiresAtMillis, long version) {

    /** Whether this marks a clear rather than an override. */
    boolean cleared() {
        return limit == null;
    }

    /** The value as the backend keeps it: {@code permits windowMillis expiresAt version}, or {@code - version}. */
    public String encoded() {
        return limit == null ? "- " + version
                : limit.permits() + " " + limit.windowMillis() + " " + expiresAtMillis + " " + version;
    }

    /**
     * Reads a value the backend keeps; {@code permits windowMillis} alone (written by earlier versions)
     * is an override without end of version 0.
     *
     * @return the override, or {@code null} for a value this version cannot read
     */
    public static StoredOverride parse(String value) {
        try {
            String[] parts = value.trim().split(" ");
            if (parts.length == 2 && parts[0].equals("-")) {
                return new StoredOverride(null, 0, Long.parseLong(parts[1]));
            }
            Limit limit = Limit.of(Long.parseLong(parts[0]), Duration.ofMillis(Long.parseLong(parts[1])));
            if (parts.length >= 4) {
                return new StoredOverride(limit, Long.parseLong(parts[2]), Long.parseLong(parts[3]));
            }
            return parts.length == 2 ? new StoredOverride(limit, 0, 0) : null;
        } catch (RuntimeException e) {
            return null; // not an override this version wrote: skipped, never fatal to a heartbeat
        }
    }
}
