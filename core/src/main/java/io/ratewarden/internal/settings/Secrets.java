package io.ratewarden.internal.settings;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The secrets of one Redis configuration (passwords of URLs, of Redisson configs and YAML), and
 * the one way Ratewarden turns a failure into text: {@link #describe(Throwable)}.
 *
 * <p>Redis clients and servers sometimes put credentials into exception messages. Every message
 * Ratewarden relays (logs, {@code StoreInfo.lastError}, JMX, exceptions) goes through here: each
 * URL in it is rebuilt from its parts with the password masked, and every known secret left
 * anywhere in the text is replaced by {@code ****}. This class is immutable.
 */
public final class Secrets {

    private static final String[] SCHEMES = {"rediss://", "redis://", "valkeys://", "valkey://"};

    private static final int MAX_MESSAGE = 300;

    private final List<String> secrets;

    private Secrets(List<String> secrets) {
        this.secrets = secrets;
    }

    /**
     * Returns the secrets given, ignoring {@code null} and empty ones.
     *
     * @param secrets passwords and tokens
     * @return the secrets
     */
    public static Secrets of(String... secrets) {
        List<String> list = new ArrayList<>();
        for (String secret : secrets) {
            if (secret != null && !secret.isEmpty() && !list.contains(secret)) {
                list.add(secret);
            }
        }
        list.sort(Comparator.comparingInt(String::length).reversed());
        return new Secrets(List.copyOf(list));
    }

    /**
     * Describes a failure for operators: the first exception with a message (wrappers skipped) and
     * its root cause, each as {@code SimpleClassName: message}, masked. Never returns a secret.
     *
     * @param failure the failure
     * @return the description, masked
     */
    public String describe(Throwable failure) {
        Objects.requireNonNull(failure, "failure");
        Throwable shown = failure;
        while (shown.getCause() != null && shown.getCause() != shown
                && (shown.getMessage() == null || shown instanceof ExecutionException
                    || shown instanceof CompletionException)) {
            shown = shown.getCause();
        }
        Throwable root = shown;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = describeOne(shown);
        return root == shown ? text : text + " (cause: " + describeOne(root) + ")";
    }

    private String describeOne(Throwable failure) {
        String message = failure.getMessage();
        String name = failure.getClass().getSimpleName();
        return message == null ? name : name + ": " + mask(concise(message));
    }

    /** Redisson appends the channel and the whole command (keys, script) to its messages: cut them. */
    private static String concise(String message) {
        int channel = message.indexOf(" channel: [");
        String cut = channel > 0 ? message.substring(0, channel).trim() : message;
        return cut.length() <= MAX_MESSAGE ? cut : cut.substring(0, MAX_MESSAGE - 3) + "...";
    }

    /**
     * Returns {@code text} with every Redis URL rebuilt masked and every known secret replaced.
     *
     * @param text any text, or {@code null}
     * @return the masked text, or {@code null}
     */
    public String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = maskUrls(text);
        for (String secret : secrets) {
            masked = masked.replace(secret, RedisAddress.MASK);
        }
        return masked;
    }

    private static String maskUrls(String text) {
        StringBuilder out = new StringBuilder(text.length());
        String lower = text.toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < text.length()) {
            int start = -1;
            for (String scheme : SCHEMES) {
                if (lower.startsWith(scheme, i)) {
                    start = i;
                    break;
                }
            }
            if (start < 0) {
                out.append(text.charAt(i++));
                continue;
            }
            int end = start;
            while (end < text.length() && !Character.isWhitespace(text.charAt(end))
                    && "\"'<>,;()".indexOf(text.charAt(end)) < 0) {
                end++;
            }
            String token = text.substring(start, end);
            try {
                out.append(RedisAddress.parse(token).masked());
            } catch (IllegalArgumentException e) {
                int at = token.lastIndexOf('@');
                int schemeEnd = token.indexOf("://") + 3;
                out.append(at > schemeEnd ? token.substring(0, schemeEnd) + RedisAddress.MASK + token.substring(at)
                        : token);
            }
            i = end;
        }
        return out.toString();
    }
}
