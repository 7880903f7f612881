#!/usr/bin/env bash
# The project's demo: weighted MAC forwarding with direct server return, end to end, in namespaces.
#
#   deploy/lab/demo.sh      (root; from any directory)
#
# Installs the Debian packages it needs when they are missing (deploy/lib/host-packages.sh lab, and a
# JDK 25 where the package lists have one), builds the jars if missing, brings the lab up, starts the dispatcher, sends DEMO_REQUESTS (default
# 300) HTTP requests from the client to http://198.18.0.100/, each on a new connection, then prints
# per real server: weight, expected share, requests answered, actual share. Exits non-zero if any
# request failed or a share is off by more than DEMO_TOLERANCE_PP (default 5) percentage points.
# The lab is taken down on exit, also on failure or Ctrl-C. Environment: LAB_PREFIX, LAB_DIR.
set -euo pipefail
# shellcheck source=lab-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab-common.sh"

REQUESTS="${DEMO_REQUESTS:-300}"
TOLERANCE_PP="${DEMO_TOLERANCE_PP:-5}"
BATCH=30                 # URLs per curl invocation
PER_REQUEST_SECONDS=5    # curl --max-time, applies to each URL
CONFIG="$LAB_SCRIPT_DIR/dispatcher-lab.yaml"
LAB_SH="$LAB_SCRIPT_DIR/lab.sh"
DISPATCHER_SH="$LAB_SCRIPT_DIR/dispatcher.sh"

require_root
validate_prefix
if ! [[ "$REQUESTS" =~ ^[0-9]+$ ]] || ((REQUESTS < 1 || REQUESTS > 10000)); then die "DEMO_REQUESTS must be 1..10000"; fi
[[ "$TOLERANCE_PP" =~ ^[0-9]+$ ]] || die "DEMO_TOLERANCE_PP must be a whole number"
STARTED=$SECONDS

# First the set-up: the lab's Debian packages (installed when missing) and a JDK 25.
# shellcheck source=../lib/java-home.sh
source "$REPO_ROOT/deploy/lib/java-home.sh"

build_jars_if_missing

LAB_OWNED=0
# shellcheck disable=SC2317  # runs from the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if ((LAB_OWNED)); then
    if ((rc != 0)) && [[ -s "$LAB_DIR/dispatcher.log" ]]; then
      echo "--- last lines of $LAB_DIR/dispatcher.log" >&2
      tail -n 20 "$LAB_DIR/dispatcher.log" >&2
    fi
    "$DISPATCHER_SH" stop || true
    # The dispatcher's own account on stop: every frame it received, by verdict.
    if [[ -s "$LAB_DIR/dispatcher.log" ]]; then
      sed -n '/stopped: received/,$p' "$LAB_DIR/dispatcher.log" | sed -E 's/^[^ ]+ +[A-Z]+ +\[Dispatcher\] /dispatcher /' >&2
    fi
    "$LAB_SH" down || true
  fi
  log "demo finished in $((SECONDS - STARTED)) s, exit $rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# lab.sh up cleans up after itself when it fails; exit 3 means another lab is up, which is not ours
# to take down.
LAB_OWNED=1
rc=0
"$LAB_SH" up || rc=$?
if ((rc == 3)); then LAB_OWNED=0; die "a lab is already up; take it down first (deploy/lab/lab.sh down)"; fi
((rc == 0)) || exit "$rc"
"$DISPATCHER_SH" start

# ---------------------------------------------------------------------------------------- requests
# Each URL on a new connection: "Connection: close" makes the server close after the response, and
# %{num_connects} (must be 1) proves curl did not reuse one. Output per URL: the body, then one
# "~~|code|connects|local port|error" line (the body may lack a final newline, so split on "~~|").
RESULTS="$LAB_DIR/demo-results.txt"
: >"$RESULTS"
log "sending $REQUESTS requests to http://$LAB_VIP/ from $LAB_CLIENT_NS (new connection each, $BATCH per curl)"
sent=0
while ((sent < REQUESTS)); do
  n=$((REQUESTS - sent < BATCH ? REQUESTS - sent : BATCH))
  urls=()
  for ((i = sent + 1; i <= sent + n; i++)); do urls+=("http://$LAB_VIP/?n=$i"); done
  # curl's exit status only reflects the last URL; every URL is checked below.
  timeout --kill-after=5 $((n * PER_REQUEST_SECONDS + 10)) \
    ip netns exec "$LAB_CLIENT_NS" curl -s --connect-timeout 3 --max-time "$PER_REQUEST_SECONDS" \
    -H 'Connection: close' -w '~~|%{http_code}|%{num_connects}|%{local_port}|%{errormsg}\n' \
    "${urls[@]}" >>"$RESULTS" 2>/dev/null || true
  sent=$((sent + n))
done

# One line per answered request: "<body>|<code>|<connects>|<local port>|<error>".
PARSED="$LAB_DIR/demo-parsed.txt"
awk '{ i = index($0, "~~|"); if (i == 0) { body = body $0; next }
       print body substr($0, 1, i - 1) "|" substr($0, i + 3); body = "" }' "$RESULTS" >"$PARSED"

# ------------------------------------------------------------------------------------------- table
# Weights from the config: every "weight:" follows its server's "address:".
mapfile -t WEIGHTS < <(awk '/^[[:space:]]*-?[[:space:]]*address:/ { a = $NF }
                            /^[[:space:]]*weight:/ { print a, $NF }' "$CONFIG")
((${#WEIGHTS[@]})) || die "no server weights found in $CONFIG"
total_weight=0
for row in "${WEIGHTS[@]}"; do total_weight=$((total_weight + ${row##* })); done

failed=0 reused=0 answered_total=0
declare -A ANSWERED=()
while IFS='|' read -r body code connects port error; do
  if [[ "$code" == 200 && "$body" =~ ^rs[0-9]+$ ]]; then
    ANSWERED[$body]=$((${ANSWERED[$body]:-0} + 1))
    answered_total=$((answered_total + 1))
    [[ "$connects" == 1 ]] || reused=$((reused + 1))
  else
    failed=$((failed + 1))
    ((failed <= 5)) && echo "failed request: code=$code body='$body' connects=$connects local_port=$port error='$error'" >&2
  fi
done <"$PARSED"
missing=$((REQUESTS - answered_total - failed))
((missing >= 0)) || missing=0
failed=$((failed + missing))

# The real servers' own logs: requests that arrived for the VIP (local=VIP) from the client itself
# (remote=client), i.e. forwarded at layer 2 with the client's address intact.
client_addr="$(host_addr client)"
bad_share=0
echo
printf '%-6s %-12s %6s %9s %9s %9s %9s\n' server address weight expected answered actual "srv-log"
for row in "${WEIGHTS[@]}"; do
  addr="${row% *}" weight="${row##* }" name="?"
  for role in "${LAB_SERVERS[@]}"; do [[ "$(host_addr "$role")" == "$addr" ]] && name="$role"; done
  count="${ANSWERED[$name]:-0}"
  seen="$(grep -c "local=$LAB_VIP:80 remote=$client_addr:" "$LAB_DIR/$name.log" 2>/dev/null || true)"
  read -r expected actual off < <(awk -v w="$weight" -v tw="$total_weight" -v c="$count" -v n="$REQUESTS" -v tol="$TOLERANCE_PP" \
    'BEGIN { e = 100 * w / tw; a = 100 * c / n; d = a - e; if (d < 0) d = -d;
             printf "%.1f%% %.1f%% %d\n", e, a, (d > tol) }')
  ((off)) && bad_share=1
  printf '%-6s %-12s %6s %9s %9s %9s %9s%s\n' "$name" "$addr" "$weight" "$expected" "$count" "$actual" "${seen:-0}" \
    "$( ((off)) && echo "  <-- off by more than $TOLERANCE_PP pp")"
done
echo
echo "requests: $REQUESTS, answered: $answered_total, failed: $failed, reused connections: $reused"
echo "(srv-log: requests the server logged with local address $LAB_VIP and remote address $client_addr;"
echo " raw curl output in $RESULTS)"

status=0
((failed == 0)) || { echo "FAIL: $failed request(s) failed" >&2; status=1; }
((reused == 0)) || { echo "FAIL: $reused request(s) did not use a new connection" >&2; status=1; }
((bad_share == 0)) || { echo "FAIL: a share is off by more than $TOLERANCE_PP percentage points" >&2; status=1; }
((status == 0)) && echo "PASS: all $REQUESTS requests answered, shares within $TOLERANCE_PP pp of the weights"
exit "$status"
