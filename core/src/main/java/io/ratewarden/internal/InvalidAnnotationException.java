package io.ratewarden.internal;

/** An attribute of a {@code @RateLimited} annotation that cannot work, with the reason. */
final class InvalidAnnotationException extends Exception {

    private static final long serialVersionUID = 1L;

    InvalidAnnotationException(String attribute, String reason) {
        super(attribute + ": " + reason, null, false, false);
    }
}
