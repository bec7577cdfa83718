package io.ratewarden.build;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The ERROR lines that one module's tests logged in this build, wherever a test class forgot to
 * watch its own log: in normal operation (grants, rejections, waits, an outage and its recovery)
 * an ERROR is a defect, whoever logged it, Ratewarden or a library on its behalf. So is a WARN
 * that carries a stack trace from Ratewarden, or from Redisson or Netty on its behalf: an operator
 * reads a stack trace as a crash.
 *
 * <p>Reads the module's test logs ({@code target/ratewarden-tests.log}, or one per test JVM,
 * {@code ratewarden-tests-1.log}, ..., SLF4J simple) and the test
 * output Surefire and Failsafe kept ({@code *-output.txt}, where Spring Boot's Logback writes),
 * skipping files an earlier build wrote. A line counts when ERROR is its level, in the layouts of
 * SLF4J simple, Logback and Spring Boot, or when it reports an exception no thread caught; a
 * message that merely mentions the word does not.
 */
final class LoggedErrors {

    private static final Pattern ERROR_LINE = Pattern.compile(
            "^(?:\\d+ \\[[^\\]]*\\]" // SLF4J simple: millis [thread] LEVEL
            + "|\\d\\d:\\d\\d:\\d\\d\\.\\d+ \\[[^\\]]*\\]" // Logback's default: time [thread] LEVEL
            + "|\\d{4}-\\d\\d-\\d\\d[T ]\\S+)" // Spring Boot: date-time LEVEL pid ---
            + "\\s+ERROR\\s.*"
            + "|^Exception in thread \".*");

    /** A WARN line of Ratewarden's, Redisson's or Netty's loggers, full or abbreviated (Boot's layout). */
    private static final Pattern OUR_WARN_LINE = Pattern.compile(
            "^(?:\\d+ \\[[^\\]]*\\]|\\d\\d:\\d\\d:\\d\\d\\.\\d+ \\[[^\\]]*\\]|\\d{4}-\\d\\d-\\d\\d[T ]\\S+)"
            + "\\s+WARN\\s.*?\\b(?:io\\.ratewarden|org\\.redisson|io\\.netty|i\\.r\\.|o\\.r\\.|i\\.n\\.)\\S*\\s.*");

    /**
     * WARN lines that only a server that cannot be reached produces, which fault tests provoke on
     * purpose: Redisson reports each unreachable Sentinel with a stack trace of its own, whatever
     * Ratewarden does. Never seen in normal operation; docs/operations.md tells operators.
     */
    private static final Pattern ONLY_WHEN_UNREACHABLE = Pattern.compile(
            ".*\\bWARN\\s+org\\.redisson\\.connection\\.SentinelConnectionManager - Can't connect to sentinel server$");

    /** The first line of a stack trace: a throwable's class and message, or a frame. */
    private static final Pattern TRACE_START = Pattern.compile(
            "^(?:[\\w$]+\\.)+[\\w$]*(?:Exception|Error|Throwable)(?::.*)?$|^\\s+at [\\w$.]+\\(.*");

    /** One ERROR line and the file it is in. */
    record Line(Path file, String text) {
    }

    private LoggedErrors() {
    }

    /**
     * Returns the ERROR lines, and the WARN lines of ours followed by a stack trace, in the test
     * logs under {@code target} written since {@code start}.
     *
     * @param target a module's build directory
     * @param start the build's start; files last written before it belong to an earlier build
     * @return the lines, file by file in name order
     */
    static List<Line> in(Path target, Instant start) {
        List<Line> lines = new ArrayList<>();
        for (Path file : logs(target)) {
            try {
                if (Files.getLastModifiedTime(file).toInstant().isBefore(start)) {
                    continue;
                }
                // A reader replaces bytes that are not UTF-8: a child process's output may hold some.
                try (BufferedReader text = new BufferedReader(
                        new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
                    String warning = null; // a WARN of ours on the line before, whose trace may follow
                    for (String line = text.readLine(); line != null; line = text.readLine()) {
                        if (ERROR_LINE.matcher(line).matches()) {
                            lines.add(new Line(file, line));
                        } else if (warning != null && TRACE_START.matcher(line).matches()) {
                            lines.add(new Line(file, warning + " [with a stack trace: " + line.trim() + "]"));
                        }
                        warning = OUR_WARN_LINE.matcher(line).matches()
                                && !ONLY_WHEN_UNREACHABLE.matcher(line).matches() ? line : null;
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the test log " + file, e);
            }
        }
        return lines;
    }

    private static List<Path> logs(Path target) {
        List<Path> logs = new ArrayList<>();
        try (Stream<Path> listing = Files.list(target)) {
            // ratewarden-tests.log, or one per test JVM (ratewarden-tests-1.log, ...) where tests run in several
            listing.filter(f -> f.getFileName().toString().matches("ratewarden-tests(-\\d+)?\\.log"))
                    .filter(Files::isRegularFile).sorted().forEach(logs::add);
        } catch (IOException e) {
            if (Files.isDirectory(target)) {
                throw new IllegalStateException("cannot list " + target, e);
            }
        }
        for (String reports : List.of("surefire-reports", "failsafe-reports")) {
            Path dir = target.resolve(reports);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> listing = Files.list(dir)) {
                listing.filter(f -> f.getFileName().toString().endsWith("-output.txt")).sorted().forEach(logs::add);
            } catch (IOException e) {
                throw new IllegalStateException("cannot list " + dir, e);
            }
        }
        return logs;
    }
}
