#!/usr/bin/env bash
# Builds every module (tests skipped) and writes the run-time class path for ./jmamba.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=$(setup/find-jdk.sh)
export JAVA_HOME
export MAVEN_OPTS="${MAVEN_OPTS:-} --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
# In one reactor run, so that the bench module's class path names its sibling modules' fresh jars.
mvn -q -B -DskipTests package dependency:build-classpath -Dmdep.outputFile=target/runtime.classpath -Dmdep.includeScope=runtime
mkdir -p target
{ cat bench/target/runtime.classpath; echo; } | tr -d '\n' > target/jmamba.classpath
printf ':%s' "$PWD/bench/target/classes" >> target/jmamba.classpath
