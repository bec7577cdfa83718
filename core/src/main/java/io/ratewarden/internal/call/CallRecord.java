package io.ratewarden.internal.call;

import io.ratewarden.Decision;
import io.ratewarden.Limit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the limits of one request decided, for the {@code RateLimit} and {@code RateLimit-Policy}
 * header fields a web layer adds to the request's response: each limit asked, the limit in force,
 * the permits left after the decision (from the decision itself: no further round trip) and the
 * retry time. A web filter {@linkplain #open() opens} a record for the request on its thread (or
 * puts it in a Reactor subscriber's context under this class); limited methods add to it while it
 * is open. Until the first record is opened, a limited call does no more than read one volatile
 * field. Not part of the API; a record is used by one request at a time.
 */
public final class CallRecord {

    private static final ThreadLocal<CallRecord> CURRENT = new ThreadLocal<>();
    private static volatile boolean used;

    /**
     * One limit's decision.
     *
     * @param limitName the limit's name
     * @param limit the limit in force
     * @param remaining the permits left, {@link Decision#NOT_REPORTED} when unknown
     * @param retryAfter the retry time of a rejection, zero for a grant
     */
    public record Entry(String limitName, Limit limit, long remaining, Duration retryAfter) {
    }

    private final List<Entry> entries = new ArrayList<>(2);

    private CallRecord() {
    }

    /**
     * Opens a record for the calling thread's request, replacing any other, and returns it.
     *
     * @return the record
     */
    public static CallRecord open() {
        used = true;
        CallRecord record = new CallRecord();
        CURRENT.set(record);
        return record;
    }

    /**
     * Returns a record that is not the thread's, for a reactive request's context.
     *
     * @return a new record
     */
    public static CallRecord detached() {
        used = true;
        return new CallRecord();
    }

    /**
     * Makes {@code record} the calling thread's, for a request that goes on on another thread
     * (a servlet async dispatch, a {@code Callable}, a reactive handler's subscription), and
     * returns the one it replaces.
     *
     * @param record the request's record, or {@code null} for none
     * @return the thread's record before, or {@code null}
     */
    public static CallRecord attach(CallRecord record) {
        used = true;
        CallRecord before = CURRENT.get();
        if (record == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(record);
        }
        return before;
    }

    /** Closes the calling thread's record, if any. */
    public static void close() {
        CURRENT.remove();
    }

    /** Whether any record was ever opened: until then, no call need look for one. */
    static boolean inUse() {
        return used;
    }

    /** The calling thread's open record, or {@code null}. */
    static CallRecord current() {
        return used ? CURRENT.get() : null;
    }

    synchronized void add(String limitName, Limit limit, Decision decision) {
        entries.add(new Entry(limitName, limit, decision.remaining(), decision.retryAfter()));
    }

    /**
     * Returns the decisions recorded so far, in the order they were made.
     *
     * @return the entries, a copy
     */
    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }
}
