#!/usr/bin/env bash
# Prints the home of a JDK 25 (jmamba needs FFM and java.lang.classfile, both final in 25).
# Looks at JDK25_HOME, JAVA_HOME, then /usr/lib/jvm. Exit 2 with a message when there is none.
set -u
is_jdk25() { [[ -n ${1:-} && -x $1/bin/javac ]] && "$1/bin/java" -version 2>&1 | grep -q 'version "25'; }
for c in "${JDK25_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-* /usr/lib/jvm/*25*; do
  if is_jdk25 "$c"; then echo "$c"; exit 0; fi
done
echo "jmamba needs a JDK 25 and found none: looked at \$JDK25_HOME, \$JAVA_HOME and /usr/lib/jvm/*25*." >&2
echo "Install one (e.g. Temurin 25) and set JDK25_HOME to its folder." >&2
exit 2
