package io.ratewarden.spring.autoconfigure;

/** The Spring Boot line this starter is built for, and the starter of the other line. */
final class BootLine {

    /** The major version of Spring Boot this starter serves. */
    static final int MAJOR = 3;

    /** This starter's artifact. */
    static final String ARTIFACT = "ratewarden-spring-boot3-starter";

    /** The artifact to use on the other line. */
    static final String OTHER = "ratewarden-spring-boot-starter (Spring Boot 4)";

    private BootLine() {
    }
}
