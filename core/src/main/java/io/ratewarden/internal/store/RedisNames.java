package io.ratewarden.internal.store;

import io.ratewarden.store.LimitKey;

/**
 * The Redis key names of Ratewarden's data under one key prefix: the one place that decides
 * them, so that no two buckets, layouts or instance records ever share a name.
 *
 * <ul>
 *   <li>A bucket's name is the prefix, the limit's name, {@code @} and the tier when there is
 *       one, {@code :}, and the caller's key. In the name and the tier, {@code % { } : @} are
 *       percent-escaped; in the key, {@code % { }} are (a colon in the key is kept: the name and
 *       tier hold none, so the first colon after the prefix always ends them). With no brace, a
 *       bucket's Redis keys, {@code {name}:suffix} included, all hash to one cluster slot whatever
 *       the caller's key holds.</li>
 *   <li>The compact layout puts a colon right after the prefix: an escaped limit name is never
 *       empty and never holds a colon, so no bucket of the other layout starts that way.</li>
 *   <li>The instance heartbeats and the operators' overrides live in {@code {<prefix>}instances}
 *       and {@code {<prefix>}overrides}: one hash tag, so that one script reads both in a
 *       cluster; no bucket's key starts with a brace followed by the bare prefix and another
 *       brace.</li>
 *   <li>An override's field in {@code overrides} is the escaped limit name, and {@code @} and the
 *       escaped tier for a tier's.</li>
 * </ul>
 * This class is immutable and thread-safe.
 */
final class RedisNames {

    private final String prefix;

    /** @param prefix the key prefix, without braces (the builder checks it) */
    RedisNames(String prefix) {
        this.prefix = prefix;
    }

    /** The name of a bucket on Redisson's {@code RRateLimiter} layout (its hash). */
    String limiter(LimitKey key) {
        return prefix + bucket(key);
    }

    /** The name of a bucket's one key on the compact layout. */
    String compact(LimitKey key) {
        return prefix + ":" + bucket(key);
    }

    /** The sorted set of the instances' heartbeats. */
    String instances() {
        return "{" + prefix + "}instances";
    }

    /** The hash of the operators' overrides, by {@link #overrideField}. */
    String overrides() {
        return "{" + prefix + "}overrides";
    }

    /** The field of a limit's override ({@code tier} {@code ""}), or of one of its tiers. */
    static String overrideField(String limitName, String tier) {
        String field = escape(limitName, true);
        return tier.isEmpty() ? field : field + "@" + escape(tier, true);
    }

    /** The limit name and tier of an override's field: the reverse of {@link #overrideField}. */
    static String[] parseOverrideField(String field) {
        int at = field.indexOf('@');
        String name = at < 0 ? field : field.substring(0, at);
        String tier = at < 0 ? "" : field.substring(at + 1);
        return new String[] {unescape(name), unescape(tier)};
    }

    private static String unescape(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length()) {
                out.append((char) Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String bucket(LimitKey key) {
        String name = escape(key.limitName(), true);
        if (!key.tier().isEmpty()) {
            name = name + "@" + escape(key.tier(), true);
        }
        return name + ":" + escape(key.key(), false);
    }

    /**
     * Percent-escapes {@code % { }} and, in a name or tier, {@code : @}; returns {@code text}
     * itself when nothing needs escaping.
     */
    static String escape(String text, boolean nameOrTier) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = switch (c) {
                case '%' -> "%25";
                case '{' -> "%7B";
                case '}' -> "%7D";
                case ':' -> nameOrTier ? "%3A" : null;
                case '@' -> nameOrTier ? "%40" : null;
                default -> null;
            };
            if (replacement != null && out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }
}
