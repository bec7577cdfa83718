package io.ratewarden.benchmarks;

/** The 10,000 keys the per-key benchmarks cycle through. */
final class Keys {

    static final int COUNT = 10_000;
    static final String[] ALL = new String[COUNT];

    static {
        for (int i = 0; i < COUNT; i++) {
            ALL[i] = "user-" + i;
        }
    }

    private Keys() {
    }
}
