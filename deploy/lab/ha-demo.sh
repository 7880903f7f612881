#!/usr/bin/env bash
# High availability under load: two dispatchers, the primary killed, the backup takes over.
#
#   deploy/lab/ha-demo.sh      (root; from any directory)
#
# Brings the lab up with its two dispatcher hosts (disp 198.18.0.2, the primary; disp2 198.18.0.3,
# the backup), starts both with ha (heartbeat 100 ms, dead-after 300 ms, a wrr port, so that only
# flow sync keeps a connection on its server), then from the client: HA_DOWNLOADS (default 10)
# paced downloads of 4 MiB (8 s each) and a stream of HA_RATE (default 200) new connections a
# second. After 3 s the primary gets SIGKILL. Prints who took over and how long it took (from the
# backup's log: the takeover, and its first forwarded frame), how many downloads ended with every
# byte (SHA-256), how many new connections failed; then restarts the primary, which takes its VIP
# back once it has caught up with the backup's flow table. Exits non-zero when a download broke,
# the takeover took more than a second, or the failback did not happen. The lab is taken down on
# exit, also on failure or Ctrl-C. Environment: LAB_PREFIX, LAB_DIR.
set -euo pipefail
# shellcheck source=lab-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab-common.sh"

DOWNLOADS="${HA_DOWNLOADS:-10}"
RATE="${HA_RATE:-200}"
MIB=4
KIBPS=512
LAB_SH="$LAB_SCRIPT_DIR/lab.sh"
DISPATCHER_SH="$LAB_SCRIPT_DIR/dispatcher.sh"

require_root
validate_prefix
[[ "$DOWNLOADS" =~ ^[0-9]+$ ]] && ((DOWNLOADS >= 1 && DOWNLOADS <= 50)) || die "HA_DOWNLOADS must be 1..50"
[[ "$RATE" =~ ^[0-9]+$ ]] && ((RATE >= 1 && RATE <= 1000)) || die "HA_RATE must be 1..1000"
STARTED=$SECONDS

# shellcheck source=../lib/java-home.sh
source "$REPO_ROOT/deploy/lib/java-home.sh"
build_jars_if_missing

LAB_OWNED=0
DOWNLOAD_PIDS=()
# shellcheck disable=SC2317  # runs from the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  local pid
  for pid in "${DOWNLOAD_PIDS[@]+"${DOWNLOAD_PIDS[@]}"}"; do kill "$pid" 2>/dev/null || true; done
  if ((LAB_OWNED)); then
    LAB_DISPATCHER=disp2 "$DISPATCHER_SH" stop || true
    LAB_DISPATCHER=disp "$DISPATCHER_SH" stop || true
    "$LAB_SH" down || true
  fi
  log "ha demo finished in $((SECONDS - STARTED)) s, exit $rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

LAB_OWNED=1
rc=0
"$LAB_SH" up || rc=$?
if ((rc == 3)); then LAB_OWNED=0; die "a lab is already up; take it down first (deploy/lab/lab.sh down)"; fi
((rc == 0)) || exit "$rc"

HA_DIR="$LAB_DIR/ha"
mkdir -p "$HA_DIR"
(umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$HA_DIR/ha.key"; echo >>"$HA_DIR/ha.key")
(umask 077; head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$HA_DIR/admin.token"; echo >>"$HA_DIR/admin.token")

node_config() { # node-id role peer
  cat <<EOF
interface: eth0
state-dir: $HA_DIR/state$1
clusters:
  - address: $LAB_VIP
    ports:
      - port: 80
        scheduler: wrr
        servers:
          - address: 198.18.0.11
            weight: 3
          - address: 198.18.0.12
            weight: 2
          - address: 198.18.0.13
            weight: 1
admin:
  listen: 127.0.0.1:9100
  token-file: $HA_DIR/admin.token
ha:
  role: $2
  node-id: $1
  peer: $3
  heartbeat-interval: 100ms
  dead-after: 300ms
  key-file: $HA_DIR/ha.key
  recovery: auto
EOF
}
node_config 1 primary "$(host_addr disp2)" >"$HA_DIR/primary.yaml"
node_config 2 backup "$(host_addr disp)" >"$HA_DIR/backup.yaml"

ha_status() { # namespace
  ip netns exec "$1" "$JAVA_HOME/bin/java" -jar "$LAB_DISPATCHER_JAR" ha status --admin 127.0.0.1:9100 || true
}
state_of() { # namespace -> init|standby|active|""
  ip netns exec "$1" curl -s --max-time 2 http://127.0.0.1:9100/ha | grep -o '"state": *"[a-z]*"' | head -1 | cut -d'"' -f4
}
await_state() { # namespace state seconds; fails (status 1) when it does not come
  local deadline=$((SECONDS + $3))
  until [[ "$(state_of "$1")" == "$2" ]]; do
    ((SECONDS < deadline)) || { echo "$1 is not $2 within $3 s" >&2; return 1; }
    sleep 0.2
  done
}

log "starting the primary in $LAB_DISP_NS and the backup in $LAB_DISP2_NS"
DISPATCHER_CONFIG="$HA_DIR/primary.yaml" LAB_DISPATCHER=disp "$DISPATCHER_SH" start
DISPATCHER_CONFIG="$HA_DIR/backup.yaml" LAB_DISPATCHER=disp2 DISPATCHER_WAIT=admin "$DISPATCHER_SH" start
await_state "$LAB_DISP2_NS" standby 15 || die "the backup did not become standby"
echo; echo "== the pair"; ha_status "$LAB_DISP_NS"; ha_status "$LAB_DISP2_NS"

expected="$(ip netns exec "$LAB_CLIENT_NS" curl -s --max-time 20 "http://$LAB_VIP/big.sha256?mib=$MIB")"
[[ "$expected" =~ ^[0-9a-f]{64}$ ]] || die "no digest from the servers: '$expected'"
log "starting $DOWNLOADS downloads of $MIB MiB at $KIBPS KiB/s and $RATE new connections a second"
for ((i = 1; i <= DOWNLOADS; i++)); do
  ip netns exec "$LAB_CLIENT_NS" bash -c "set -o pipefail; curl -sS --max-time 120 \
    'http://$LAB_VIP/big?mib=$MIB&kibps=$KIBPS' | sha256sum | cut -d' ' -f1" >"$HA_DIR/download-$i.txt" 2>&1 &
  DOWNLOAD_PIDS+=($!)
done
ip netns exec "$LAB_CLIENT_NS" "$JAVA_HOME/bin/java" "$LAB_SCRIPT_DIR/ConnRate.java" "$LAB_VIP" 80 "$RATE" 12 \
  "$HA_DIR/connections.txt" >"$HA_DIR/connections.out" 2>&1 &
CONN_PID=$!
sleep 3

killed_ms="$(date +%s%3N)"
log "SIGKILL to the primary (pid $(cat "$LAB_DIR/dispatcher.pid"))"
kill -KILL "$(cat "$LAB_DIR/dispatcher.pid")"
await_state "$LAB_DISP2_NS" active 5 || die "the backup did not take over"
for _ in $(seq 1 50); do grep -q "first frame forwarded" "$LAB_DIR/dispatcher-disp2.log" && break; sleep 0.1; done
took_line="$(grep "serving cluster group" "$LAB_DIR/dispatcher-disp2.log" | tail -1)"
took_ms="$(date -d "$(cut -d' ' -f1 <<<"$took_line")" +%s%3N)"
first_ms="$(grep -o 'first frame forwarded [0-9]* ms' "$LAB_DIR/dispatcher-disp2.log" | tail -1 | grep -o '[0-9]*')"
takeover_ms=$((took_ms - killed_ms + ${first_ms:-0}))

intact=0
for ((i = 1; i <= DOWNLOADS; i++)); do
  wait "${DOWNLOAD_PIDS[$((i - 1))]}" || true
  [[ "$(cat "$HA_DIR/download-$i.txt")" == "$expected" ]] && intact=$((intact + 1))
done
DOWNLOAD_PIDS=()
wait "$CONN_PID" || true

log "restarting the primary: it takes the VIP back once its flow table has caught up"
DISPATCHER_CONFIG="$HA_DIR/primary.yaml" LAB_DISPATCHER=disp DISPATCHER_WAIT=admin "$DISPATCHER_SH" start
failback=yes
await_state "$LAB_DISP_NS" active 15 || failback=no
echo; echo "== after the failback"; ha_status "$LAB_DISP_NS"; ha_status "$LAB_DISP2_NS"

echo
echo "backup took over ${took_ms:+$((took_ms - killed_ms))} ms after the SIGKILL and forwarded its first frame ${first_ms:-?} ms later: ${takeover_ms} ms in all"
echo "downloads with every byte: $intact of $DOWNLOADS"
echo "new connections: $(cat "$HA_DIR/connections.out")"
echo "failback to the primary: $failback"
status=0
((intact == DOWNLOADS)) || { echo "FAIL: $((DOWNLOADS - intact)) download(s) broke" >&2; status=1; }
((takeover_ms <= 1000)) || { echo "FAIL: the takeover took more than 1 s" >&2; status=1; }
[[ "$failback" == yes ]] || { echo "FAIL: the primary did not take over again" >&2; status=1; }
((status == 0)) && echo "PASS: failover in ${takeover_ms} ms, every download intact, failback done"
exit "$status"
