package io.ratewarden;

/** The backend that decides a call. */
public enum Backend {
    /** Redis, shared by every instance that uses it. */
    REDIS,
    /** The in-memory limiter of this instance. */
    IN_MEMORY
}
