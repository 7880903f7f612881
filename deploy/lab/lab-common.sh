# Sourced by lab.sh, dispatcher.sh and demo.sh: names, addresses and small helpers of the lab.
# Not executable on its own. Callers use `set -euo pipefail`.
# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this

LAB_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$LAB_SCRIPT_DIR/../.." && pwd)"

# The lab's Debian packages (deploy/lib/host-packages.sh), installed when java-home.sh is sourced.
export DISPATCHER_HOST_PACKAGES="${DISPATCHER_HOST_PACKAGES:-lab}"

LAB_PREFIX="${LAB_PREFIX:-lab}"
LAB_DIR="${LAB_DIR:-/tmp/$LAB_PREFIX}"
P="$LAB_PREFIX"

# Only 198.18.0.0/24 is ever configured; the root namespace gets an unreachable route for the
# whole /15 while the lab is up, so a command run outside a namespace by mistake fails at once.
LAB_GUARD_ROUTE=198.18.0.0/15
LAB_VIP=198.18.0.100
# The labs that hold the guard route (one empty file per prefix); the last `down` removes it.
LAB_GUARD_OWNERS_DIR=/run/dispatcher-lab.route-owners
# Older single-owner marker, still cleaned up.
LAB_GUARD_OWNER_FILE=/run/dispatcher-lab.route-owner
LAB_LOCK_FILE=/run/lock/dispatcher-lab.lock

# Host table: role address MAC. Role = namespace suffix; the sw-side veth port has the role's name.
LAB_HOSTS=(
  "client 198.18.0.1  02:00:00:00:00:01"
  "disp   198.18.0.2  02:00:00:00:00:02"
  "disp2  198.18.0.3  02:00:00:00:00:03"
  "rs1    198.18.0.11 02:00:00:00:00:11"
  "rs2    198.18.0.12 02:00:00:00:00:12"
  "rs3    198.18.0.13 02:00:00:00:00:13"
)
LAB_SERVERS=(rs1 rs2 rs3)
LAB_SW_NS="${P}-sw"
LAB_CLIENT_NS="${P}-client"
LAB_DISP_NS="${P}-disp"
LAB_DISP_MAC=02:00:00:00:00:02
# The second dispatcher of a high-availability pair (deploy/lab/ha-demo.sh, HaNetnsIT).
LAB_DISP2_NS="${P}-disp2"
LAB_DISP2_MAC=02:00:00:00:00:03
LAB_DISPATCHERS=(disp disp2)

LAB_REALSERVER_JAR="$REPO_ROOT/realserver-setup/target/realserver-setup.jar"
LAB_DISPATCHER_JAR="$REPO_ROOT/dispatcher/target/dispatcher.jar"

# Builds the jars the lab runs when either is missing (a fresh clone): the demos' first step.
build_jars_if_missing() {
  [[ -f "$LAB_DISPATCHER_JAR" && -f "$LAB_REALSERVER_JAR" ]] && return 0
  log "building (jars missing): mvn -B -ntp -q package -DskipTests in $REPO_ROOT"
  (cd "$REPO_ROOT" && mvn -B -ntp -q package -DskipTests)
  [[ -f "$LAB_DISPATCHER_JAR" ]] || die "build finished but $LAB_DISPATCHER_JAR is missing"
}

log() { printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "$(basename "$0")" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

require_root() {
  [[ "$(id -u)" -eq 0 ]] || die "$(basename "$0") must run as root (it creates network namespaces and routes); run it with sudo"
}

validate_prefix() {
  [[ "$LAB_PREFIX" =~ ^[a-z][a-z0-9-]{0,15}$ ]] \
    || die "LAB_PREFIX='$LAB_PREFIX': use 1-16 characters of a-z, 0-9 and '-', starting with a letter"
  [[ "$LAB_DIR" == /* && "$LAB_DIR" != "/" ]] || die "LAB_DIR='$LAB_DIR' must be an absolute path other than /"
}

# Fields of a LAB_HOSTS row by role.
host_field() { # role field(2=addr,3=mac)
  local row f
  for row in "${LAB_HOSTS[@]}"; do
    read -r -a f <<<"$row"
    if [[ "${f[0]}" == "$1" ]]; then echo "${f[$(($2 - 1))]}"; return 0; fi
  done
  return 1
}
host_addr() { host_field "$1" 2; }
host_mac() { host_field "$1" 3; }

lab_roles() { local row; for row in "${LAB_HOSTS[@]}"; do echo "${row%% *}"; done; }
# Every namespace of this prefix: the switch first, then the hosts.
lab_namespaces() { echo "$LAB_SW_NS"; local r; for r in $(lab_roles); do echo "${P}-$r"; done; }

ns_exists() { [[ -e "/run/netns/$1" ]]; }
guard_route_exists() { [[ -n "$(ip route show "$LAB_GUARD_ROUTE" 2>/dev/null)" ]]; }

# True while the process runs. A zombie counts as gone: its reaper may be slow to collect it
# (here a background job's parent is PID 1 once the script that started it has exited).
pid_alive() {
  local state
  state="$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# Sends TERM to the given pids, waits up to $1 seconds for them to exit, then KILLs what is left.
stop_pids() { # timeout_seconds pid...
  local timeout="$1"; shift
  local pids=() pid
  for pid in "$@"; do [[ "$pid" =~ ^[0-9]+$ ]] && pid_alive "$pid" && pids+=("$pid"); done
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  local deadline=$((SECONDS + timeout)) alive
  while ((SECONDS < deadline)); do
    alive=()
    for pid in "${pids[@]}"; do pid_alive "$pid" && alive+=("$pid"); done
    ((${#alive[@]})) || return 0
    sleep 0.1
  done
  log "still running after ${timeout}s, sending KILL: ${alive[*]}"
  kill -KILL "${alive[@]}" 2>/dev/null || true
  sleep 0.2
}

# Which arping is installed: "habets" (Debian package arping; -i IFACE) or "iputils" (-I IFACE).
arping_variant() {
  command -v arping >/dev/null || { echo none; return; }
  if arping --help 2>&1 | grep -qi habets; then echo habets; else echo iputils; fi
}

# One ARP request for $2 from namespace $1 out of eth0, waiting at most $3 seconds; prints the
# MACs that replied (lower case, one a line). Never fails: no reply prints nothing.
arp_probe() { # ns target timeout_seconds
  local out
  case "$(arping_variant)" in
    habets) out="$(ip netns exec "$1" arping -c 1 -w "$3" -i eth0 "$2" 2>&1 || true)" ;;
    iputils) out="$(ip netns exec "$1" arping -c 1 -w "$3" -I eth0 "$2" 2>&1 || true)" ;;
    *) die "arping is not installed (Debian: apt-get install arping)" ;;
  esac
  grep -ioE '([0-9a-f]{2}:){5}[0-9a-f]{2}' <<<"$out" | tr 'A-F' 'a-f' | sort -u || true
}
