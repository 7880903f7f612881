#!/usr/bin/env bash
# Network lab for the dispatcher: six hosts on one bridge, each in its own network namespace.
#
#   lab.sh up       build the lab (exit 3 if this prefix is already up; labs of other prefixes may
#                   run beside it and share the guard route), start the HTTP servers
#   lab.sh down     remove everything of the prefix; idempotent, safe after a failed or killed `up`
#   lab.sh status   namespaces, addresses, neighbour tables, bridge, servers; exit 0 up, 1 broken, 3 down
#   lab.sh server-stop rsN    stop one real server's HTTP server (health-check tests)
#   lab.sh server-start rsN   start it again and wait until it answers
#
# Environment: LAB_PREFIX (default lab) names the namespaces ${LAB_PREFIX}-sw, -client, -disp,
# -disp2, -rs1..3; LAB_DIR (default /tmp/$LAB_PREFIX) holds pid files, logs and realserver-setup state.
# LAB_WAIT_SECONDS (default 30) bounds the wait for the HTTP servers.
#
# Topology (198.18.0.0/24 only; VIP 198.18.0.100 lives on the real servers' lo, never on disp):
#
#   ${P}-client eth0 198.18.0.1  02:00:00:00:00:01 --+
#   ${P}-disp   eth0 198.18.0.2  02:00:00:00:00:02 --+
#   ${P}-disp2  eth0 198.18.0.3  02:00:00:00:00:03 --+   (the HA partner; idle unless started)
#   ${P}-rs1    eth0 198.18.0.11 02:00:00:00:00:11 --+-- br0 in ${P}-sw (ports: client, disp, disp2, rs1..3)
#   ${P}-rs2    eth0 198.18.0.12 02:00:00:00:00:12 --+
#   ${P}-rs3    eth0 198.18.0.13 02:00:00:00:00:13 --+
#
# While the lab is up the root namespace has `unreachable 198.18.0.0/15`, so a lab command run
# outside a namespace by mistake fails at once instead of leaving the machine. Only one lab can be
# up at a time (the route is global), whatever its prefix.
set -euo pipefail
# shellcheck source=lab-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab-common.sh"

usage() {
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}

LOCKED=0
take_lock() {
  ((LOCKED)) && return 0
  mkdir -p "$(dirname "$LAB_LOCK_FILE")"
  exec 9>"$LAB_LOCK_FILE"
  flock -w 30 9 || die "another lab.sh up/down has held $LAB_LOCK_FILE for 30 s"
  LOCKED=1
}

# ---------------------------------------------------------------------------------------------- up

UP_STARTED=$SECONDS

up() {
  take_lock
  local existing=() ns
  for ns in $(lab_namespaces); do ns_exists "$ns" && existing+=("$ns"); done
  if ((${#existing[@]})); then
    printf 'error: lab "%s" is already (partly) up: namespaces %s exist; run: LAB_PREFIX=%s %s down\n' \
      "$P" "${existing[*]}" "$P" "$0" >&2
    exit 3
  fi
  # Installs the lab's Debian packages when missing (or says which command would), selects a JDK 25.
  # shellcheck source=../lib/java-home.sh
  source "$REPO_ROOT/deploy/lib/java-home.sh"
  local tool
  for tool in ip ethtool curl sysctl flock; do
    command -v "$tool" >/dev/null || die "$tool not found (Debian: iproute2 ethtool curl procps util-linux)"
  done

  # From here on anything that fails (or Ctrl-C / TERM) removes what was built.
  trap 'on_up_exit' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP

  mkdir -p "$LAB_DIR"
  clean_lab_dir
  rm -f "$LAB_DIR"/*.log

  # Several labs (other prefixes) may be up at once: they share the guard route, which stays
  # while any of them is registered as an owner.
  mkdir -p "$LAB_GUARD_OWNERS_DIR"
  touch "$LAB_GUARD_OWNERS_DIR/$P"
  if guard_route_exists; then
    log "root namespace: unreachable $LAB_GUARD_ROUTE already in place (shared with: $(ls "$LAB_GUARD_OWNERS_DIR" | tr '\n' ' '))"
  else
    log "root namespace: ip route add unreachable $LAB_GUARD_ROUTE"
    ip route add unreachable "$LAB_GUARD_ROUTE"
  fi

  log "namespaces: $(lab_namespaces | tr '\n' ' ')"
  for ns in $(lab_namespaces); do
    ip netns add "$ns"
    # No IPv6: keeps router solicitations and MLD reports out of the dispatcher's packet tap.
    if ip netns exec "$ns" test -d /proc/sys/net/ipv6; then
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    fi
    ip -n "$ns" link set lo up
  done

  ip -n "$LAB_SW_NS" link add br0 type bridge stp_state 0
  ip -n "$LAB_SW_NS" link set br0 up
  local role addr mac
  for role in $(lab_roles); do
    addr="$(host_addr "$role")"; mac="$(host_mac "$role")"
    # Created inside the switch namespace with the peer placed straight into the host's, so no
    # interface ever appears in the root namespace. Switch port MAC 02:00:00:00:01:<host byte>.
    ip -n "$LAB_SW_NS" link add "$role" address "02:00:00:00:01:${mac##*:}" type veth \
      peer name eth0 address "$mac" netns "${P}-$role"
    ip -n "$LAB_SW_NS" link set "$role" master br0 up
    ip -n "${P}-$role" addr add "$addr/24" dev eth0
    ip -n "${P}-$role" link set eth0 up
  done

  for role in "${LAB_DISPATCHERS[@]}"; do
    log "$role: ip_forward=0, GRO off on eth0"
    ip netns exec "${P}-$role" sysctl -qw net.ipv4.ip_forward=0
    ip netns exec "${P}-$role" ethtool -K eth0 gro off >/dev/null
  done

  log "client: tx/tso/gso off on eth0, tcp_tw_reuse=1, ip_local_port_range 10000-65000"
  # veth would otherwise hand a packet tap frames with partial checksums and 64 KB GSO frames,
  # which the real server drops once the dispatcher has forwarded them (docs/PACKET-IO.md, checksum offload).
  ip netns exec "$LAB_CLIENT_NS" ethtool -K eth0 tx off tso off gso off >/dev/null
  ip netns exec "$LAB_CLIENT_NS" sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="10000 65000"

  for role in "${LAB_SERVERS[@]}"; do setup_real_server "$role"; done
  for role in "${LAB_SERVERS[@]}"; do start_server "$role"; done
  wait_servers "${LAB_WAIT_SECONDS:-30}"

  trap - EXIT INT TERM HUP
  log "lab \"$P\" up in $((SECONDS - UP_STARTED)) s (logs and pids in $LAB_DIR); next: deploy/lab/dispatcher.sh start"
}

on_up_exit() {
  local rc=$?
  trap - EXIT INT TERM HUP
  ((rc == 0)) && return 0
  log "up failed (exit $rc) after $((SECONDS - UP_STARTED)) s; removing what was built"
  local f
  for f in "$LAB_DIR"/*.log; do
    [[ -s "$f" ]] || continue
    printf -- '--- last lines of %s\n' "$f" >&2
    tail -n 15 "$f" >&2
  done
  down || true
  exit "$rc"
}

# VIP on lo with scope host plus arp_ignore/arp_announce: the real server accepts frames for the
# VIP but never answers ARP for it nor uses it as ARP sender address (docs/PACKET-IO.md, hidden ARP).
setup_real_server() {
  local role="$1" ns="${P}-$1"
  if [[ -f "$LAB_REALSERVER_JAR" ]]; then
    log "$role: realserver-setup apply --vip $LAB_VIP --state-dir $LAB_DIR/$role"
    if ! ip netns exec "$ns" "$JAVA_HOME/bin/java" -jar "$LAB_REALSERVER_JAR" apply \
        --vip "$LAB_VIP" --state-dir "$LAB_DIR/$role" </dev/null >"$LAB_DIR/$role-setup.log" 2>&1 9>&-; then
      die "$role: realserver-setup apply failed (see $LAB_DIR/$role-setup.log)"
    fi
  else
    log "WARNING: $LAB_REALSERVER_JAR missing; $role: applying the equivalent commands by hand" \
      "(ip addr add $LAB_VIP/32 scope host dev lo label lo:1; arp_ignore=3, arp_announce=2 on conf.all)"
    ip -n "$ns" addr add "$LAB_VIP/32" scope host dev lo label lo:1
    ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=3 net.ipv4.conf.all.arp_announce=2
  fi
  check_hidden_vip "$role"
}

# Verifies what the setup left, whoever did it: the kernel uses max(conf/all, conf/eth0).
check_hidden_vip() {
  local role="$1" ns="${P}-$1" ignore announce scope
  scope="$(ip -n "$ns" -o addr show dev lo to "$LAB_VIP/32" | grep -o 'scope [a-z]*' || true)"
  [[ "$scope" == "scope host" ]] || die "$role: VIP $LAB_VIP is not on lo with scope host (found: '${scope:-nothing}')"
  ignore="$(max_sysctl "$ns" arp_ignore)"; announce="$(max_sysctl "$ns" arp_announce)"
  [[ "$ignore" =~ ^[123]$ ]] || die "$role: effective arp_ignore is $ignore, want 1, 2 or 3 (the VIP would answer ARP)"
  [[ "$announce" == 2 ]] || die "$role: effective arp_announce is $announce, want 2 (ARP requests would carry the VIP)"
}

max_sysctl() { # ns name -> max(conf.all.name, conf.eth0.name)
  local a e
  a="$(ip netns exec "$1" sysctl -n "net.ipv4.conf.all.$2")"
  e="$(ip netns exec "$1" sysctl -n "net.ipv4.conf.eth0.$2")"
  echo $((a > e ? a : e))
}

start_server() {
  local role="$1"
  # Plain `ip netns exec` execs java, so $! is the JVM's pid. fd 9 (the lock) must not leak into it.
  ip netns exec "${P}-$role" "$JAVA_HOME/bin/java" -Xmx64m "$LAB_SCRIPT_DIR/LabServer.java" \
    --name "$role" --port 80 --threads 32 </dev/null >"$LAB_DIR/$role.log" 2>&1 9>&- &
  echo $! >"$LAB_DIR/$role.pid"
  log "$role: LabServer pid $! on $(host_addr "$role"):80, log $LAB_DIR/$role.log"
}

wait_servers() {
  local timeout="$1" deadline=$((SECONDS + $1)) rounds=0 pending=("${LAB_SERVERS[@]}") next role body
  log "waiting up to ${timeout} s for the servers to answer from $LAB_CLIENT_NS"
  while ((${#pending[@]})); do
    next=()
    for role in "${pending[@]}"; do
      pid_alive "$(cat "$LAB_DIR/$role.pid")" || die "$role: LabServer exited (see $LAB_DIR/$role.log)"
      body="$(ip netns exec "$LAB_CLIENT_NS" curl -s --max-time 2 "http://$(host_addr "$role")/" 2>/dev/null || true)"
      [[ "$body" == "$role" ]] || next+=("$role")
    done
    pending=("${next[@]+"${next[@]}"}")
    ((${#pending[@]})) || break
    ((SECONDS < deadline && ++rounds < 200)) || die "servers not answering after ${timeout} s: ${pending[*]}"
    sleep 0.25
  done
}

# Leaves logs (for a post-mortem) but no pid files or realserver-setup state.
clean_lab_dir() {
  [[ -d "$LAB_DIR" ]] || return 0
  rm -f "$LAB_DIR"/*.pid
  local role
  for role in "${LAB_SERVERS[@]}"; do rm -rf "${LAB_DIR:?}/$role"; done
}

# -------------------------------------------------------------------------------------------- down

down() {
  take_lock
  local ns pids=() f pid
  # Our pid files (servers, dispatcher), then anything else still running in our namespaces.
  for f in "$LAB_DIR"/*.pid; do
    [[ -f "$f" ]] || continue
    pid="$(cat "$f")"
    # Guard against a recycled pid: only a process that still runs java.
    if [[ "$pid" =~ ^[0-9]+$ ]] && grep -qa java "/proc/$pid/cmdline" 2>/dev/null; then pids+=("$pid"); fi
  done
  for ns in $(lab_namespaces); do
    ns_exists "$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do pids+=("$pid"); done
  done
  if ((${#pids[@]})); then
    mapfile -t pids < <(printf '%s\n' "${pids[@]}" | sort -un)
    log "stopping processes: ${pids[*]}"
    stop_pids 10 "${pids[@]}"
  fi
  for ns in $(lab_namespaces); do
    if ns_exists "$ns"; then ip netns del "$ns" || log "could not delete namespace $ns"; fi
  done
  rm -f "$LAB_GUARD_OWNERS_DIR/$P"
  [[ "$(cat "$LAB_GUARD_OWNER_FILE" 2>/dev/null || true)" == "$P" ]] && rm -f "$LAB_GUARD_OWNER_FILE"
  # Owners whose lab is gone (killed without `down`) no longer hold the route.
  local owner others=()
  for owner in $(ls "$LAB_GUARD_OWNERS_DIR" 2>/dev/null); do
    if ns_exists "${owner}-sw"; then others+=("$owner"); else rm -f "$LAB_GUARD_OWNERS_DIR/$owner"; fi
  done
  owner="$(cat "$LAB_GUARD_OWNER_FILE" 2>/dev/null || true)"
  if [[ -n "$owner" && "$owner" != "$P" ]] && ns_exists "${owner}-sw"; then others+=("$owner"); fi
  if ((${#others[@]})); then
    log "route $LAB_GUARD_ROUTE left in place: labs ${others[*]} are still up"
  elif guard_route_exists; then
    ip route del unreachable "$LAB_GUARD_ROUTE" || log "could not delete route $LAB_GUARD_ROUTE"
  fi
  clean_lab_dir
  local left=()
  for ns in $(lab_namespaces); do ns_exists "$ns" && left+=("$ns"); done
  if ((${#left[@]})); then log "namespaces left over: ${left[*]}"; return 1; fi
  log "lab \"$P\" down"
}

# ------------------------------------------------------------------------------------------ status

status() {
  local ns present=0 missing=() healthy=1 role pid body f
  for ns in $(lab_namespaces); do if ns_exists "$ns"; then present=$((present + 1)); else missing+=("$ns"); fi; done
  echo "== lab \"$P\" (LAB_DIR $LAB_DIR)"
  echo "guard route (root namespace): $(ip route show "$LAB_GUARD_ROUTE" | head -n 1 || true)"
  if ((present == 0)); then
    echo "no namespaces: lab is down"
    return 3
  fi
  ((${#missing[@]} == 0)) || { echo "MISSING namespaces: ${missing[*]}"; healthy=0; }
  if ns_exists "$LAB_SW_NS"; then
    echo "== $LAB_SW_NS: bridge ports"
    bridge -n "$LAB_SW_NS" link show | sed 's/^/  /'
    echo "== $LAB_SW_NS: learned MACs (br0)"
    bridge -n "$LAB_SW_NS" fdb show br br0 | grep -v permanent | sed 's/^/  /' || true
  fi
  for role in $(lab_roles); do
    ns="${P}-$role"
    ns_exists "$ns" || continue
    echo "== $ns"
    ip -n "$ns" -br addr show | sed 's/^/  addr  /'
    ip -n "$ns" neigh show | sed 's/^/  neigh /'
    if [[ " ${LAB_SERVERS[*]} " == *" $role "* ]]; then
      echo "  vip   $(ip -n "$ns" -o addr show dev lo to "$LAB_VIP/32" | grep -o 'inet .* scope [a-z]*' || echo "$LAB_VIP NOT on lo");" \
        "effective arp_ignore=$(max_sysctl "$ns" arp_ignore) arp_announce=$(max_sysctl "$ns" arp_announce)"
    fi
  done
  echo "== processes"
  for f in "$LAB_DIR"/*.pid; do
    [[ -f "$f" ]] || continue
    pid="$(cat "$f")"
    if pid_alive "$pid"; then echo "  $(basename "$f" .pid): pid $pid running"
    else echo "  $(basename "$f" .pid): pid $pid NOT running"; healthy=0; fi
  done
  if ns_exists "$LAB_CLIENT_NS"; then
    echo "== servers, asked from $LAB_CLIENT_NS"
    for role in "${LAB_SERVERS[@]}"; do
      body="$(ip netns exec "$LAB_CLIENT_NS" curl -s --max-time 2 "http://$(host_addr "$role")/" 2>/dev/null || true)"
      if [[ "$body" == "$role" ]]; then echo "  $role $(host_addr "$role"): answers"
      else echo "  $role $(host_addr "$role"): NOT answering (got '${body}')"; healthy=0; fi
    done
  fi
  ((healthy)) && return 0 || return 1
}

# ------------------------------------------------------------------------------------------- main

# Stops or starts one real server's HTTP server, for health-check tests (the host stays up).
server_stop() { # role
  local role="$1" pid
  [[ " ${LAB_SERVERS[*]} " == *" $role "* ]] || die "unknown server '$role' (one of: ${LAB_SERVERS[*]})"
  pid="$(cat "$LAB_DIR/$role.pid" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && pid_alive "$pid"; then stop_pids 10 "$pid"; fi
  rm -f "$LAB_DIR/$role.pid"
  log "$role: HTTP server stopped"
}

server_start() { # role
  local role="$1"
  [[ " ${LAB_SERVERS[*]} " == *" $role "* ]] || die "unknown server '$role' (one of: ${LAB_SERVERS[*]})"
  ns_exists "${P}-$role" || die "lab \"$P\" is not up"
  source "$REPO_ROOT/deploy/lib/java-home.sh"
  start_server "$role"
  local pending=("$role") saved=("${LAB_SERVERS[@]}")
  LAB_SERVERS=("${pending[@]}")
  wait_servers "${LAB_WAIT_SECONDS:-30}"
  LAB_SERVERS=("${saved[@]}")
}

case "${1:-}" in
  server-stop) require_root; validate_prefix; server_stop "${2:-}" ;;
  server-start) require_root; validate_prefix; server_start "${2:-}" ;;
  up) require_root; validate_prefix; up ;;
  down) require_root; validate_prefix; down ;;
  status) require_root; validate_prefix; status ;;
  -h | --help) usage ;;
  *) usage; exit 2 ;;
esac
