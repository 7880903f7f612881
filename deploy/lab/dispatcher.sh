#!/usr/bin/env bash
# Starts and stops the dispatcher inside the lab's ${LAB_PREFIX}-disp namespace (lab.sh up first).
#
#   dispatcher.sh start    launch dispatcher.jar in the background, wait until the client resolves
#                          the VIP to the dispatcher's MAC (exit 3 if one already runs)
#   dispatcher.sh stop     SIGTERM, wait up to 10 s, then SIGKILL; idempotent
#   dispatcher.sh status   running or not, and which MACs answer ARP for the VIP
#
# Environment: LAB_PREFIX, LAB_DIR as for lab.sh (pid and log: $LAB_DIR/dispatcher.{pid,log});
# DISPATCHER_CONFIG (default deploy/lab/dispatcher-lab.yaml), DISPATCHER_JAVA_OPTS (default
# --enable-native-access=ALL-UNNAMED), DISPATCHER_WAIT_SECONDS (default 30).
# LAB_DISPATCHER=disp2 runs the HA partner in ${LAB_PREFIX}-disp2 instead (pid and log:
# $LAB_DIR/dispatcher-disp2.{pid,log}); DISPATCHER_WAIT=admin waits for its admin API
# (DISPATCHER_ADMIN, default 127.0.0.1:9100) instead of the VIP's ARP, for a node that starts standby.
set -euo pipefail
# shellcheck source=lab-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab-common.sh"

CONFIG="${DISPATCHER_CONFIG:-$LAB_SCRIPT_DIR/dispatcher-lab.yaml}"
case "${LAB_DISPATCHER:-disp}" in
  disp) NS="$LAB_DISP_NS"; MAC="$LAB_DISP_MAC"; PID_FILE="$LAB_DIR/dispatcher.pid"; LOG_FILE="$LAB_DIR/dispatcher.log" ;;
  disp2) NS="$LAB_DISP2_NS"; MAC="$LAB_DISP2_MAC"; PID_FILE="$LAB_DIR/dispatcher-disp2.pid"
    LOG_FILE="$LAB_DIR/dispatcher-disp2.log" ;;
  *) die "LAB_DISPATCHER='$LAB_DISPATCHER': use disp or disp2" ;;
esac
WAIT="${DISPATCHER_WAIT:-arp}"
[[ "$WAIT" == arp || "$WAIT" == admin ]] || die "DISPATCHER_WAIT='$WAIT': use arp or admin"

usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; }

# The pid from the pid file if that process is still our dispatcher (not a recycled pid).
running_pid() {
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && grep -qa dispatcher.jar "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
  return 0
}

start() {
  if ! ns_exists "$NS" || ! ns_exists "$LAB_CLIENT_NS"; then
    die "lab \"$P\" is not up (no $NS / $LAB_CLIENT_NS): run deploy/lab/lab.sh up first"
  fi
  [[ -f "$LAB_DISPATCHER_JAR" ]] \
    || die "$LAB_DISPATCHER_JAR missing: build it with (cd $REPO_ROOT && mvn -B -ntp -q package -DskipTests)"
  [[ -f "$CONFIG" ]] || die "config $CONFIG not found"
  local pid
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then
    echo "error: dispatcher already running (pid $pid); run $0 stop first" >&2
    exit 3
  fi
  # shellcheck source=../lib/java-home.sh
  source "$REPO_ROOT/deploy/lib/java-home.sh"
  mkdir -p "$LAB_DIR"

  # A stale or FAILED entry would hide whether the dispatcher answers ARP.
  [[ "$WAIT" == admin ]] || ip -n "$LAB_CLIENT_NS" neigh flush to "$LAB_VIP"

  local -a java_opts
  read -r -a java_opts <<<"${DISPATCHER_JAVA_OPTS---enable-native-access=ALL-UNNAMED}"
  log "starting: ip netns exec $NS java ${java_opts[*]} -jar $LAB_DISPATCHER_JAR run --config $CONFIG"
  # Plain `ip netns exec` execs java, so $! is the JVM's pid. Runs from the repository root.
  (cd "$REPO_ROOT" && exec ip netns exec "$NS" "$JAVA_HOME/bin/java" "${java_opts[@]}" \
    -jar "$LAB_DISPATCHER_JAR" run --config "$CONFIG" </dev/null >"$LOG_FILE" 2>&1 9>&-) &
  pid=$!
  echo "$pid" >"$PID_FILE"
  log "dispatcher pid $pid, log $LOG_FILE"

  local timeout="${DISPATCHER_WAIT_SECONDS:-30}" deadline rounds=0 macs others
  deadline=$((SECONDS + timeout))
  if [[ "$WAIT" == admin ]]; then
    local admin="${DISPATCHER_ADMIN:-127.0.0.1:9100}"
    log "waiting up to ${timeout} s for its admin API on $admin in $NS"
    until ip netns exec "$NS" curl -sf --max-time 1 "http://$admin/status" >/dev/null 2>&1; do
      pid_alive "$pid" || start_failed "$pid" "dispatcher exited during start-up"
      ((SECONDS < deadline && ++rounds < 120)) || start_failed "$pid" "admin API on $admin not up within ${timeout} s"
      sleep 0.25
    done
    log "dispatcher up (pid $pid) in $NS, admin API on $admin"
    return 0
  fi
  log "waiting up to ${timeout} s for $LAB_CLIENT_NS to resolve $LAB_VIP to $MAC (arping: $(arping_variant))"
  while :; do
    if ! pid_alive "$pid"; then
      start_failed "$pid" "dispatcher exited during start-up"
    fi
    macs="$(arp_probe "$LAB_CLIENT_NS" "$LAB_VIP" 1)"
    if grep -qx "$MAC" <<<"$macs"; then
      others="$(grep -vx "$MAC" <<<"$macs" || true)"
      # A real server answering too means its VIP is not hidden: clients would bypass the dispatcher.
      [[ -z "$others" ]] || start_failed "$pid" "VIP $LAB_VIP also answered by $(echo "$others" | tr '\n' ' ')(real server ARP not hidden?)"
      break
    fi
    [[ -z "$macs" ]] || start_failed "$pid" "VIP $LAB_VIP answered by $(echo "$macs" | tr '\n' ' ')instead of the dispatcher ($MAC)"
    ((SECONDS < deadline && ++rounds < 120)) || start_failed "$pid" "no ARP reply for $LAB_VIP from $MAC within ${timeout} s"
    sleep 0.5
  done
  # Start the kernel's own resolution from scratch, now that the dispatcher answers.
  ip -n "$LAB_CLIENT_NS" neigh flush to "$LAB_VIP"
  log "dispatcher up (pid $pid): $LAB_VIP is at $MAC"
}

start_failed() { # pid message
  echo "error: $2" >&2
  echo "--- last lines of $LOG_FILE" >&2
  tail -n 30 "$LOG_FILE" >&2 || true
  stop_pids 10 "$1"
  rm -f "$PID_FILE"
  exit 1
}

stop() {
  local pid
  pid="$(running_pid)"
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE"
    log "dispatcher not running"
    return 0
  fi
  log "stopping dispatcher pid $pid (TERM, KILL after 10 s)"
  stop_pids 10 "$pid"
  rm -f "$PID_FILE"
  log "dispatcher stopped"
}

status() {
  local pid macs
  pid="$(running_pid)"
  if [[ -n "$pid" ]]; then echo "dispatcher: pid $pid running, log $LOG_FILE"; else echo "dispatcher: not running"; fi
  if ns_exists "$LAB_CLIENT_NS"; then
    macs="$(arp_probe "$LAB_CLIENT_NS" "$LAB_VIP" 1 | tr '\n' ' ')"
    echo "ARP for $LAB_VIP from $LAB_CLIENT_NS answered by: ${macs:-nobody}(this dispatcher is $MAC)"
  fi
  [[ -n "$pid" ]]
}

case "${1:-}" in
  start) require_root; validate_prefix; start ;;
  stop) require_root; validate_prefix; stop ;;
  status) require_root; validate_prefix; status ;;
  -h | --help) usage ;;
  *) usage; exit 2 ;;
esac
