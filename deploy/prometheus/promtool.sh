#!/usr/bin/env bash
# Runs promtool with the given arguments, e.g.
#   deploy/prometheus/promtool.sh check rules deploy/prometheus/dispatcher-alerts.yml
#
# Uses `promtool` from PATH when there is one. Otherwise it fetches only the Debian `prometheus`
# package file (`apt-get download`, no installation: no service, no dependencies), extracts it with
# `dpkg-deb -x`, keeps usr/bin/promtool in a cache directory and runs that. Later runs reuse the
# cached binary. Needs apt-get and dpkg-deb (any Debian) and access to a Debian mirror once.
#
# Cache directory: $PROMTOOL_CACHE if set; else /var/cache/dispatcher-ci/promtool when writable
# (root); else ${XDG_CACHE_HOME:-~/.cache}/dispatcher-ci/promtool.
# Exit status: promtool's; 127 with a message on stderr when promtool cannot be obtained.
set -euo pipefail

if [[ -z "${PROMTOOL_NO_PATH:-}" ]] && command -v promtool >/dev/null 2>&1; then
  exec promtool "$@"
fi

die() { echo "promtool.sh: $*" >&2; exit 127; }

if [[ -n "${PROMTOOL_CACHE:-}" ]]; then
  cache="$PROMTOOL_CACHE"
elif mkdir -p /var/cache/dispatcher-ci/promtool 2>/dev/null && [[ -w /var/cache/dispatcher-ci/promtool ]]; then
  cache=/var/cache/dispatcher-ci/promtool
else
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/dispatcher-ci/promtool"
fi
bin="$cache/promtool"

if [[ ! -x "$bin" ]]; then
  command -v apt-get >/dev/null 2>&1 || die "promtool is not on PATH and apt-get is missing (not Debian?)"
  command -v dpkg-deb >/dev/null 2>&1 || die "promtool is not on PATH and dpkg-deb is missing"
  mkdir -p "$cache" || die "cannot create cache directory $cache"
  work="$(mktemp -d "$cache/.download.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  download() { (cd "$work" && apt-get download -q -o APT::Sandbox::User="$(id -un)" prometheus >&2); }
  update_lists() {
    [[ "$(id -u)" == 0 ]] || die "$1 (run apt-get update as root, or put promtool on PATH)"
    echo "promtool.sh: $1; running apt-get update" >&2
    apt-get update -qq >&2 || die "apt-get update failed"
  }
  echo "promtool.sh: fetching the Debian prometheus package for its promtool (one time, into $cache)" >&2
  # Fresh machine (package lists never fetched): fetch them first, as root only.
  policy="$(apt-cache policy prometheus 2>/dev/null || true)"
  [[ "$policy" == *"Candidate: "[0-9]* ]] || update_lists "no apt candidate for package prometheus"
  # The sandbox user _apt cannot write a private directory of the caller; download as the caller.
  # Stale lists (the mirror moved on to a newer version): fetch them again and retry once.
  download || { update_lists "apt-get download prometheus failed"; download; } \
    || die "apt-get download prometheus failed"
  deb=("$work"/prometheus_*.deb)
  [[ -f "${deb[0]}" ]] || die "apt-get download produced no prometheus_*.deb"
  dpkg-deb -x "${deb[0]}" "$work/root" || die "dpkg-deb -x ${deb[0]} failed"
  [[ -x "$work/root/usr/bin/promtool" ]] || die "the package has no usr/bin/promtool"
  "$work/root/usr/bin/promtool" --version >/dev/null 2>&1 || die "the extracted promtool does not run"
  # Rename into place so that a concurrent run never sees a half-written binary.
  mv -f "$work/root/usr/bin/promtool" "$cache/.promtool.$$"
  mv -f "$cache/.promtool.$$" "$bin"
  basename "${deb[0]}" >"$cache/SOURCE"
  rm -rf "$work"
  trap - EXIT
fi

exec "$bin" "$@"
