package io.ratewarden.internal.failover;

/**
 * The names of the operators' overrides where instances share them: a field per limit
 * ({@code tier} {@code ""}) or per tier. A field is the limit's name, percent-escaped, and for a
 * tier {@code @} and the escaped tier. The same escaping keeps shared keys apart. This class is
 * stateless.
 */
public final class OverrideFields {

    /** The field that holds the hash's epoch, which no limit's field can be (names are never empty). */
    public static final String EPOCH = ":epoch";

    private OverrideFields() {
    }

    /** The field of a limit's override ({@code tier} {@code ""}), or of one of its tiers. */
    public static String field(String limitName, String tier) {
        String field = escape(limitName, true);
        return tier.isEmpty() ? field : field + "@" + escape(tier, true);
    }

    /** The limit name and tier of an override's field: the reverse of {@link #field}. */
    public static String[] parse(String field) {
        int at = field.indexOf('@');
        String name = at < 0 ? field : field.substring(0, at);
        String tier = at < 0 ? "" : field.substring(at + 1);
        return new String[] {unescape(name), unescape(tier)};
    }

    static String unescape(String text) {
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

    /**
     * Percent-escapes {@code % { }} and, in a name or tier, {@code : @}; returns {@code text}
     * itself when nothing needs escaping.
     */
    public static String escape(String text, boolean nameOrTier) {
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
