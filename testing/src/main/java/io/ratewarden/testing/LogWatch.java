package io.ratewarden.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Reads what the test run logged: every line of this JVM's log (SLF4J simple, written to the file
 * named by the system property {@code ratewarden.test.logFile}), from Ratewarden and from Redisson
 * alike. Registered as an extension, it fails each test during which anything logged at ERROR:
 * in normal operation (grants, rejections, waits) an ERROR is a defect, whoever wrote it.
 * {@link #mark()} and {@link #linesSince(long, Level)} let a test assert on a stretch of its own.
 */
public final class LogWatch implements BeforeEachCallback, AfterEachCallback {

    /** Log levels, in order. */
    public enum Level { TRACE, DEBUG, INFO, WARN, ERROR }

    /** One logged line (its stack trace, if any, is on the lines after it and not included). */
    public record Line(Level level, String logger, String message) {
        @Override
        public String toString() {
            return level + " " + logger + " - " + message;
        }
    }

    private static final Pattern LINE = Pattern.compile("^\\d+ \\[[^\\]]*\\] (TRACE|DEBUG|INFO|WARN|ERROR) (\\S+) - (.*)$");

    private final Path file;
    private long testStart;

    private LogWatch(Path file) {
        this.file = file;
    }

    /**
     * Returns a watch over the run's log file that fails a test during which an ERROR is logged.
     *
     * @return the extension
     */
    public static LogWatch failOnError() {
        String name = System.getProperty("ratewarden.test.logFile");
        if (name == null) {
            throw new IllegalStateException("the test run sets no ratewarden.test.logFile: the log cannot be read");
        }
        return new LogWatch(Path.of(name));
    }

    /**
     * Returns the position the log has reached now.
     *
     * @return a mark for {@link #linesSince(long, Level)}
     */
    public long mark() {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the test log " + file, e);
        }
    }

    /**
     * Returns the lines logged since {@code mark} at {@code atLeast} or above.
     *
     * @param mark a position from {@link #mark()}
     * @param atLeast the lowest level returned
     * @return the lines, oldest first
     */
    public List<Line> linesSince(long mark, Level atLeast) {
        List<Line> lines = new ArrayList<>();
        if (!Files.exists(file)) {
            return lines;
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            if (length <= mark) {
                return lines;
            }
            byte[] bytes = new byte[(int) Math.min(Integer.MAX_VALUE - 8, length - mark)];
            in.seek(mark);
            in.readFully(bytes);
            for (String text : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
                Matcher matcher = LINE.matcher(text);
                if (matcher.matches()) {
                    Level level = Level.valueOf(matcher.group(1).toUpperCase(Locale.ROOT));
                    if (level.compareTo(atLeast) >= 0) {
                        lines.add(new Line(level, matcher.group(2), matcher.group(3)));
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the test log " + file, e);
        }
        return lines;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        testStart = mark();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<Line> errors = linesSince(testStart, Level.ERROR);
        if (!errors.isEmpty()) {
            Assertions.fail(errors.size() + " ERROR line(s) logged during " + context.getDisplayName()
                    + "; the first: " + errors.get(0));
        }
    }
}
