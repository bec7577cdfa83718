package io.ratewarden.internal.call;

/** An attribute of a {@code @RateLimited} annotation that cannot work, with the reason. */
final class InvalidAnnotationException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String reason;

    InvalidAnnotationException(String attribute, String reason) {
        super(attribute + ": " + reason, null, false, false);
        this.reason = reason;
    }

    /** The same reason, for another attribute. */
    InvalidAnnotationException about(String attribute) {
        return new InvalidAnnotationException(attribute, reason);
    }
}
