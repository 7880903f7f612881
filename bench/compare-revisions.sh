#!/usr/bin/env bash
# Compares JMH figures of two revisions in the same run: builds the benchmark jar of BASE (a git
# revision, built in a temporary worktree) and of the working tree, then runs them in alternating
# rounds, each pinned to one core, and prints per round the median of every measured iteration
# (forks x iterations), each fork's mean, and the ratio working tree / BASE. The last lines are the
# median of the per-round ratios per benchmark: the figure to quote.
#
#   bench/compare-revisions.sh c8ea241                          # establishedFlow and newFlowHalfFull (10k)
#   bench/compare-revisions.sh -r 5 -c 1 HEAD~3 'CodecBenchmark.parseTcpFrame'
#   JMH_ITER="-f 2 -wi 3 -w 1s -i 5 -r 1s" bench/compare-revisions.sh main
#
# Why pinned and alternating: the machines here are shared VMs whose two cores are not alike (one
# measured 30-50% slower on the same jar for minutes at a time), and whose load comes in bursts.
# A run that lets the scheduler pick the core, or that measures one revision after the other,
# mostly measures the machine. Alternating rounds on one core share its state; read the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3
core=0
while getopts "r:c:" opt; do
  case $opt in
    r) rounds=$OPTARG ;;
    c) core=$OPTARG ;;
    *) echo "usage: $0 [-r ROUNDS] [-c CORE] BASE_REVISION [BENCHMARK_REGEX...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if (( $# < 1 )); then
  echo "usage: $0 [-r ROUNDS] [-c CORE] BASE_REVISION [BENCHMARK_REGEX...]" >&2
  exit 2
fi
base=$1
shift
benchmarks=("$@")
if (( ${#benchmarks[@]} == 0 )); then
  benchmarks=('ForwarderBenchmark.establishedFlow$' 'ForwarderBenchmark.newFlowHalfFull$')
fi
if ! git rev-parse --verify --quiet "$base^{commit}" > /dev/null; then
  echo "compare-revisions.sh: '$base' is not a revision of this repository" >&2
  exit 2
fi
if ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then
  echo "compare-revisions.sh: -r wants a positive round count, got '$rounds'" >&2
  exit 2
fi
if ! taskset -c "$core" true 2> /dev/null; then
  echo "compare-revisions.sh: -c $core is not a core this process may run on ($(nproc) online)" >&2
  exit 2
fi
source deploy/lib/java-home.sh
read -ra iter <<< "${JMH_ITER:--f 4 -wi 3 -w 1s -i 3 -r 1s}"

work=$(mktemp -d)
tree="$work/base-tree"
cleanup() {
  git worktree remove --force "$tree" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

build() { # build SOURCE_DIR OUT_JAR
  (cd "$1" && mvn -B -ntp -q -pl bench -am -Djdeb.skip=true -DskipTests -Dcheckstyle.skip package > "$work/build.log" 2>&1) \
    || { echo "compare-revisions.sh: building $1 failed:" >&2; tail -30 "$work/build.log" >&2; exit 1; }
  cp "$1/bench/target/benchmarks.jar" "$2"
}
echo "compare-revisions.sh: building $base ($(git rev-parse --short "$base")) and the working tree" >&2
git worktree add --detach --quiet "$tree" "$base"
build "$tree" "$work/base.jar"
build . "$work/new.jar"

# run JAR BENCHMARK -> "median fork-means..." over the measured iterations
run() {
  taskset -c "$core" java -jar "$1" "$2" -p flows=10000 "${iter[@]}" 2> /dev/null \
    | awk '/^# Fork:/ {f = $3} /^Iteration/ {print f, $3}' > "$work/iterations"
  if [[ ! -s $work/iterations ]]; then
    echo "compare-revisions.sh: $2 gave no figures from $1 (does the benchmark exist in both revisions?)" >&2
    exit 1
  fi
  local median forks
  median=$(awk '{print $2}' "$work/iterations" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  forks=$(awk '{s[$1] += $2; n[$1]++} END {for (f in s) printf " %.1f", s[f] / n[f]}' "$work/iterations")
  echo "$median$forks"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); core $core; JMH ${iter[*]}; ns/op"
for b in "${benchmarks[@]}"; do
  : > "$work/ratios-${b//[^A-Za-z0-9]/_}"
done
for r in $(seq "$rounds"); do
  for b in "${benchmarks[@]}"; do
    old=$(run "$work/base.jar" "$b")
    new=$(run "$work/new.jar" "$b")
    ratio=$(awk -v n="${new%% *}" -v o="${old%% *}" 'BEGIN {printf "%.2f", n / o}')
    echo "$ratio" >> "$work/ratios-${b//[^A-Za-z0-9]/_}"
    printf 'round %d %-45s base %s | new %s | new/base %s\n' "$r" "$b" "${old%% *}" "${new%% *}" "$ratio"
    printf '        %-45s base forks:%s | new forks:%s\n' "" "${old#* }" "${new#* }"
  done
done
for b in "${benchmarks[@]}"; do
  median=$(sort -g "$work/ratios-${b//[^A-Za-z0-9]/_}" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  printf 'median new/base %-45s %s (rounds: %s)\n' "$b" "$median" \
    "$(paste -sd' ' "$work/ratios-${b//[^A-Za-z0-9]/_}")"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
