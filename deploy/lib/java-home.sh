# Sourced by the README's test command and by the lab scripts, first: installs the Debian packages
# they need when missing (deploy/lib/host-packages.sh, the set named by DISPATCHER_HOST_PACKAGES:
# test, the default, or lab), then exports JAVA_HOME pointing at a JDK 25 or newer, installing
# one when the package lists offer it. Fails (return 1) with a message saying what to install.
# shellcheck shell=bash
java_major() { "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'; }

# A JDK 25 or newer: $JAVA_HOME, the default java, or the first under /usr/lib/jvm; nothing if none.
dispatcher_find_jdk() {
  local d
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" && "$(java_major "$JAVA_HOME/bin/java")" -ge 25 ]]; then
    echo "$JAVA_HOME"
  elif command -v java >/dev/null && [[ "$(java_major java)" -ge 25 ]]; then
    dirname "$(dirname "$(readlink -f "$(command -v java)")")"
  else
    for d in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25* /usr/lib/jvm/*; do
      if [[ -x "$d/bin/java" && "$(java_major "$d/bin/java")" -ge 25 ]]; then echo "$d"; return; fi
    done
  fi
}

dispatcher_host_setup() {
  local lib jdk
  lib="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  "$lib/host-packages.sh" "${DISPATCHER_HOST_PACKAGES:-test}" || return 1
  jdk="$(dispatcher_find_jdk)"
  if [[ -z "$jdk" ]]; then
    "$lib/host-packages.sh" jdk || return 1
    jdk="$(dispatcher_find_jdk)"
    [[ -n "$jdk" ]] || { echo "error: a JDK 25 was installed but is not found under /usr/lib/jvm" >&2; return 1; }
  fi
  export JAVA_HOME="$jdk"
  export PATH="$JAVA_HOME/bin:$PATH"
  # Maven 3.8 reaches sun.misc.Unsafe through Guava; JDK 25 warns about it on every run. Safe to set
  # here: this JVM is 25 or newer, which knows the option.
  case " ${MAVEN_OPTS:-} " in
    *sun-misc-unsafe-memory-access*) ;;
    *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;;
  esac
}

dispatcher_host_setup || return 1
