package io.ratewarden.spring.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Properties;

/**
 * The Spring Boot line of the starter on the class path, as its jar declares it in
 * {@value #RESOURCE}: its major version, its artifact and the other line's.
 *
 * @param major the Boot major version the starter is built for
 * @param artifact the starter's artifact
 * @param other the other line's starter, for the message
 */
record BootLine(int major, String artifact, String other) {

    static final String RESOURCE = "META-INF/ratewarden/boot-line.properties";

    /**
     * Returns the line the starter declares, or {@code null} when no starter declares one.
     *
     * @param loader where to look
     * @return the line, or {@code null}
     */
    static BootLine declared(ClassLoader loader) {
        URL resource = loader.getResource(RESOURCE);
        if (resource == null) {
            return null;
        }
        Properties properties = new Properties();
        try (InputStream in = resource.openStream()) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
        return new BootLine(Integer.parseInt(properties.getProperty("major").trim()), properties.getProperty("artifact"),
                properties.getProperty("other"));
    }

    /**
     * Fails, naming the right artifact, when {@code bootVersion} is not of this line.
     *
     * @param bootVersion the running Spring Boot's version, or {@code null} when unknown
     * @throws IllegalStateException on another line
     */
    void check(String bootVersion) {
        if (bootVersion != null && !bootVersion.startsWith(major + ".")) {
            throw new IllegalStateException(artifact + " is built for Spring Boot " + major
                    + ", but this application runs Spring Boot " + bootVersion + ": use " + other + " instead");
        }
    }
}
