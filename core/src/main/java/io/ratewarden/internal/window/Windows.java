package io.ratewarden.internal.window;

import io.ratewarden.Limit;

/**
 * Makes the window of a limit: an exact log ({@link SlidingLog}) up to
 * {@value SlidingWindow#EXACT_UP_TO} permits, time slots ({@link SlottedWindow}) above; and the
 * successor of a window whose limit changed. Stateless.
 */
final class Windows {

    private Windows() {
    }

    /** The window for {@code limit}. */
    static SlidingWindow of(Limit limit) {
        return limit.permits() <= SlidingWindow.EXACT_UP_TO ? new SlidingLog(limit, (int) limit.permits()) : new SlottedWindow(limit);
    }


    /**
     * Builds the successor of a window being retired: the grants still in the new window, the same
     * count, another limit. No grant in the window is forgotten: a limit of up to
     * {@value SlidingWindow#EXACT_UP_TO} permits gets an exact log holding every such grant, unless they are
     * more than {@value SlidingWindow#EXACT_UP_TO}; then a slotted window keeps them (and decides as slotted
     * windows do, up to a sixteenth of the window early, for as long as the key stays).
     */
    static SlidingWindow successor(SlidingWindow retired, Limit newLimit, long read) {
        long[] grants = retired.grants(read);
        long from = read - newLimit.window().toNanos();
        long held = 0;
        for (int i = 0; i < grants.length; i += 2) {
            if (grants[i] > from) {
                held += grants[i + 1];
            }
        }
        SlidingWindow next;
        if (newLimit.permits() > SlidingWindow.EXACT_UP_TO) {
            next = new SlottedWindow(newLimit);
        } else if (held <= SlidingWindow.EXACT_UP_TO) {
            next = new SlidingLog(newLimit, (int) Math.max(newLimit.permits(), held));
        } else {
            next = new SlottedWindow(newLimit);
        }
        for (int i = 0; i < grants.length; i += 2) {
            if (grants[i] > from) {
                next.absorb(grants[i], grants[i + 1]);
            }
        }
        next.countedBefore = retired.counted() - next.countedHere();
        return next;
    }
}
