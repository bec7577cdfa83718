package io.ratewarden.internal.settings;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * One Redis URL taken apart: {@code scheme://[user[:password]@]host[:port][/database]}. Parsed by
 * hand rather than by {@link java.net.URI}, because passwords in the wild hold characters a URI
 * forbids ({@code @ : / + %}): the user information is everything between {@code ://} and the
 * <em>last</em> {@code @}.
 *
 * <p>{@link #masked()} rebuilds the URL from its parts with the secret replaced; nothing is ever
 * pattern-patched, so a secret cannot survive masking by being spelt oddly.
 *
 * @param scheme {@code redis}, {@code rediss}, {@code valkey} or {@code valkeys}
 * @param username the user, or {@code null}
 * @param password the password, decoded, or {@code null}
 * @param host the host (IPv6 literals keep their brackets)
 * @param port the port, 6379 when the URL has none
 * @param database the database index, or -1 when the URL has none
 */
public record RedisAddress(String scheme, String username, String password, String host, int port, int database) {

    private static final Set<String> SCHEMES = Set.of("redis", "rediss", "valkey", "valkeys");
    static final String MASK = "****";

    /**
     * Parses {@code url}.
     *
     * @param url a Redis URL
     * @return its parts
     * @throws IllegalArgumentException if the URL is malformed; the message shows it masked
     */
    public static RedisAddress parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("Redis URL is empty");
        }
        String trimmed = url.trim();
        int schemeEnd = trimmed.indexOf("://");
        if (schemeEnd <= 0) {
            throw malformed(trimmed, 0, "it must start with redis://, rediss://, valkey:// or valkeys://");
        }
        String scheme = trimmed.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        if (!SCHEMES.contains(scheme)) {
            throw malformed(trimmed, 0, "unknown scheme; use redis://, rediss:// (TLS), valkey:// or valkeys:// (TLS)");
        }
        String rest = trimmed.substring(schemeEnd + 3);
        int at = rest.lastIndexOf('@');
        String userInfo = at >= 0 ? rest.substring(0, at) : null;
        String hostPart = at >= 0 ? rest.substring(at + 1) : rest;
        int hostStart = schemeEnd + 3 + at + 1; // the position of the host in the URL
        int databaseStart = -1;
        int portStart = -1;

        String database = null;
        int end = indexOfAny(hostPart, "/?#");
        if (end >= 0) {
            String tail = hostPart.substring(end);
            hostPart = hostPart.substring(0, end);
            if (tail.startsWith("/") && tail.length() > 1) {
                databaseStart = end + 1;
                int stop = indexOfAny(tail.substring(1), "?#");
                database = stop >= 0 ? tail.substring(1, stop + 1) : tail.substring(1);
            }
        }

        String host;
        String portText = null;
        if (hostPart.startsWith("[")) {
            int close = hostPart.indexOf(']');
            if (close < 0) {
                throw malformed(trimmed, hostStart, "unterminated IPv6 address");
            }
            host = hostPart.substring(0, close + 1);
            String after = hostPart.substring(close + 1);
            if (after.startsWith(":")) {
                portText = after.substring(1);
                portStart = close + 2;
            } else if (!after.isEmpty()) {
                throw malformed(trimmed, hostStart + close + 1, "unexpected text after the IPv6 address");
            }
        } else {
            int colon = hostPart.lastIndexOf(':');
            host = colon >= 0 ? hostPart.substring(0, colon) : hostPart;
            portText = colon >= 0 ? hostPart.substring(colon + 1) : null;
            portStart = colon + 1;
        }
        if (host.isEmpty()) {
            throw malformed(trimmed, hostStart, "it has no host");
        }
        int port = 6379;
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw malformed(trimmed, hostStart + portStart, "the port is not a number between 1 and 65535");
            }
        }
        int db = -1;
        if (database != null && !database.isEmpty()) {
            try {
                db = Integer.parseInt(database);
            } catch (NumberFormatException e) {
                throw malformed(trimmed, hostStart + databaseStart, "the database is not a number");
            }
        }

        String username = null;
        String password = null;
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                password = decode(userInfo); // redis-cli convention: a lone component is the password
            } else {
                username = colon == 0 ? null : decode(userInfo.substring(0, colon));
                password = decode(userInfo.substring(colon + 1));
            }
        }
        return new RedisAddress(scheme, username, password, host, port, db);
    }

    /**
     * Returns the URL rebuilt from its parts with the password replaced by {@code ****}, e.g.
     * {@code rediss://default:****@cache.example:6380/2}.
     *
     * @return the masked URL
     */
    public String masked() {
        StringBuilder out = new StringBuilder(scheme).append("://");
        if (username != null || password != null) {
            if (username != null) {
                out.append(username);
                if (password != null) {
                    out.append(':');
                }
            }
            if (password != null) {
                out.append(MASK);
            }
            out.append('@');
        }
        out.append(host).append(':').append(port);
        if (database >= 0) {
            out.append('/').append(database);
        }
        return out.toString();
    }

    /**
     * Returns {@code scheme://host:port}, the address Redisson connects to, without credentials.
     *
     * @return the address without credentials
     */
    public String withoutCredentials() {
        return scheme + "://" + host + ":" + port;
    }

    /** Returns {@link #masked()}: a {@code RedisAddress} never prints its password. */
    @Override
    public String toString() {
        return masked();
    }

    /**
     * Masks every URL of a comma-separated list (Sentinel and Cluster node lists), each rebuilt
     * from its parts; an entry that does not parse is replaced by {@code <unparseable address>}.
     *
     * @param urls one URL or several separated by commas
     * @return the masked list
     */
    public static String maskList(String urls) {
        if (urls == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        for (String url : urls.split(",")) {
            if (out.length() > 0) {
                out.append(',');
            }
            try {
                out.append(parse(url).masked());
            } catch (IllegalArgumentException e) {
                out.append("<unparseable address>");
            }
        }
        return out.toString();
    }

    /**
     * A malformed URL cannot be masked (its parts are unknown), so its text is never shown: the
     * message names the rule broken and the position, counted from 1 in the trimmed URL.
     */
    private static IllegalArgumentException malformed(String url, int position, String reason) {
        return new IllegalArgumentException("Malformed Redis URL (" + url.length() + " characters; at character "
                + (Math.max(0, position) + 1) + "): " + reason + ". The URL is not shown: it may hold a password");
    }

    private static int indexOfAny(String text, String characters) {
        for (int i = 0; i < text.length(); i++) {
            if (characters.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static String decode(String component) {
        try {
            return URLDecoder.decode(component.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return component; // a literal '%' not followed by hex digits: take the text as written
        }
    }
}
