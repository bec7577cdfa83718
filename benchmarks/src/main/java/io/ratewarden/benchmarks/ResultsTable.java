package io.ratewarden.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns the JMH CSV files of one run into the Markdown tables of docs/benchmarks.md, with the
 * ratios that the targets are judged by. Arguments: the directory holding
 * {@code inmemory-1t.csv}, {@code inmemory-2t.csv}, {@code redis-1t.csv}, {@code redis-4t.csv},
 * {@code redis-16t.csv}.
 */
public final class ResultsTable {

    private ResultsTable() {
    }

    /** One score: the benchmark, its parameter, and the value. */
    private record Row(String benchmark, String param, String metric, double score, double error) {
    }

    /**
     * Prints the tables.
     *
     * @param args the results directory
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Map<String, List<Row>> runs = new LinkedHashMap<>();
        for (String run : List.of("inmemory-1t", "inmemory-2t", "redis-1t", "redis-4t", "redis-16t")) {
            Path file = dir.resolve(run + ".csv");
            runs.put(run, Files.exists(file) ? read(file) : List.of());
        }
        StringBuilder out = new StringBuilder();
        out.append("### In memory (ns/op, average time per call per thread; B/op from -prof gc)\n\n");
        out.append("| benchmark | outcome | 1 thread ns/op | 1 thread B/op | 2 threads ns/op | 2 threads B/op |\n");
        out.append("|---|---|---|---|---|---|\n");
        TreeSet<String> names = new TreeSet<>();
        runs.get("inmemory-1t").forEach(r -> names.add(r.benchmark() + "|" + r.param()));
        for (String name : names) {
            String[] parts = name.split("\\|", -1);
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", parts[0], parts[1],
                    cell(runs.get("inmemory-1t"), parts[0], parts[1], ""),
                    bytes(runs.get("inmemory-1t"), parts[0], parts[1]),
                    cell(runs.get("inmemory-2t"), parts[0], parts[1], ""),
                    bytes(runs.get("inmemory-2t"), parts[0], parts[1])));
        }
        out.append("\n### On Redis (µs/op, average time per call per thread)\n\n");
        out.append("| benchmark | 1 thread | 4 threads | 16 threads |\n|---|---|---|---|\n");
        TreeSet<String> redisNames = new TreeSet<>();
        runs.get("redis-1t").forEach(r -> redisNames.add(r.benchmark()));
        for (String name : redisNames) {
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", name,
                    cell(runs.get("redis-1t"), name, "", ""), cell(runs.get("redis-4t"), name, "", ""),
                    cell(runs.get("redis-16t"), name, "", "")));
        }
        out.append("\n### Targets\n\n| target | measured | met |\n|---|---|---|\n");
        List<Row> one = runs.get("inmemory-1t");
        double woven = score(one, "ratewardenWovenNoKey", "permitted");
        double bestPeer = Math.min(score(one, "bucket4jLocal", "permitted"),
                Math.min(score(one, "resilience4jLocal", "permitted"), score(one, "guavaLocal", "permitted")));
        double wovenBytes = score(one, "ratewardenWovenNoKey", "permitted", ":gc.alloc.rate.norm");
        target(out, "woven call without key cheaper than every peer's local decision, 0 B/op",
                String.format(Locale.ROOT, "%.1f ns vs best peer %.1f ns (%.2f x), %.1f B/op", woven, bestPeer,
                        woven / bestPeer, wovenBytes), woven < bestPeer && wovenBytes < 1);
        double keyed = score(one, "ratewardenWovenKeyFromArgument", "permitted");
        double bucket4jKeyed = score(one, "bucket4jPerKeyInCaffeine", "permitted");
        target(out, "woven call with a key from an argument at most 0.5 x Bucket4j per key in Caffeine",
                String.format(Locale.ROOT, "%.1f ns vs %.1f ns (%.2f x)", keyed, bucket4jKeyed, keyed / bucket4jKeyed),
                keyed <= 0.5 * bucket4jKeyed);
        double programmaticRejection = score(one, "ratewardenProgrammatic", "rejected");
        double bucket4jRejection = score(one, "bucket4jLocal", "rejected");
        target(out, "programmatic rejection no dearer than Bucket4j's local rejection",
                String.format(Locale.ROOT, "%.1f ns vs %.1f ns (%.2f x)", programmaticRejection, bucket4jRejection,
                        programmaticRejection / bucket4jRejection), programmaticRejection <= bucket4jRejection);
        double wovenRejection = score(one, "ratewardenWovenNoKey", "rejected");
        target(out, "woven rejection that throws at most 2 x a woven permitted call",
                String.format(Locale.ROOT, "%.1f ns vs %.1f ns (%.2f x)", wovenRejection, woven, wovenRejection / woven),
                wovenRejection <= 2 * woven);
        double fallbackBytes = score(one, "ratewardenWovenFallback", "rejected", ":gc.alloc.rate.norm");
        double storeBytes = score(one, "ratewardenProgrammatic", "rejected", ":gc.alloc.rate.norm");
        target(out, "woven rejection answered by a fallback allocates nothing beyond the store's decision",
                String.format(Locale.ROOT, "%.0f B/op vs the programmatic rejection's %.0f B/op", fallbackBytes,
                        storeBytes), fallbackBytes <= storeBytes + 1);
        List<Row> two = runs.get("inmemory-2t");
        double wovenTwo = score(two, "ratewardenWovenNoKey", "permitted");
        double r4jTwo = score(two, "resilience4jLocal", "permitted");
        target(out, "two threads on one limit: total throughput at least Resilience4j's",
                String.format(Locale.ROOT, "%.1f ns/op vs %.1f ns/op per thread (throughput %.2f x)", wovenTwo,
                        r4jTwo, r4jTwo / wovenTwo), wovenTwo <= r4jTwo);
        for (String run : List.of("redis-1t", "redis-16t")) {
            double ours = score(runs.get(run), "ratewardenWovenOnRedis", "");
            double raw = score(runs.get(run), "redissonRateLimiterTryAcquire", "");
            target(out, "woven call on Redis at most 1.05 x raw RRateLimiter.tryAcquire (same settings), "
                            + run.substring(6),
                    String.format(Locale.ROOT, "%.1f µs vs %.1f µs (%.3f x)", ours, raw, ours / raw),
                    ours <= 1.05 * raw);
        }
        System.out.print(out);
    }

    private static void target(StringBuilder out, String target, String measured, boolean met) {
        out.append("| ").append(target).append(" | ").append(measured).append(" | ").append(met ? "yes" : "**no**")
                .append(" |\n");
    }

    private static String cell(List<Row> rows, String benchmark, String param, String metric) {
        for (Row row : rows) {
            if (row.benchmark().equals(benchmark) && row.param().equals(param) && row.metric().equals(metric)) {
                return String.format(Locale.ROOT, "%.1f ± %.1f", row.score(), row.error());
            }
        }
        return "—";
    }

    private static String bytes(List<Row> rows, String benchmark, String param) {
        for (Row row : rows) {
            if (row.benchmark().equals(benchmark) && row.param().equals(param)
                    && row.metric().equals(":gc.alloc.rate.norm")) {
                return String.format(Locale.ROOT, "%.0f", row.score());
            }
        }
        return "—";
    }

    private static double score(List<Row> rows, String benchmark, String param) {
        return score(rows, benchmark, param, "");
    }

    private static double score(List<Row> rows, String benchmark, String param, String metric) {
        for (Row row : rows) {
            if (row.benchmark().equals(benchmark) && row.param().equals(param) && row.metric().equals(metric)) {
                return row.score();
            }
        }
        return Double.NaN;
    }

    private static List<Row> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<String> header = split(lines.get(0));
        int paramColumn = header.indexOf("Param: outcome");
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            List<String> cells = split(line);
            String full = cells.get(0);
            String name = full.substring(full.lastIndexOf('.') + 1);
            String metric = "";
            int colon = name.indexOf(':');
            if (colon >= 0) {
                metric = name.substring(colon).replace("·", "");
                name = name.substring(0, colon);
            }
            if (full.contains(":")) {
                String base = full.substring(0, full.indexOf(':'));
                name = base.substring(base.lastIndexOf('.') + 1);
                metric = full.substring(full.indexOf(':')).replace("·", "");
            }
            String param = paramColumn >= 0 && paramColumn < cells.size() ? cells.get(paramColumn) : "";
            double error = cells.get(5).isEmpty() || cells.get(5).equals("NaN") ? 0 : Double.parseDouble(cells.get(5));
            rows.add(new Row(name, param, metric, Double.parseDouble(cells.get(4)), error));
        }
        return rows;
    }

    private static List<String> split(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (char c : line.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString());
        return cells;
    }
}
