package io.ratewarden.store;

/** The store contract on the in-memory store. */
class InMemoryStoreContractTest extends RateLimitStoreContract {

    @Override
    protected RateLimitStore newStore() {
        return new InMemoryRateLimitStore(10_000);
    }
}
