/**
 * The store test kit: {@link io.ratewarden.store.tck.RateLimitStoreContract}, the behaviour every
 * {@code RateLimitStore} promises, as JUnit 5 tests to extend.
 */
module io.ratewarden.test {
    requires transitive io.ratewarden;
    requires transitive org.junit.jupiter.api;

    exports io.ratewarden.store.tck;
    exports io.ratewarden.test;
    opens io.ratewarden.store.tck to org.junit.platform.commons;
}
