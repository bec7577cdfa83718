/**
 * The store service provider interface: what a backend implements to decide the calls of a
 * {@link io.ratewarden.Ratewarden} instance.
 *
 * <p>For whom: teams that must keep their limits in a backend Ratewarden does not ship (a
 * database, a data grid, a company-wide quota service) and plug it in with
 * {@link io.ratewarden.RatewardenBuilder#store(io.ratewarden.store.RateLimitStore)}. Users of the
 * in-memory limiter or of Redis never see this package: the builder's Redis settings choose the
 * stores Ratewarden ships, which are not public.
 *
 * <p>What a store gets: a {@link io.ratewarden.store.LimitKey} (the limit's name and definition,
 * and the caller's key, normalised and bounded in length) and a cost in permits. What it owes:
 * {@link io.ratewarden.store.RateLimitStore}'s contract, a bounded time per call, and a
 * {@link io.ratewarden.store.StoreUnavailableException} with a message free of secrets when it
 * cannot decide, after which the instance's failure policy decides that call.
 */
package io.ratewarden.store;
