#!/usr/bin/env bash
# Lab benchmark: how long a restart of the dispatcher interrupts forwarding, with FLOWS live UDP
# flows (default 100000) through a wrr port, and whether any flow changes server across it. Each
# round starts the dispatcher, fills its table (FlowProbe send: one socket per flow, every flow
# refreshed round-robin at RATE datagrams/s), sends SIGTERM (FlowProbe kill: the time of the
# signal on the host's monotonic clock) and starts a new process; sinks on the three real servers
# record when each flow's datagrams arrive. Two set-ups alternate: flow-table.restore true (the
# snapshot) and false (a clean start: the baseline). Prints per round and the medians:
#   signal_to_first_after_ms  SIGTERM to the first datagram a real server got from the new process
#   moved                     flows seen at one server before the restart and at another after it
# Root; only 198.18.0.0/24 inside the lab's namespaces; every send bounded in time; the lab comes
# down at the end, also on failure.
#
#   bench/lab/restart-gap.sh [ROUNDS] [FLOWS] [RATE]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ROUNDS="${1:-3}"
FLOWS="${2:-100000}"
RATE="${3:-10000}"
export LAB_PREFIX="${LAB_PREFIX:-lgap}"
export LAB_DIR="${LAB_DIR:-/tmp/$LAB_PREFIX}"
source "$ROOT/deploy/lib/java-home.sh"
[[ "$(id -u)" -eq 0 ]] || { echo "error: run as root (network namespaces)" >&2; exit 1; }
[[ -f "$ROOT/dispatcher/target/dispatcher.jar" ]] || (cd "$ROOT" && mvn -B -ntp -q package -DskipTests)
# shellcheck source=lib.sh
source "$ROOT/bench/lab/lib.sh"

PROBE="$ROOT/bench/lab/FlowProbe.java"
JAVA="$JAVA_HOME/bin/java"
# Filling the table takes FLOWS / RATE seconds (and the senders' start); then 8 s of steady
# traffic before the restart and 10 s after the new process is up. RUN_SECONDS only bounds it all.
FILL_SECONDS=$(( (FLOWS + RATE - 1) / RATE ))
RUN_SECONDS=$(( FILL_SECONDS + 100 ))
# A process may hold only so many sockets (ulimit -n; raising it needs CAP_SYS_RESOURCE): one
# sender per 16000 flows, sharing the rate.
PER_SENDER=16000
SENDERS=$(( (FLOWS + PER_SENDER - 1) / PER_SENDER ))
# An address has some 64000 ports: the client sends from four (198.18.0.1 and three more).
SOURCES=(198.18.0.1 198.18.0.3 198.18.0.4 198.18.0.5)

cleanup() {
  local pids
  pids="$(jobs -p)"
  [[ -z "$pids" ]] || kill $pids 2>/dev/null || true
  "$ROOT/deploy/lab/dispatcher.sh" stop >/dev/null 2>&1 || true
  "$ROOT/deploy/lab/lab.sh" down >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$ROOT/deploy/lab/lab.sh" up >/dev/null
for a in "${SOURCES[@]:1}"; do ip -n "$LAB_PREFIX-client" addr add "$a/24" dev eth0; done
ip netns exec "$LAB_PREFIX-client" sysctl -q -w net.ipv4.ip_local_port_range="1024 65000"

config() { # restore
  local f="$LAB_DIR/gap-$1.yaml"
  cat >"$f" <<YAML
interface: eth0
state-dir: $LAB_DIR/state
flow-table:
  capacity: $(( FLOWS * 2 ))
  udp-timeout: 5m
  restore: $1
clusters:
  - address: 198.18.0.100
    ports:
      - port: 9000
        protocol: udp
        scheduler: wrr
        servers:
          - address: 198.18.0.11
            weight: 3
          - address: 198.18.0.12
            weight: 2
          - address: 198.18.0.13
            weight: 1
YAML
  echo "$f"
}

declare -A gaps moved
for ((round = 1; round <= ROUNDS; round++)); do
  for restore in true false; do
    cfg="$(config "$restore")"
    rm -rf "$LAB_DIR/state"
    DISPATCHER_CONFIG="$cfg" "$ROOT/deploy/lab/dispatcher.sh" start >/dev/null
    rm -f "$LAB_DIR"/gap-sink-* "$LAB_DIR"/gap-ready-* "$LAB_DIR/gap-signal" "$LAB_DIR/gap-stop"
    for rs in 1 2 3; do
      ip netns exec "$LAB_PREFIX-rs$rs" "$JAVA" -Xmx512m "$PROBE" sink 9000 "$((RUN_SECONDS + 5))" \
        "$LAB_DIR/gap-sink-$rs" "$LAB_DIR/gap-stop" >/dev/null &
    done
    sleep 2
    for ((s = 0; s < SENDERS; s++)); do
      first=$((s * PER_SENDER))
      count=$(( FLOWS - first < PER_SENDER ? FLOWS - first : PER_SENDER ))
      ip netns exec "$LAB_PREFIX-client" "$JAVA" -Xmx256m "$PROBE" send "${SOURCES[s % ${#SOURCES[@]}]}" \
        198.18.0.100 9000 "$first" "$count" \
        "$((RATE / SENDERS))" "$RUN_SECONDS" "$LAB_DIR/gap-ready-$s" "$LAB_DIR/gap-stop" \
        >"$LAB_DIR/gap-send-$s.log" 2>&1 &
    done
    for ((i = 0; i < 4 * (FILL_SECONDS + 60); i++)); do
      ready=$(find "$LAB_DIR" -maxdepth 1 -name 'gap-ready-*' | wc -l)
      ((ready == SENDERS)) && break
      sleep 0.25
    done
    ((ready == SENDERS)) || { echo "error: the senders did not fill $FLOWS flows" >&2; cat "$LAB_DIR"/gap-send-*.log >&2; exit 1; }
    sleep 8
    entries="$(ip netns exec "$LAB_PREFIX-disp" curl -s --max-time 5 http://127.0.0.1:9100/metrics \
      | awk '/^dispatcher_flow_table_entries / { print $2 }')"
    stop="$("$JAVA" "$PROBE" kill "$(cat "$LAB_DIR/dispatcher.pid")" "$LAB_DIR/gap-signal")"
    saved="$(grep -o 'saved [0-9]* flows to [^ ]* in [0-9]* ms' "$LAB_DIR/dispatcher.log" || echo 'saved nothing')"
    cp "$LAB_DIR/dispatcher.log" "$LAB_DIR/gap-dispatcher-$round-$restore-old.log"
    DISPATCHER_CONFIG="$cfg" "$ROOT/deploy/lab/dispatcher.sh" start >/dev/null
    restored="$(grep -o 'restored [0-9]* flows\|no flows to restore\|restore is off' "$LAB_DIR/dispatcher.log" \
      | head -1 || true)"
    forwarding="$(grep -o 'forwarding [0-9]* ms after the process started' "$LAB_DIR/dispatcher.log" || true)"
    sleep 10
    touch "$LAB_DIR/gap-stop"
    cp "$LAB_DIR/dispatcher.log" "$LAB_DIR/gap-dispatcher-$round-$restore.log"
    wait
    result="$("$JAVA" "$PROBE" analyze "$LAB_DIR/gap-signal" "$LAB_DIR"/gap-sink-1 "$LAB_DIR"/gap-sink-2 \
      "$LAB_DIR"/gap-sink-3)"
    echo "round $round restore=$restore: table ${entries:-?} entries; old process $stop, $saved; new: ${restored:-restore off}, $forwarding"
    echo "    $result"
    gaps[$restore]+="$(awk '{ for (i = 1; i < NF; i++) if ($i == "signal_to_first_after_ms") print $(i + 1) }' <<<"$result") "
    moved[$restore]+="$(awk '{ for (i = 1; i < NF; i++) if ($i == "moved") print $(i + 1) }' <<<"$result") "
    "$ROOT/deploy/lab/dispatcher.sh" stop >/dev/null
  done
done
echo
echo "restore  median SIGTERM->first forwarded (ms)  ratio to clean start  median flows moved  ($FLOWS flows, $RATE/s, $ROUNDS rounds, $(nproc) cores)"
base="$(echo "${gaps[false]}" | median)"
for restore in true false; do
  med="$(echo "${gaps[$restore]}" | median)"
  printf '%-8s %38s  %20s  %18s\n' "$restore" "$med" "$(awk -v a="$med" -v b="$base" 'BEGIN { printf "%.2f", a / b }')" \
    "$(echo "${moved[$restore]}" | median)"
done
