#!/usr/bin/env bash
# Installs the Debian packages the project's commands need, when they are missing, so that both
# README commands work on a fresh Debian machine. deploy/lib/java-home.sh runs it first, so the
# README's test command and the lab scripts get it without asking.
#
#   host-packages.sh [test|lab]   install what the tests (default) or the lab need and is missing:
#                                 as root with apt-get (apt-get update first, and only then); not
#                                 root, it names the command that would, and fails
#   host-packages.sh jdk          install a JDK 25 (openjdk-25-jdk-headless) when the package lists
#                                 offer one; else say what to install (java-home.sh calls it when
#                                 it finds no JDK 25 or newer)
#   host-packages.sh --missing [test|lab]   print the missing packages, one a line; change nothing
#
# Nothing missing: it does nothing and prints nothing (one dpkg-query call). Not on Debian (no
# dpkg-query or apt-get) it looks for a command of each package instead, and names the missing
# ones. The test set also
# fetches promtool once (deploy/prometheus/promtool.sh) for the alert-rule tests; a failure there
# stops the run only under CI=true, where those tests would fail anyway.
# Environment: HOST_PACKAGES replaces the list (and skips promtool), for tests of this script.
# Exit status: 0 when everything is there (now), 1 when something is missing or failed to install.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ME="$(basename "$0")"

# What the lab scripts (deploy/lab/*.sh) and the demo run, and the build.
LAB_PACKAGES=(
  maven         # mvn: the build (the demo builds the jars when they are missing)
  iproute2      # ip, bridge: namespaces, veth, addresses
  ethtool       # offloads off on the lab's veth interfaces
  arping        # ARP probes of the VIP (dispatcher.sh start)
  curl          # the demo's requests and the lab's readiness checks
  procps        # sysctl, kill
  kmod          # modprobe, through which the kernel loads the veth and bridge modules
  util-linux    # flock (lab lock); setpriv, which the dispatcher starts advisor scripts through
)
# What the tests run besides (grep ProcessBuilder / Shell in */src/test).
TEST_PACKAGES=(
  "${LAB_PACKAGES[@]}"
  libpcap-dev   # libpcap.so for the pcap4j backend and pcap files (pulls in libpcap0.8)
  iputils-ping  # ping in realserver-setup's namespace tests
  python3       # afpacket namespace tests: the independent raw sender, HTTP servers
  systemd       # systemd-analyze verify of the units (DebPackageIT)
  nftables      # nft: the HA split-brain test cuts the heartbeat path inside a lab namespace
)
JDK_PACKAGE=openjdk-25-jdk-headless
# Without dpkg (not Debian) a package is looked for by a command it provides; libraries are not.
declare -A COMMAND_OF=(
  [maven]=mvn [iproute2]=ip [ethtool]=ethtool [arping]=arping [curl]=curl [procps]=sysctl
  [kmod]=modprobe [util-linux]=setpriv [iputils-ping]=ping [python3]=python3 [systemd]=systemd-analyze
  [nftables]=nft
)

die() { echo "$ME: $*" >&2; exit 1; }
is_root() { [[ "$(id -u)" == 0 ]]; }

debian() { command -v dpkg-query >/dev/null && command -v apt-get >/dev/null; }

# The packages of $@ that dpkg does not have installed, one a line. Not on Debian: those whose
# command (COMMAND_OF) is not on PATH.
missing_packages() {
  if ! debian; then
    local p
    for p in "$@"; do
      [[ -z "${COMMAND_OF[$p]:-}" ]] || command -v "${COMMAND_OF[$p]}" >/dev/null || echo "$p"
    done
    return 0
  fi
  local installed
  # Unknown names go to stderr and make the exit status 1: neither is an error here.
  installed="$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null | awk '/ ok installed$/ { print $1 }' || true)"
  local p
  for p in "$@"; do
    grep -qxF "$p" <<<"$installed" || echo "$p"
  done
}

# apt-get, waiting for another apt or dpkg to finish, with its chatter shown only when it fails.
apt_get() {
  local log status=0
  log="$(mktemp)"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 "$@" >"$log" 2>&1 || status=$?
  ((status == 0)) || cat "$log" >&2
  rm -f "$log"
  return "$status"
}

# Installs $@ as root, or says which command would and fails.
install_packages() {
  if ! is_root; then
    die "missing Debian packages: $*; install them as root, then run this again:
  apt-get install -y $*"
  fi
  echo "$ME: installing $* (apt-get)" >&2
  apt_get update -qq || die "apt-get update failed (see above); install by hand: apt-get install -y $*"
  apt_get install -y -qq --no-install-recommends "$@" || die "apt-get install -y $* failed (see above)"
}

ensure() { # package...
  local missing p commands=()
  mapfile -t missing < <(missing_packages "$@")
  ((${#missing[@]})) || return 0
  if ! debian; then
    for p in "${missing[@]}"; do commands+=("${COMMAND_OF[$p]}"); done
    die "not a Debian system (no dpkg-query or apt-get), and these commands are missing: ${commands[*]};" \
      "install them with the system's package manager (Debian packages: ${missing[*]})"
  fi
  install_packages "${missing[@]}"
  mapfile -t missing < <(missing_packages "${missing[@]}")
  ((${#missing[@]} == 0)) || die "still missing after apt-get install: ${missing[*]}"
}

ensure_promtool() {
  local out
  if ! out="$("$REPO_ROOT/deploy/prometheus/promtool.sh" --version 2>&1 >/dev/null)"; then
    if [[ "${CI:-}" == true ]]; then
      die "cannot obtain promtool for the alert-rule tests: $out"
    fi
    echo "$ME: warning: promtool not available (the alert-rule tests will be skipped): $out" >&2
  fi
}

# A JDK 25 from the package lists: Debian 13 has one, Debian 12 has none.
ensure_jdk() {
  local advice="install a JDK 25 or newer under /usr/lib/jvm (e.g. Eclipse Temurin 25), or set JAVA_HOME to one"
  command -v apt-cache >/dev/null && command -v apt-get >/dev/null \
    || die "no JDK 25 or newer found; $advice"
  candidate() { apt-cache policy "$JDK_PACKAGE" 2>/dev/null | awk '/Candidate:/ { print $2; exit }'; }
  local version
  version="$(candidate)"
  if [[ -z "$version" || "$version" == "(none)" ]] && is_root; then
    # Lists never fetched (a fresh machine) or stale: fetch them once and ask again.
    apt_get update -qq || true
    version="$(candidate)"
  fi
  if [[ -z "$version" || "$version" == "(none)" ]]; then
    die "no JDK 25 or newer found, and the package lists offer no $JDK_PACKAGE (Debian 12 has none); $advice"
  fi
  is_root || die "no JDK 25 or newer found; install one as root, then run this again:
  apt-get install -y $JDK_PACKAGE"
  echo "$ME: no JDK 25 or newer found: installing $JDK_PACKAGE $version (apt-get)" >&2
  apt_get install -y -qq --no-install-recommends "$JDK_PACKAGE" || die "apt-get install -y $JDK_PACKAGE failed (see above)"
}

list_only=0
if [[ "${1:-}" == --missing ]]; then list_only=1; shift; fi
what="${1:-test}"
case "$what" in
  test) packages=("${TEST_PACKAGES[@]}") ;;
  lab) packages=("${LAB_PACKAGES[@]}") ;;
  jdk) ((list_only == 0)) || die "--missing takes test or lab"; ensure_jdk; exit 0 ;;
  *) die "unknown set '$what' (test, lab or jdk)" ;;
esac
fetch_promtool=$([[ "$what" == test ]] && echo 1 || echo 0)
if [[ -n "${HOST_PACKAGES:-}" ]]; then
  read -r -a packages <<<"$HOST_PACKAGES"
  fetch_promtool=0
fi

if ((list_only)); then
  missing_packages "${packages[@]}"
  exit 0
fi
ensure "${packages[@]}"
if ((fetch_promtool)); then ensure_promtool; fi
