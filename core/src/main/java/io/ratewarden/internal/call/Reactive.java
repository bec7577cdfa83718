package io.ratewarden.internal.call;

/** The Reactor types a limited method may return, told by name: Reactor is optional. */
enum Reactive {
    MONO, FLUX;

    /** The Reactor type {@code returnType} is, or {@code null} for any other type. */
    static Reactive of(Class<?> returnType) {
        return switch (returnType.getName()) {
            case "reactor.core.publisher.Mono" -> MONO;
            case "reactor.core.publisher.Flux" -> FLUX;
            default -> null;
        };
    }
}
