#!/usr/bin/env bash
# Runs promtool with the given arguments, e.g.
#   deploy/prometheus/promtool.sh check rules deploy/prometheus/dispatcher-alerts.yml
#
# Uses `promtool` from PATH when there is one. Otherwise it fetches only the Debian package file
# that holds it (`apt-get download`, no installation: no service, no dependencies): `promtool`
# where the archive has that package (Debian 13), else `prometheus` (Debian 12), extracts it with
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
  # The first of these packages the lists offer: Debian 13 has promtool on its own; in Debian 12
  # it is part of prometheus.
  package_with_promtool() {
    local p
    for p in promtool prometheus; do
      if [[ "$(apt-cache policy "$p" 2>/dev/null)" == *"Candidate: "[0-9]* ]]; then echo "$p"; return 0; fi
    done
    return 1
  }
  download() { (cd "$work" && apt-get download -q -o APT::Sandbox::User="$(id -un)" "$pkg" >&2); }
  update_lists() {
    [[ "$(id -u)" == 0 ]] || die "$1 (run apt-get update as root, or put promtool on PATH)"
    echo "promtool.sh: $1; running apt-get update" >&2
    apt-get update -qq >&2 || die "apt-get update failed"
  }
  # Fresh machine (package lists never fetched): fetch them first, as root only.
  pkg="$(package_with_promtool)" || { update_lists "no apt candidate for package promtool or prometheus"
    pkg="$(package_with_promtool)"; } || die "no apt candidate for package promtool or prometheus"
  echo "promtool.sh: fetching the Debian $pkg package for its promtool (one time, into $cache)" >&2
  # The sandbox user _apt cannot write a private directory of the caller; download as the caller.
  # Stale lists (the mirror moved on to a newer version): fetch them again and retry once.
  download || { update_lists "apt-get download $pkg failed"; download; } \
    || die "apt-get download $pkg failed"
  deb=("$work"/"$pkg"_*.deb)
  [[ -f "${deb[0]}" ]] || die "apt-get download produced no ${pkg}_*.deb"
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
