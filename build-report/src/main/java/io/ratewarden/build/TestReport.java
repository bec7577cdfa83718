package io.ratewarden.build;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The result of every module's tests in one build, read from the Surefire and Failsafe reports
 * that this build wrote. The build lets a module whose tests fail go on
 * ({@code maven.test.failure.ignore}), so that every module's tests run; this report, built last,
 * prints one line per module whose tests ran, names the modules with tests that wrote no report,
 * and fails the build when any test failed or errored, or when a module's tests logged an ERROR
 * ({@link LoggedErrors}).
 */
public final class TestReport {

    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

    private TestReport() {
    }

    /** One module's counts, the tests that failed in it, and the ERROR lines its tests logged. */
    private record ModuleResult(String module, int tests, int failures, int errors, int skipped,
                                List<String> failed, List<LoggedErrors.Line> loggedErrors) {
        boolean passed() {
            return failures == 0 && errors == 0 && loggedErrors.isEmpty();
        }
    }

    /**
     * Reads the reports and fails when any test failed.
     *
     * @param args the root of the build; the build's start ({@code maven.build.timestamp}, UTC,
     *     ISO-8601), reports older than which belong to an earlier build; whether tests were
     *     skipped (text holding {@code true})
     * @throws Exception when the reports cannot be read, or a test failed or a module's tests
     *     logged an ERROR (which fails the build)
     */
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Instant start = Instant.parse(args[1]).minusSeconds(1);
        if (args.length > 2 && args[2] != null && args[2].contains("true")) {
            System.out.println("Tests were skipped: no test report.");
            return;
        }
        List<ModuleResult> results = new ArrayList<>();
        List<String> withoutReport = new ArrayList<>();
        for (String module : modules(root)) {
            Path dir = root.resolve(module);
            if (hasTests(dir)) {
                ModuleResult result = read(module, dir.resolve("target"), start);
                if (result.tests() > 0) {
                    results.add(result);
                } else {
                    withoutReport.add(module);
                }
            }
        }
        System.out.println("Tests of every module in this build (Surefire and Failsafe reports, test logs):");
        System.out.printf("  %-32s %6s %7s %7s %8s %13s%n", "module", "tests", "failed", "errors", "skipped",
                "ERROR/trace");
        List<String> problems = new ArrayList<>();
        for (ModuleResult result : results) {
            System.out.printf("  %-32s %6d %7d %7d %8d %13d%s%n", result.module(), result.tests(),
                    result.failures(), result.errors(), result.skipped(), result.loggedErrors().size(),
                    result.passed() ? "" : "   FAILED");
            for (String test : result.failed()) {
                problems.add(result.module() + ": " + test);
            }
            if (!result.loggedErrors().isEmpty()) {
                LoggedErrors.Line first = result.loggedErrors().get(0);
                problems.add(result.module() + ": " + result.loggedErrors().size() + " ERROR line(s), or WARN line(s) with a"
                        + " stack trace, logged; the first,"
                        + " in " + root.relativize(first.file()) + ": " + abbreviated(first.text()));
            }
        }
        if (!withoutReport.isEmpty()) {
            System.out.println("  No test report from this build (not in it, or no test ran): "
                    + String.join(", ", withoutReport));
        }
        if (!problems.isEmpty()) {
            System.out.println("Failed:");
            problems.forEach(problem -> System.out.println("  " + problem));
            throw new IllegalStateException(problems.size() + " problem(s) in the tests of "
                    + results.stream().filter(r -> !r.passed()).count()
                    + " module(s); the reports are in each module's target/surefire-reports and"
                    + " target/failsafe-reports, the logs in target/ratewarden-tests*.log");
        }
    }

    /** The line, cut to a length a terminal shows whole. */
    private static String abbreviated(String line) {
        return line.length() <= 300 ? line : line.substring(0, 300) + " ...";
    }

    /** Whether the module has tests: its own, or another's it adds to its build. */
    private static boolean hasTests(Path module) throws IOException {
        Path pom = module.resolve("pom.xml");
        return Files.isDirectory(module.resolve("src/test"))
                || (Files.exists(pom) && Files.readString(pom).contains("<goal>add-test-source</goal>"));
    }

    /** The modules the root pom lists, in its order, nested aggregators included. */
    private static List<String> modules(Path root) throws IOException {
        List<String> modules = new ArrayList<>();
        Matcher matcher = MODULE.matcher(Files.readString(root.resolve("pom.xml")));
        while (matcher.find()) {
            modules.add(matcher.group(1).trim());
        }
        return modules;
    }

    private static ModuleResult read(String module, Path target, Instant start) throws Exception {
        int tests = 0;
        int failures = 0;
        int errors = 0;
        int skipped = 0;
        List<String> failed = new ArrayList<>();
        for (String reports : List.of("surefire-reports", "failsafe-reports")) {
            Path dir = target.resolve(reports);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> files;
            try (Stream<Path> listing = Files.list(dir)) {
                files = listing.filter(f -> f.getFileName().toString().matches("TEST-.*\\.xml")).sorted().toList();
            }
            for (Path file : files) {
                if (Files.getLastModifiedTime(file).toInstant().isBefore(start)) {
                    continue; // an earlier build's
                }
                Element suite;
                try (InputStream in = Files.newInputStream(file)) {
                    suite = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in).getDocumentElement();
                }
                // Counted from the test cases: a suite's own totals leave out JUnit's nested classes.
                NodeList cases = suite.getElementsByTagName("testcase");
                for (int i = 0; i < cases.getLength(); i++) {
                    Element test = (Element) cases.item(i);
                    tests++;
                    boolean failure = test.getElementsByTagName("failure").getLength() > 0;
                    boolean error = test.getElementsByTagName("error").getLength() > 0;
                    failures += failure ? 1 : 0;
                    errors += error ? 1 : 0;
                    skipped += test.getElementsByTagName("skipped").getLength() > 0 ? 1 : 0;
                    if (failure || error) {
                        failed.add(test.getAttribute("classname") + "." + test.getAttribute("name"));
                    }
                }
            }
        }
        return new ModuleResult(module, tests, failures, errors, skipped, failed, LoggedErrors.in(target, start));
    }
}
