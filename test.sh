#!/usr/bin/env bash
# Runs the whole test suite: unit, golden and (as root) the network-namespace system tests.
# Selects a JDK 25 when the default `java` is older, then hands over to Maven.
set -euo pipefail
cd "$(dirname "$0")"
source deploy/lib/java-home.sh
# Maven 3.8 uses sun.misc.Unsafe through Guava; JDK 25 warns about it on every run.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
exec mvn -B -ntp verify "$@"
