#!/usr/bin/env bash
# Lab comparison: the dispatcher side by side with no balancer, the kernel's own MAC forwarding
# (nftables netdev) and HAProxy (TCP mode), in one run, alternating the set-ups round by round.
# Root; uses only the local lab (namespaces ${LAB_PREFIX}-*, 198.18.0.0/24); every load run is
# bounded in time; the lab comes down at the end, also on failure.
#
#   sudo bench/lab/compare.sh
#
# Set-ups: direct (client -> rs1's own address), kernel (nft netdev ingress: jhash of the flow picks
# a server MAC, fwd to eth0), haproxy (TCP mode on the VIP in the disp namespace, roundrobin 3:2:1 to
# the servers' own addresses), dispatcher-<backend> for each of BACKENDS.
# Series: keepalive (requests/s), close (connections/s), download (MB/s of 1 MiB bodies),
# udp (highest forwarded rate with < 0.1% loss), latency (one-way p50/p99 at 1k and 50k frames/s).
#
# Environment (defaults): ROUNDS (3), SECS (5, per HTTP run), CONNS (16), DL_CONNS (4),
# UDP_SECS (2, per rate step), LAT_SECS (3), LAT_RATES ("1000 50000"), BACKENDS ("afpacket pcap4j"),
# (a backend written "afpacket-busypoll" runs afpacket with io.busy-poll: $BUSY_POLL, default 2ms),
# SERIES ("keepalive close download udp latency"), LAB_PREFIX (lb6), LAB_DIR (/tmp/$LAB_PREFIX),
# LAB_WAIT_MAX (600 s to wait for another lab to go down), RESULTS (bench/RESULTS.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ROUNDS="${ROUNDS:-3}"
SECS="${SECS:-5}"
CONNS="${CONNS:-16}"
DL_CONNS="${DL_CONNS:-4}"
UDP_SECS="${UDP_SECS:-2}"
LAT_SECS="${LAT_SECS:-3}"
LAT_RATES="${LAT_RATES:-1000 50000}"
BACKENDS="${BACKENDS:-afpacket pcap4j}"
SERIES="${SERIES:-keepalive close download udp latency}"
export LAB_PREFIX="${LAB_PREFIX:-lb6}"
export LAB_DIR="${LAB_DIR:-/tmp/$LAB_PREFIX}"
LAB_WAIT_MAX="${LAB_WAIT_MAX:-600}"
RESULTS="${RESULTS:-$ROOT/bench/RESULTS.md}"
LAB="$ROOT/deploy/lab/lab.sh"
DISP="$ROOT/deploy/lab/dispatcher.sh"
VIP=198.18.0.100
UDP_PORT=9000
C="$LAB_PREFIX-client"
D="$LAB_PREFIX-disp"
[[ "$(id -u)" -eq 0 ]] || { echo "error: run as root (network namespaces)" >&2; exit 1; }
# shellcheck source=../../deploy/lib/java-home.sh
source "$ROOT/deploy/lib/java-home.sh"
for tool in nft haproxy ip ethtool curl arping; do
  if ! command -v "$tool" >/dev/null; then
    echo "installing $tool's package" >&2
    case "$tool" in nft) pkg=nftables ;; ip) pkg=iproute2 ;; *) pkg="$tool" ;; esac
    apt-get install -y -q "$pkg" >/dev/null
  fi
done
[[ -f "$ROOT/dispatcher/target/dispatcher.jar" ]] || (cd "$ROOT" && mvn -B -ntp -q package -DskipTests)

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
WORK="$(mktemp -d /tmp/lb6-compare.XXXXXX)"
CLS="$WORK/classes"
mkdir -p "$CLS"
"$JAVA_HOME/bin/javac" -d "$CLS" "$ROOT/bench/lab/HttpBench.java" "$ROOT/bench/lab/UdpBlast.java" "$ROOT/bench/lab/UdpSink.java"

# ------------------------------------------------------------------------------- lab and clean-up
LAB_OURS=0
CURRENT=""      # the set-up that is up, for the clean-up
HAPROXY_PID=""
SINK_PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  [[ -n "$CURRENT" ]] && { teardown "$CURRENT" || true; }
  local p
  for p in "${SINK_PIDS[@]+"${SINK_PIDS[@]}"}"; do kill "$p" 2>/dev/null || true; done
  if ((LAB_OURS)); then "$LAB" down >/dev/null 2>&1 || log "lab.sh down failed"; log "lab $LAB_PREFIX down"; fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

lab_up() {
  if ip netns list | grep -q "^$LAB_PREFIX-"; then
    log "namespaces of our prefix $LAB_PREFIX left over: lab.sh down first"
    "$LAB" down >/dev/null 2>&1 || true
  fi
  local start=$SECONDS rc tries=0
  while :; do
    rc=0
    "$LAB" up >"$WORK/lab-up.log" 2>&1 || rc=$?
    if ((rc == 0)); then LAB_OURS=1; break; fi
    if ((rc != 3)); then cat "$WORK/lab-up.log" >&2; echo "error: lab.sh up failed (exit $rc)" >&2; exit 1; fi
    if ((SECONDS - start >= LAB_WAIT_MAX || ++tries > LAB_WAIT_MAX / 20 + 1)); then
      echo "error: another lab stayed up for ${LAB_WAIT_MAX} s; giving up" >&2; tail -n 2 "$WORK/lab-up.log" >&2; exit 1
    fi
    log "another lab is up ($(tail -n 1 "$WORK/lab-up.log" | cut -c1-120)); waiting: retry in 20 s (up to ${LAB_WAIT_MAX} s)"
    sleep 20
  done
  log "lab $LAB_PREFIX up"
}

# Java helpers, each bounded by its own arguments and by timeout(1).
jrun() { # ns timeout_s class args...
  local ns="$1" t="$2"; shift 2
  timeout -k 5 "$t" ip netns exec "$ns" "$JAVA_HOME/bin/java" -Xmx512m -cp "$CLS" "$@"
}

# ------------------------------------------------------------------------------------- set-ups
TARGET=""   # address the client talks to
SKIP_UDP=0
dispatcher_config() { # backend[-busypoll] -> file
  local f="$LAB_DIR/compare-$1.yaml" backend="${1%-busypoll}" busy=""
  # "<backend>-busypoll": the same backend with io.busy-poll (BUSY_POLL, default 2ms).
  [[ "$1" == *-busypoll ]] && busy="  busy-poll: ${BUSY_POLL:-2ms}"
  mkdir -p "$LAB_DIR"
  cat >"$f" <<YAML
interface: eth0
state-dir: $LAB_DIR/state
clusters:
  - address: $VIP
    ports:
      - port: 80
        protocol: tcp
        servers:
          - address: 198.18.0.11
            weight: 3
          - address: 198.18.0.12
            weight: 2
          - address: 198.18.0.13
            weight: 1
      - port: $UDP_PORT
        protocol: udp
        servers:
          - address: 198.18.0.11
            weight: 1
          - address: 198.18.0.12
            weight: 1
          - address: 198.18.0.13
            weight: 1
io:
  backend: $backend
$busy
YAML
  echo "$f"
}

haproxy_config() {
  cat >"$LAB_DIR/haproxy.cfg" <<CFG
global
    maxconn 8000
defaults
    mode tcp
    timeout connect 3s
    timeout client 30s
    timeout server 30s
frontend vip
    bind $VIP:80
    default_backend servers
backend servers
    balance roundrobin
    server rs1 198.18.0.11:80 weight 3
    server rs2 198.18.0.12:80 weight 2
    server rs3 198.18.0.13:80 weight 1
CFG
  echo "$LAB_DIR/haproxy.cfg"
}

# Waits (bounded) until GET / on the VIP answers from the client with a real server's name.
wait_vip() {
  local i body
  for ((i = 0; i < 40; i++)); do
    body="$(ip netns exec "$C" curl -s --max-time 1 "http://$VIP/" 2>/dev/null || true)"
    [[ "$body" =~ ^rs[123]$ ]] && return 0
    sleep 0.25
  done
  echo "error: $VIP does not answer through $CURRENT" >&2
  return 1
}

setup() { # name
  CURRENT="$1"
  SKIP_UDP=0
  ip -n "$C" neigh flush to "$VIP" 2>/dev/null || true
  case "$1" in
    direct)
      TARGET=198.18.0.11 ;;
    kernel)
      TARGET=$VIP
      local m="{ 0 : 02:00:00:00:00:11, 1 : 02:00:00:00:00:12, 2 : 02:00:00:00:00:13 }"
      ip netns exec "$D" nft -f - <<NFT
table netdev lb6ref {
  chain ingress {
    type filter hook ingress device "eth0" priority 0; policy accept;
    ip daddr $VIP tcp dport 80 ether saddr set 02:00:00:00:00:02 ether daddr set jhash ip saddr . tcp sport mod 3 map $m fwd to "eth0"
    ip daddr $VIP udp dport $UDP_PORT ether saddr set 02:00:00:00:00:02 ether daddr set jhash ip saddr . udp sport mod 3 map $m fwd to "eth0"
  }
}
NFT
      # The kernel cannot answer ARP for an address it does not have: a static entry on the client.
      ip -n "$C" neigh replace "$VIP" lladdr 02:00:00:00:00:02 dev eth0 nud permanent
      wait_vip ;;
    haproxy)
      TARGET=$VIP
      SKIP_UDP=1
      ip -n "$D" addr add "$VIP/32" dev lo
      # HAProxy opens a connection per client connection from disp: same port room as the client.
      ip netns exec "$D" sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="10000 65000"
      ip netns exec "$D" haproxy -f "$(haproxy_config)" -db </dev/null >"$LAB_DIR/haproxy.log" 2>&1 &
      HAPROXY_PID=$!
      wait_vip ;;
    dispatcher-*)
      TARGET=$VIP
      DISPATCHER_CONFIG="$(dispatcher_config "${1#dispatcher-}")" "$DISP" start >/dev/null 2>"$WORK/disp-start.log" \
        || { cat "$WORK/disp-start.log" >&2; return 1; }
      wait_vip ;;
    *) echo "unknown set-up $1" >&2; return 1 ;;
  esac
}

teardown() { # name
  case "$1" in
    kernel)
      ip netns exec "$D" nft delete table netdev lb6ref 2>/dev/null || true
      ip -n "$C" neigh del "$VIP" dev eth0 2>/dev/null || true ;;
    haproxy)
      if [[ -n "$HAPROXY_PID" ]]; then kill "$HAPROXY_PID" 2>/dev/null || true; wait "$HAPROXY_PID" 2>/dev/null || true; fi
      HAPROXY_PID=""
      ip -n "$D" addr del "$VIP/32" dev lo 2>/dev/null || true ;;
    dispatcher-*)
      "$DISP" stop >/dev/null 2>&1 || true
      mkdir -p "$LAB_DIR/logs"
      cp "$LAB_DIR/dispatcher.log" "$LAB_DIR/logs/$1-round$ROUND.log" 2>/dev/null || true ;;
  esac
  ip -n "$C" neigh flush to "$VIP" 2>/dev/null || true
  CURRENT=""
}

# ------------------------------------------------------------------------------------- results
declare -A RES       # "series|setup" -> values
declare -A UNIT=([keepalive]="requests/s" [close]="connections/s" [download]="MB/s" [udp]="frames/s" [udp-blast]="frames/s")
NOTES=()
DETAILS=()
SERIES_KEYS=()
add_key() { [[ " ${SERIES_KEYS[*]-} " == *" $1 "* ]] || SERIES_KEYS+=("$1"); }
record() { # series setup value detail
  add_key "$1"
  RES["$1|$2"]+="$3 "
  local unit="${UNIT[$1]:-us}"
  DETAILS+=("round $ROUND $2 $1: $3 $unit ($4)")
  log "round $ROUND $2 $1: $3 $unit ($4)"
}
fail() { # series setup why
  add_key "$1"
  NOTES+=("round $ROUND $2 $1: FAILED verification, no number: $3")
  DETAILS+=("round $ROUND $2 $1: FAILED ($3)")
  log "round $ROUND $2 $1: FAILED ($3)"
}
kv() { grep -o "$1=[0-9.]*" <<<"$2" | head -n 1 | cut -d= -f2; }

# ----------------------------------------------------------------------------------- HTTP series
http_series() { # series setup mode conns
  local series="$1" setup="$2" out ok err r1 r2 r3 secs bytes value servers=0 n
  out="$(jrun "$C" $((SECS + 20)) HttpBench "$3" "$TARGET" 80 "$4" "$SECS" 2>"$WORK/http.err" || true)"
  ok="$(kv ok "$out")"; err="$(kv err "$out")"; secs="$(kv seconds "$out")"; bytes="$(kv bytes "$out")"
  r1="$(kv rs1 "$out")"; r2="$(kv rs2 "$out")"; r3="$(kv rs3 "$out")"
  if [[ -z "$ok" || -z "$secs" ]]; then fail "$series" "$setup" "client gave no result: $(head -c 200 "$WORK/http.err")"; return; fi
  ((ok > 0)) || { fail "$series" "$setup" "no verified answer ($err errors: $(head -c 160 "$WORK/http.err"))"; return; }
  ((err * 100 <= ok)) || { fail "$series" "$setup" "$err errors for $ok answers: $(head -c 160 "$WORK/http.err")"; return; }
  if [[ "$3" != download ]]; then
    if [[ "$setup" == direct ]]; then
      ((r1 == ok)) || { fail "$series" "$setup" "answers not all from rs1 ($r1/$r2/$r3)"; return; }
    else
      for n in "$r1" "$r2" "$r3"; do ((n > 0)) && servers=$((servers + 1)); done
      ((servers >= 2)) || { fail "$series" "$setup" "answers from only one server ($r1/$r2/$r3): not balanced"; return; }
    fi
  fi
  if [[ "$3" == download ]]; then
    value="$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", b / s / 1e6 }')"
    record "$series" "$setup" "$value" "$ok x 1 MiB verified byte for byte, $err errors"
  else
    value="$(awk -v n="$ok" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')"
    record "$series" "$setup" "$value" "rs1/rs2/rs3 $r1/$r2/$r3, $err errors"
  fi
}

# ------------------------------------------------------------------------------------ UDP series
# shellcheck source=lib.sh
source "$ROOT/bench/lab/lib.sh"
rs_rx() { rx_packets_sum "$LAB_PREFIX-rs1" "$LAB_PREFIX-rs2" "$LAB_PREFIX-rs3"; }
rs_rx_each() { local r; for r in rs1 rs2 rs3; do ip netns exec "$LAB_PREFIX-$r" cat /sys/class/net/eth0/statistics/rx_packets; done | tr '\n' ' '; }

# One paced run: sets U_SENT U_FWD U_RATE (achieved send rate) U_LOSS (parts per million) U_SPREAD.
udp_step() { # rate (0 = full blast)
  local before after b1 a1 i
  before=$(rs_rx); read -r -a b1 <<<"$(rs_rx_each)"
  U_SENT="$(jrun "$C" $((UDP_SECS + 20)) UdpBlast "$TARGET" "$UDP_PORT" "$UDP_SECS" 64 "$1" 2>/dev/null || echo 0)"
  sleep 1
  after=$(rs_rx); read -r -a a1 <<<"$(rs_rx_each)"
  U_FWD=$((after - before))
  U_SPREAD=""
  for i in 0 1 2; do U_SPREAD+="$((a1[i] - b1[i]))/"; done
  U_SPREAD="${U_SPREAD%/}"
  ((U_FWD > U_SENT)) && U_FWD=$U_SENT   # the odd ARP frame
  U_RATE=$((U_SENT / UDP_SECS))
  if ((U_SENT > 0)); then U_LOSS=$(((U_SENT - U_FWD) * 1000000 / U_SENT)); else U_LOSS=1000000; fi
}

udp_series() { # setup
  local setup="$1" blast_rate blast_loss blast_fwd good=0 bad=0 r step ok_spread=""
  udp_step 0
  blast_rate=$U_RATE; blast_loss=$U_LOSS; blast_fwd=$((U_FWD / UDP_SECS))
  local bal_ok=1
  if [[ "$setup" != direct ]]; then
    local zero=0 x; for x in ${U_SPREAD//\// }; do ((x < U_SENT / 20)) && zero=$((zero + 1)); done
    ((zero <= 1)) || bal_ok=0
  fi
  ((U_FWD > 0 && bal_ok)) || { fail udp "$setup" "full blast: sent $U_SENT, servers received $U_SPREAD"; return; }
  add_key udp-blast
  RES["udp-blast|$setup"]+="$blast_fwd "
  DETAILS+=("round $ROUND $setup udp full blast: sent $blast_rate/s, forwarded $blast_fwd/s, loss $(awk -v p="$blast_loss" 'BEGIN{printf "%.2f", p/1e4}')%, rs1/rs2/rs3 $U_SPREAD")
  log "round $ROUND $setup udp full blast: sent $blast_rate/s forwarded $blast_fwd/s loss ${blast_loss}ppm ($U_SPREAD)"
  # Rate search: doubling from 10k (capped at 95% of the full-blast send rate) until a step fails
  # (loss >= 0.1%, or the paced sender fell short of the rate by more than 3%), then two
  # bisection steps. A step that failed only because the sender fell short means the number is
  # the sender's limit, not the set-up's: it is marked so.
  local cap=$((blast_rate * 95 / 100)) limited=0 steps=""
  r=10000
  ((r <= cap)) || r=$cap
  udp_try() { # rate -> 0 passed, 1 failed; appends to steps, sets limited
    udp_step "$1"
    local loss; loss="$(awk -v p="$U_LOSS" 'BEGIN{printf "%.2f", p/1e4}')"
    if ((U_LOSS < 1000 && U_RATE * 100 >= $1 * 97)); then
      steps+=" $1:ok"; return 0
    fi
    if ((U_LOSS < 1000)); then limited=1; steps+=" $1:sender-short($U_RATE/s,loss${loss}%)"; else steps+=" $1:loss${loss}%"; fi
    return 1
  }
  for ((step = 0; step < 8; step++)); do
    if udp_try "$r"; then
      good=$U_RATE; ok_spread=$U_SPREAD
      if ((r >= cap)); then limited=1; break; fi
      r=$((r * 2 > cap ? cap : r * 2))
    else
      bad=$r; break
    fi
  done
  if ((bad > 0)); then
    local lo=$good hi=$bad
    for step in 1 2; do
      r=$(((lo + hi) / 2))
      ((r > 0)) || break
      if udp_try "$r"; then good=$U_RATE; lo=$r; ok_spread=$U_SPREAD; else hi=$r; fi
    done
  fi
  DETAILS+=("round $ROUND $setup udp rate steps (frames/s):$steps")
  if ((good == 0)); then
    fail udp "$setup" "no step passed:$steps"
    return
  fi
  record udp "$setup" "$good" "highest paced rate with < 0.1% loss$( ((limited)) && echo '; SENDER-LIMITED: the search reached 95% of the full-blast send rate, or a higher step failed only because the paced sender fell short'), frames at rs1/rs2/rs3 $ok_spread"
}

# -------------------------------------------------------------------------------- latency series
latency_series() { # setup
  local setup="$1" rate roles r f pid i sent got p50 p99 expected before after wire
  if [[ "$setup" == direct ]]; then roles=(rs1); else roles=(rs1 rs2 rs3); fi
  for rate in $LAT_RATES; do
    SINK_PIDS=()
    for r in "${roles[@]}"; do
      f="$WORK/lat-$r.txt"; rm -f "$f"
      jrun "$LAB_PREFIX-$r" $((LAT_SECS + 40)) UdpSink "$UDP_PORT" $((LAT_SECS + 25)) "$f" >"$WORK/sink-$r.out" 2>&1 &
      SINK_PIDS+=($!)
    done
    for r in "${roles[@]}"; do
      for ((i = 0; i < 100; i++)); do
        ip netns exec "$LAB_PREFIX-$r" ss -Hlun "sport = :$UDP_PORT" | grep -q . && break
        sleep 0.1
      done
    done
    before=$(rs_rx)
    sent="$(jrun "$C" $((LAT_SECS + 20)) UdpBlast "$TARGET" "$UDP_PORT" $((LAT_SECS + 2)) 64 "$rate" 2 2>/dev/null || echo 0)"
    for pid in "${SINK_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    SINK_PIDS=()
    after=$(rs_rx)
    ((sent > 0)) || sent=1
    wire="$(awk -v s="$sent" -v r="$((after - before))" 'BEGIN { l = (s - r) / s * 100; if (l < 0) l = 0; printf "%.2f", l }')"
    got=0
    for r in "${roles[@]}"; do [[ -f "$WORK/lat-$r.txt" ]] && got=$((got + $(wc -l <"$WORK/lat-$r.txt"))); done
    expected=$((rate * LAT_SECS))
    # Frames the sinks miss (socket overruns while five JVMs share two cores) are not measured;
    # the set-up must deliver at least half of them to count.
    if ((got * 100 < expected * 50)); then
      fail "lat${rate}-p50" "$setup" "only $got of about $expected measured frames arrived"
      fail "lat${rate}-p99" "$setup" "only $got of about $expected measured frames arrived"
      continue
    fi
    read -r p50 p99 < <(for r in "${roles[@]}"; do cat "$WORK/lat-$r.txt"; done | sort -n |
      awk '{ a[NR] = $1 } END { i = int(NR * 0.5); if (i < 1) i = 1; j = int(NR * 0.99); if (j < 1) j = 1; printf "%.1f %.1f\n", a[i] / 1000, a[j] / 1000 }')
    record "lat${rate}-p50" "$setup" "$p50" "$got of ~$expected measured frames timed; $wire% of all $sent sent not received on the servers' eth0"
    record "lat${rate}-p99" "$setup" "$p99" "$got of ~$expected measured frames timed; $wire% of all $sent sent not received on the servers' eth0"
  done
}

# ------------------------------------------------------------------------------------------ main
lab_up

SETUPS=(direct kernel haproxy)
for b in $BACKENDS; do
  f="$(dispatcher_config "$b")"
  if check="$("$JAVA_HOME/bin/java" -jar "$ROOT/dispatcher/target/dispatcher.jar" check-config "$f" 2>&1)"; then
    SETUPS+=("dispatcher-$b")
  else
    NOTES+=("backend $b skipped: the dispatcher rejects io.backend: $b ($(grep -i backend <<<"$check" | head -n 1 | cut -c1-200))")
    log "backend $b skipped: $(grep -i backend <<<"$check" | head -n 1)"
  fi
done
log "set-ups: ${SETUPS[*]}; series: $SERIES; $ROUNDS rounds"

STARTED="$(date -u '+%Y-%m-%d %H:%M UTC')"
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  # Rotate the order each round so no set-up always runs first (or right after another).
  n=${#SETUPS[@]}
  for ((k = 0; k < n; k++)); do
    s="${SETUPS[$(((k + ROUND - 1) % n))]}"
    if ! setup "$s"; then
      NOTES+=("round $ROUND $s: set-up failed, nothing measured")
      teardown "$s"; continue
    fi
    for series in $SERIES; do
      case "$series" in
        keepalive) http_series keepalive "$s" keepalive "$CONNS" ;;
        close) http_series close "$s" close "$CONNS" ;;
        download) http_series download "$s" download "$DL_CONNS" ;;
        udp) ((SKIP_UDP)) || udp_series "$s" ;;
        latency) ((SKIP_UDP)) || latency_series "$s" ;;
      esac
    done
    teardown "$s"
  done
done

# ----------------------------------------------------------------------------------------- report
stats() { # values -> min median max count
  tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END {
    if (NR == 0) { print "- - - 0"; exit }
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    print a[1], m, a[NR], NR }'
}
ratio() { [[ "$1" == - || "$2" == - ]] && { echo "-"; return; }; awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }
title() {
  case "$1" in
    keepalive) echo "1. Small HTTP responses over $CONNS keep-alive connections (requests/s, higher is better)" ;;
    close) echo "2. One connection per request, $CONNS in parallel (connections/s, higher is better)" ;;
    download) echo "3. 1 MiB downloads over $DL_CONNS parallel keep-alive connections (MB/s, higher is better)" ;;
    udp) echo "4. Small UDP frames: highest forwarded rate with < 0.1% loss (frames/s, higher is better)" ;;
    udp-blast) echo "4b. Small UDP frames at full blast: forwarded rate (frames/s; loss per round below)" ;;
    lat*-p50) echo "5. One-way latency at ${1#lat}" | sed 's/-p50$//' | sed 's/$/ frames\/s, p50 (us, lower is better)/' ;;
    lat*-p99) echo "5. One-way latency at ${1#lat}" | sed 's/-p99$//' | sed 's/$/ frames\/s, p99 (us, lower is better)/' ;;
  esac
}

{
  echo "# Lab comparison: dispatcher vs kernel (nftables netdev) vs HAProxy vs no balancer"
  echo
  echo "Written by \`bench/lab/compare.sh\` (run $STARTED; $ROUNDS rounds, set-ups alternated and rotated round by round)."
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), kernel $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME"), $(haproxy -v | head -n 1 | cut -d' ' -f1-3), $(nft --version), $("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)."
  echo "Everything (client, balancer, three LabServer JVMs) shares these cores: the machine is shared and"
  echo "noisy, so read the medians and the ratios, not the absolute numbers."
  echo
  echo "Set-ups: **direct** = client straight to rs1's own address (no balancer, one server);"
  echo "**kernel** = nftables netdev ingress on disp's eth0: dst MAC by \`jhash ip saddr . tcp/udp sport mod 3\`, src MAC = disp, \`fwd to eth0\` (static neighbour entry for the VIP on the client; servers 1:1:1);"
  echo "**haproxy** = HAProxy TCP mode on the VIP (on disp's lo) to the servers' own addresses, roundrobin 3:2:1 (full proxy: replies come back through it; no UDP);"
  echo "**dispatcher-B** = our dispatcher with \`io.backend: B\`, TCP 3:2:1, UDP 1:1:1 (**B-busypoll**: also \`io.busy-poll: ${BUSY_POLL:-2ms}\`)."
  echo "Parameters: SECS=$SECS CONNS=$CONNS DL_CONNS=$DL_CONNS UDP_SECS=$UDP_SECS LAT_SECS=$LAT_SECS."
  echo "Ratios are of medians, to the kernel reference and to HAProxy of the same run (for latency a ratio"
  echo "below 1 is better; \"+direct\" is the median latency added over the direct path)."
  echo
  echo "## Summary: medians (ratio to kernel / to HAProxy)"
  echo
  printf '| series |'; for s in "${SETUPS[@]}"; do printf ' %s |' "$s"; done; echo
  printf '|---|'; for s in "${SETUPS[@]}"; do printf -- '---|'; done; echo
  for key in "${SERIES_KEYS[@]}"; do
    read -r _ kmed _ _ < <(echo "${RES["$key|kernel"]-}" | stats)
    read -r _ hmed _ _ < <(echo "${RES["$key|haproxy"]-}" | stats)
    printf '| %s (%s) |' "$key" "${UNIT[$key]:-us}"
    for s in "${SETUPS[@]}"; do
      read -r _ md _ _ < <(echo "${RES["$key|$s"]-}" | stats)
      if [[ "$md" == - ]]; then printf ' - |'; else printf ' %s (%s / %s) |' "$md" "$(ratio "$md" "$kmed")" "$(ratio "$md" "$hmed")"; fi
    done
    echo
  done
  for key in "${SERIES_KEYS[@]}"; do
    echo
    echo "## $(title "$key")"
    echo
    if [[ "$key" == lat* ]]; then
      echo "| set-up | runs | min | median | max | x kernel | x haproxy | +direct (us) |"
      echo "|---|---|---|---|---|---|---|---|"
    else
      echo "| set-up | runs | min | median | max | x kernel | x haproxy |"
      echo "|---|---|---|---|---|---|---|"
    fi
    read -r _ kmed _ _ < <(echo "${RES["$key|kernel"]-}" | stats)
    read -r _ hmed _ _ < <(echo "${RES["$key|haproxy"]-}" | stats)
    read -r _ dmed _ _ < <(echo "${RES["$key|direct"]-}" | stats)
    for s in "${SETUPS[@]}"; do
      if [[ "$s" == haproxy && ( "$key" == udp* || "$key" == lat* ) ]]; then
        echo "| $s | n/a (no UDP) | | | | | |$([[ "$key" == lat* ]] && echo ' |')"
        continue
      fi
      read -r mn md mx cnt < <(echo "${RES["$key|$s"]-}" | stats)
      if [[ "$key" == lat* ]]; then
        add="$([[ "$md" == - || "$dmed" == - ]] && echo - || awk -v a="$md" -v b="$dmed" 'BEGIN { printf "%+.1f", a - b }')"
        echo "| $s | $cnt | $mn | $md | $mx | $(ratio "$md" "$kmed") | $(ratio "$md" "$hmed") | $add |"
      else
        echo "| $s | $cnt | $mn | $md | $mx | $(ratio "$md" "$kmed") | $(ratio "$md" "$hmed") |"
      fi
    done
  done
  echo
  echo "## Notes"
  echo
  if ((${#NOTES[@]})); then printf -- '- %s\n' "${NOTES[@]}"; else echo "- every run passed its verification"; fi
  echo "- Verification: HTTP bodies must be rs1/rs2/rs3 (only rs1 for direct; at least two servers for a balancer), at most 1% errors; downloads are compared byte for byte with LabServer's stream; UDP counts what the real servers' eth0 received (rx_packets), and a balancer must spread it; latency needs half of the measured frames timed by the sinks (the rest of the loss is in the run log below)."
  echo "- HAProxy has no UDP: series 4 and 5 are n/a for it."
  echo "- Series 4: a number marked SENDER-LIMITED in the run log is the single-threaded Java sender's paced limit on these shared cores, not the set-up's; the full-blast table (4b) shows what was forwarded when the sender ran flat out."
  echo
  echo "## Every run"
  echo
  printf '    %s\n' "${DETAILS[@]}"
} >"$RESULTS"

echo
sed -n '/^## Summary/,/^## Notes/p' "$RESULTS" | grep -v '^## Notes'
echo "written: $RESULTS"
