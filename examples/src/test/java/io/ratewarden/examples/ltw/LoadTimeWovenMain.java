package io.ratewarden.examples.ltw;

import io.ratewarden.RateLimitExceededException;
import io.ratewarden.RateLimited;

/**
 * Compiled by javac only (test sources are not woven at build time): its limit holds only when the
 * AspectJ agent weaves it at load time. Prints what happened and exits 0 when the third call was
 * rejected, 1 when it was not.
 */
public final class LoadTimeWovenMain {

    private int runs;

    @RateLimited(permits = 2, window = 1, unit = java.util.concurrent.TimeUnit.HOURS, key = "#user")
    void call(String user) {
        runs++;
    }

    /**
     * Calls a limited method three times.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        LoadTimeWovenMain main = new LoadTimeWovenMain();
        main.call("alice");
        main.call("alice");
        try {
            main.call("alice");
            System.out.println("NOT WOVEN: third call ran, runs=" + main.runs);
            System.exit(1);
        } catch (RateLimitExceededException e) {
            System.out.println("WOVEN: third call rejected by limit for key " + e.key() + ", runs=" + main.runs);
            System.exit(0);
        }
    }
}
