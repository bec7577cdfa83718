#!/usr/bin/env bash
# Runs every benchmark, side by side with the peers, and writes the results table:
#   benchmarks/run.sh [results-dir]     (default: benchmarks/target/results/<date>, not committed)
# Needs redis-server on the PATH (the Redis benchmarks start their own on loopback ports).
# Takes about 45 minutes on 2 cores. Close other work first: the numbers are only as quiet as
# the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-benchmarks/target/results/$(date -u +%Y-%m-%d)}"
mkdir -p "$out"

mvn -B -q -Pbenchmarks -DskipTests package -pl benchmarks -am
jar=benchmarks/target/benchmarks.jar
jmh() { java -jar "$jar" "$@" -prof gc; }

jmh 'InMemoryBenchmark' -t 1 -rf csv -rff "$out/inmemory-1t.csv" | tee "$out/inmemory-1t.txt"
jmh 'InMemoryBenchmark' -t 2 -rf csv -rff "$out/inmemory-2t.csv" | tee "$out/inmemory-2t.txt"
for threads in 1 4 16; do
  jmh 'RedisBenchmark' -t "$threads" -rf csv -rff "$out/redis-${threads}t.csv" | tee "$out/redis-${threads}t.txt"
done
jmh 'RedisRejectionBenchmark' -t 1 -rf csv -rff "$out/redis-rejection-1t.csv" | tee "$out/redis-rejection-1t.txt"
for threads in 1 16; do
  jmh 'RedisHotKeyBenchmark' -t "$threads" -rf csv -rff "$out/redis-hot-${threads}t.csv" | tee "$out/redis-hot-${threads}t.txt"
done
java -cp "$jar" io.ratewarden.benchmarks.RejectionFlood | tee "$out/flood.md"
java -cp "$jar" io.ratewarden.benchmarks.FailoverLatency | tee "$out/failover.md"
java -cp "$jar" io.ratewarden.benchmarks.RedisMemoryTable | tee "$out/memory.md"

{
  echo "# Benchmark results $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr);" \
       "$(java -version 2>&1 | head -1); $(redis-server --version | cut -d' ' -f1-3)."
  echo
  java -cp "$jar" io.ratewarden.benchmarks.ResultsTable "$out"
  echo
  echo "### A rejected call on Redis (1 thread, µs/op)"
  echo
  echo "| benchmark | µs/op | ± |"
  echo "|---|---|---|"
  awk -F, 'NR > 1 && $1 !~ /:/ {gsub(/"/, "", $1); sub(/.*\./, "", $1); printf "| %s | %.1f | %.1f |\n", $1, $5, $6}' \
    "$out/redis-rejection-1t.csv"
  echo
  echo "### A flood: 16 threads on one blocked key for 10 s"
  echo
  cat "$out/flood.md"
  echo
  echo "### Call latency through a Redis failure"
  echo
  cat "$out/failover.md"
  echo
  echo "### Bytes per key on Redis"
  echo
  cat "$out/memory.md"
} > "$out/results.md"
echo "Results: $out/results.md"
