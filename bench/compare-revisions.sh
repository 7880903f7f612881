#!/usr/bin/env bash
# Compares JMH figures of two revisions in the same run: builds the benchmark jar of BASE (a git
# revision, built in a temporary worktree) and of the working tree, then runs them as pairs of
# single forks, back to back, alternating which goes first, every fork pinned to one core; prints
# each pair's medians and ratio (working tree / BASE), and per benchmark the median of the pairs'
# ratios with its quartiles: the figure to quote.
#
#   bench/compare-revisions.sh c8ea241                       # establishedFlow and newFlowHalfFull (10k)
#   bench/compare-revisions.sh -p 20 -c 1 HEAD~3 'CodecBenchmark.parseTcpFrame$'
#   JMH_ITER="-wi 5 -w 1s -i 5 -r 1s" bench/compare-revisions.sh main
#
# Why pinned and paired: the machines here are shared VMs whose two cores are not alike (one
# measured 30-50% slower on the same jar for minutes at a time), and whose load comes in bursts
# that last minutes. A run that lets the scheduler pick the core, or measures one revision after
# the other, mostly measures the machine; two forks back to back on one core mostly see the same
# machine, and the median over many pairs drops the pairs that a burst split.
set -euo pipefail
cd "$(dirname "$0")/.."

pairs=12
core=0
while getopts "p:c:" opt; do
  case $opt in
    p) pairs=$OPTARG ;;
    c) core=$OPTARG ;;
    *) echo "usage: $0 [-p PAIRS] [-c CORE] BASE_REVISION [BENCHMARK_REGEX...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if (( $# < 1 )); then
  echo "usage: $0 [-p PAIRS] [-c CORE] BASE_REVISION [BENCHMARK_REGEX...]" >&2
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
if ! [[ $pairs =~ ^[1-9][0-9]*$ ]]; then
  echo "compare-revisions.sh: -p wants a positive number of fork pairs, got '$pairs'" >&2
  exit 2
fi
if ! taskset -c "$core" true 2> /dev/null; then
  echo "compare-revisions.sh: -c $core is not a core this process may run on ($(nproc) online)" >&2
  exit 2
fi
source deploy/lib/java-home.sh
read -ra iter <<< "${JMH_ITER:--wi 3 -w 1s -i 3 -r 1s}"

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

# run JAR BENCHMARK -> the median ns/op of one fork's measured iterations
run() {
  taskset -c "$core" java -jar "$1" "$2" -p flows=10000 -f 1 "${iter[@]}" 2> /dev/null \
    | awk '/^Iteration/ {print $3}' > "$work/iterations"
  if [[ ! -s $work/iterations ]]; then
    echo "compare-revisions.sh: $2 gave no figures from $1 (does the benchmark exist in both revisions?)" >&2
    exit 1
  fi
  quantile 0.5 < "$work/iterations"
}
# quantile Q (0..1) of the numbers on stdin (the lower one where it falls between two)
quantile() { sort -g | awk -v q="$1" '{a[NR] = $1} END {print a[int(q * (NR - 1)) + 1]}'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); core $core; $pairs fork pairs per benchmark;" \
  "JMH -f 1 ${iter[*]}; ns/op"
for b in "${benchmarks[@]}"; do
  : > "$work/pairs"
  for i in $(seq "$pairs"); do
    # Each pair runs one fork of each jar back to back, in alternating order, so that both see
    # the same state of the machine and a drift within the pair cancels over the pairs.
    if (( i % 2 == 1 )); then
      old=$(run "$work/base.jar" "$b"); new=$(run "$work/new.jar" "$b")
    else
      new=$(run "$work/new.jar" "$b"); old=$(run "$work/base.jar" "$b")
    fi
    ratio=$(awk -v n="$new" -v o="$old" 'BEGIN {printf "%.3f", n / o}')
    echo "$old $new $ratio" >> "$work/pairs"
    printf 'pair %2d %-40s base %8.1f  new %8.1f  new/base %s\n' "$i" "$b" "$old" "$new" "$ratio"
  done
  printf '%-40s base median %.1f, new median %.1f; median of the pairs new/base %s (quartiles %s-%s)\n' "$b" \
    "$(cut -d' ' -f1 "$work/pairs" | quantile 0.5)" "$(cut -d' ' -f2 "$work/pairs" | quantile 0.5)" \
    "$(cut -d' ' -f3 "$work/pairs" | quantile 0.5)" "$(cut -d' ' -f3 "$work/pairs" | quantile 0.25)" \
    "$(cut -d' ' -f3 "$work/pairs" | quantile 0.75)"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
