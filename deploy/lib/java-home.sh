# Sourced by scripts: export JAVA_HOME pointing at a JDK 25 or newer, or fail with a clear message.
java_major() { "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'; }
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" && "$(java_major "$JAVA_HOME/bin/java")" -ge 25 ]]; then
  :
elif command -v java >/dev/null && [[ "$(java_major java)" -ge 25 ]]; then
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
else
  JAVA_HOME=""
  for d in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25* /usr/lib/jvm/*; do
    if [[ -x "$d/bin/java" && "$(java_major "$d/bin/java")" -ge 25 ]]; then JAVA_HOME="$d"; break; fi
  done
  if [[ -z "$JAVA_HOME" ]]; then
    echo "error: JDK 25 or newer not found (default java is older; nothing under /usr/lib/jvm)" >&2
    exit 1
  fi
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
# Maven 3.8 reaches sun.misc.Unsafe through Guava; JDK 25 warns about it on every run. Safe to set
# here: this JVM is 25 or newer, which knows the option.
case " ${MAVEN_OPTS:-} " in
  *sun-misc-unsafe-memory-access*) ;;
  *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;;
esac
