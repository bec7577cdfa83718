package io.ratewarden.store.tck;

import io.ratewarden.Backend;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.internal.window.InMemoryRateLimitStore;
import org.junit.jupiter.api.Tag;

/** The store contract on the in-memory store. */
@Tag("unit")
class InMemoryStoreContractTest extends RateLimitStoreContract {

    @Override
    protected RateLimitStore newStore() {
        return new InMemoryRateLimitStore(10_000);
    }

    /** Memory loses its state with its process: a restarted instance starts with a new store. */
    @Override
    protected RateLimitStore loseState(RateLimitStore current) {
        current.close();
        return newStore();
    }

    @Override
    protected Backend decidingBackend() {
        return Backend.IN_MEMORY;
    }
}
