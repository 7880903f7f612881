#!/usr/bin/env bash
# Runs the whole test suite: unit, golden and (as root) the network-namespace system tests.
# Selects a JDK 25 when the default `java` is older, then hands over to Maven.
set -euo pipefail
cd "$(dirname "$0")"
source deploy/lib/java-home.sh
exec mvn -B -ntp verify "$@"
