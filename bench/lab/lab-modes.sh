#!/usr/bin/env bash
# Lab benchmark: forwarded packets per second of each threading mode (inline, ring) on this host,
# alternating the set-ups, ROUNDS times each, and the median of each as a ratio to inline.
# Root; uses the local lab (198.18.0.0/24 only); every send is bounded in time; the lab comes down
# at the end, also on failure.
#
#   bench/lab/lab-modes.sh [ROUNDS] [SECONDS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ROUNDS="${1:-3}"
SECONDS_PER_RUN="${2:-5}"
export LAB_PREFIX="${LAB_PREFIX:-lbench}"
export LAB_DIR="${LAB_DIR:-/tmp/$LAB_PREFIX}"
source "$ROOT/deploy/lib/java-home.sh"
[[ "$(id -u)" -eq 0 ]] || { echo "error: run as root (network namespaces)" >&2; exit 1; }
[[ -f "$ROOT/dispatcher/target/dispatcher.jar" ]] || (cd "$ROOT" && mvn -B -ntp -q package -DskipTests)

cleanup() { "$ROOT/deploy/lab/dispatcher.sh" stop >/dev/null 2>&1 || true; "$ROOT/deploy/lab/lab.sh" down >/dev/null 2>&1 || true; }
trap cleanup EXIT
"$ROOT/deploy/lab/lab.sh" up >/dev/null

# shellcheck source=lib.sh
source "$ROOT/bench/lab/lib.sh"
rs_rx() { rx_packets_sum "$LAB_PREFIX-rs1" "$LAB_PREFIX-rs2" "$LAB_PREFIX-rs3"; }

config() { # mode workers
  local f="$LAB_DIR/bench-$1.yaml"
  cat >"$f" <<YAML
interface: eth0
state-dir: $LAB_DIR/state
clusters:
  - address: 198.18.0.100
    ports:
      - port: 9000
        protocol: udp
        servers:
          - address: 198.18.0.11
            weight: 1
          - address: 198.18.0.12
            weight: 1
          - address: 198.18.0.13
            weight: 1
      - port: 80
        protocol: tcp
        servers:
          - address: 198.18.0.11
            weight: 1
pipeline:
  mode: $1
  workers: $2
YAML
  echo "$f"
}

declare -A results
modes=("inline 1" "ring 1")
for ((round = 1; round <= ROUNDS; round++)); do
  for m in "${modes[@]}"; do
    read -r mode workers <<<"$m"
    DISPATCHER_CONFIG="$(config "$mode" "$workers")" "$ROOT/deploy/lab/dispatcher.sh" start >/dev/null
    sleep 1
    before=$(rs_rx)
    sent=$(ip netns exec "$LAB_PREFIX-client" "$JAVA_HOME/bin/java" "$ROOT/bench/lab/UdpBlast.java" 198.18.0.100 9000 "$SECONDS_PER_RUN" 64)
    sleep 1
    after=$(rs_rx)
    "$ROOT/deploy/lab/dispatcher.sh" stop >/dev/null
    fwd=$(( (after - before) ))
    pps=$(( fwd / SECONDS_PER_RUN ))
    echo "round $round $mode x$workers: sent $sent, forwarded $fwd, $pps pps ($(grep -o 'kernel drops [0-9]*' "$LAB_DIR/dispatcher.log"))"
    results["$mode"]+="$pps "
  done
done
base=$(echo "${results[inline]}" | median)
echo
echo "mode    median pps   ratio to inline   (cores: $(nproc), $ROUNDS rounds of ${SECONDS_PER_RUN} s)"
for m in inline ring; do
  med=$(echo "${results[$m]}" | median)
  printf '%-7s %10s   %s\n' "$m" "$med" "$(awk -v a="$med" -v b="$base" 'BEGIN { printf "%.2f", a / b }')"
done
