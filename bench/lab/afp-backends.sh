#!/usr/bin/env bash
# Lab benchmark: forwarded UDP packets per second with io.backend afpacket against pcap4j, in a
# small lab of its own (namespaces afp-*, 198.18.2.0/24 only, so it can run while the shared lab
# on 198.18.0.0/24 is busy): client .1, dispatcher .2, real servers .11 and .12 on a bridge.
# Alternates the backends ROUNDS times and prints the median of each. Root; bounded sends; the lab
# comes down at the end, also on failure.
#
#   bench/lab/afp-backends.sh [ROUNDS] [SECONDS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ROUNDS="${1:-3}"
SECONDS_PER_RUN="${2:-5}"
DIR=/tmp/afp-bench
VIP=198.18.2.100
source "$ROOT/deploy/lib/java-home.sh"
[[ "$(id -u)" -eq 0 ]] || { echo "error: run as root (network namespaces)" >&2; exit 1; }
[[ -f "$ROOT/dispatcher/target/dispatcher.jar" ]] || (cd "$ROOT" && mvn -B -ntp -q package -DskipTests)
NAMESPACES=(afp-c afp-d afp-r1 afp-r2 afp-sw)

stop_dispatcher() {
  if [[ -f "$DIR/dispatcher.pid" ]]; then
    local pid; pid=$(cat "$DIR/dispatcher.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$DIR/dispatcher.pid"
  fi
}
down() {
  stop_dispatcher
  for ns in "${NAMESPACES[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}
trap down EXIT
down
mkdir -p "$DIR"

ip netns add afp-sw
ip -n afp-sw link add br0 type bridge
ip -n afp-sw link set br0 up
for row in "c 198.18.2.1 02:af:00:00:02:01" "d 198.18.2.2 02:af:00:00:02:02" \
           "r1 198.18.2.11 02:af:00:00:02:11" "r2 198.18.2.12 02:af:00:00:02:12"; do
  read -r role addr mac <<<"$row"
  ns="afp-$role"
  ip netns add "$ns"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip link add eth0 netns "$ns" type veth peer name "$role" netns afp-sw
  ip -n "$ns" link set eth0 address "$mac"
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  ip -n afp-sw link set dev "$role" master br0 up
done
ip netns exec afp-c ethtool -K eth0 tx off tso off gso off >/dev/null
ip netns exec afp-d ethtool -K eth0 gro off >/dev/null
for rs in r1 r2; do
  ip -n "afp-$rs" addr add "$VIP/32" scope host dev lo
  ip netns exec "afp-$rs" sysctl -qw net.ipv4.conf.all.arp_ignore=3 net.ipv4.conf.all.arp_announce=2
done

# shellcheck source=lib.sh
source "$ROOT/bench/lab/lib.sh"
rs_rx() { rx_packets_sum afp-r1 afp-r2; }

config() { # backend
  local f="$DIR/bench-$1.yaml"
  cat >"$f" <<YAML
interface: eth0
state-dir: $DIR/state
clusters:
  - address: $VIP
    ports:
      - port: 9000
        protocol: udp
        servers:
          - address: 198.18.2.11
          - address: 198.18.2.12
io:
  backend: $1
admin:
  listen: 127.0.0.1:9100
  token-file: $DIR/admin.token
YAML
  echo "$f"
}

start_dispatcher() { # backend
  (cd "$ROOT" && exec ip netns exec afp-d "$JAVA_HOME/bin/java" -jar "$ROOT/dispatcher/target/dispatcher.jar" run \
    --config "$(config "$1")" </dev/null >"$DIR/dispatcher-$1.log" 2>&1) &
  echo $! >"$DIR/dispatcher.pid"
  for _ in $(seq 150); do
    ip netns exec afp-c arping -q -c 1 -w 0.2 -i eth0 "$VIP" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "error: dispatcher ($1) did not answer ARP; log:" >&2; cat "$DIR/dispatcher-$1.log" >&2; exit 1
}

declare -A results
for ((round = 1; round <= ROUNDS; round++)); do
  for backend in afpacket pcap4j; do
    start_dispatcher "$backend"
    sleep 1
    before=$(rs_rx)
    sent=$(ip netns exec afp-c "$JAVA_HOME/bin/java" "$ROOT/bench/lab/UdpBlast.java" "$VIP" 9000 "$SECONDS_PER_RUN" 64)
    sleep 1
    after=$(rs_rx)
    stop_dispatcher
    fwd=$((after - before))
    pps=$((fwd / SECONDS_PER_RUN))
    echo "round $round $backend: sent $sent, forwarded $fwd, $pps pps ($(grep -o 'kernel drops [0-9]*' "$DIR/dispatcher-$backend.log" || echo 'kernel drops ?'))"
    results["$backend"]+="$pps "
  done
done
base=$(echo "${results[pcap4j]}" | median)
echo
echo "backend   median pps   ratio to pcap4j   (cores: $(nproc), $ROUNDS rounds of ${SECONDS_PER_RUN} s)"
for b in afpacket pcap4j; do
  med=$(echo "${results[$b]}" | median)
  printf '%-9s %10s   %s\n' "$b" "$med" "$(awk -v a="$med" -v b="$base" 'BEGIN { printf "%.2f", a / b }')"
done
