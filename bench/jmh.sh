#!/usr/bin/env bash
# Runs every JMH benchmark of the per-packet path with the GC profiler and writes
# bench/JMH-RESULTS.md (machine, command, ns/op, ratio to the parse baseline, B/op, targets).
# Exits non-zero if the build or a benchmark fails, or if any benchmark allocates.
# JMH's output also goes to bench/target/jmh-output.log, its JSON to bench/jmh-result.json.
#
#   bench/jmh.sh
#   JMH_ITER="-f 1 -wi 5 -w 2s -i 10 -r 2s" bench/jmh.sh     # longer, steadier runs
#   JMH_ARGS="ForwarderBenchmark" bench/jmh.sh                # a subset (regex), or any JMH option
#
# The defaults are short on purpose: the machines here have 2 shared cores, so a run takes about
# 3 minutes and the figures to read are the medians and the ratios to the baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib/java-home.sh

JAR=bench/target/benchmarks.jar
JSON=${JMH_JSON:-bench/jmh-result.json}
REPORT=${JMH_REPORT:-bench/JMH-RESULTS.md}
read -ra iter <<< "${JMH_ITER:--f 1 -wi 2 -w 1s -i 3 -r 1s}"
read -ra extra <<< "${JMH_ARGS:-}"

# A stale jar would measure old code: rebuild when any source or POM the benchmarks run is newer.
if [[ ! -f $JAR || -n $(find pom.xml bench/pom.xml bench/src dispatcher/pom.xml dispatcher/src/main \
        -newer "$JAR" -type f -print -quit) ]]; then
  echo "jmh.sh: building $JAR" >&2
  mvn -B -ntp -q package -DskipTests
fi

LOG=bench/target/jmh-output.log
EXPECTED=bench/target/jmh-expected.txt
java -jar "$JAR" -l "${extra[@]}" | sed -n '/^Benchmarks:/,$p' | tail -n +2 > "$EXPECTED"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# No -foe: one failing benchmark (a tear-down check found it measured another case) should not
# cost the others' figures; the report lists it as failed and the exit status says so.
cmd=(java -jar "$JAR" "${iter[@]}" -prof gc -rf json -rff "$JSON" "${extra[@]}")
echo "jmh.sh: $(printf '%q ' "${cmd[@]}")" >&2
jmh_status=0
"${cmd[@]}" 2>&1 | tee "$LOG" || jmh_status=$?
report_status=0
java -cp "$JAR" dev.dispatcher.bench.JmhReport --json "$JSON" --out "$REPORT" --expected "$EXPECTED" --log "$LOG" \
    --command "bench/jmh.sh  # runs: $(printf '%q ' "${cmd[@]}")" --load-before "$load_before" || report_status=$?
if (( jmh_status != 0 || report_status != 0 )); then
  echo "jmh.sh: failed (JMH exit $jmh_status, report exit $report_status); JMH's output is in $LOG" >&2
  exit 1
fi
