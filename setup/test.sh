#!/usr/bin/env bash
# The test command: installs the OpenCL CPU runtime if missing, then runs every module's tests on
# the JVM backend and on OpenCL (PoCL). OpenCL is required here: a machine without it fails the run
# instead of passing with less tested. Tests tagged "slow" run too (JMAMBA_SKIP_SLOW=1 leaves them out);
# "gpu" tests run where -Djmamba.gpu.tests=true. Extra arguments go to Maven (e.g. -Djmamba.fuzz.count=2000).
set -euo pipefail
cd "$(dirname "$0")/.."
setup/install-opencl.sh || echo "setup: continuing without a fresh PoCL install" >&2
JAVA_HOME=$(setup/find-jdk.sh)
export JAVA_HOME
export MAVEN_OPTS="${MAVEN_OPTS:-} --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
export JMAMBA_REQUIRE_BACKENDS=${JMAMBA_REQUIRE_BACKENDS:-opencl}
echo "jmamba tests: JDK $JAVA_HOME; required backends: $JMAMBA_REQUIRE_BACKENDS"
groups=gpu,slow
[[ ${JMAMBA_SKIP_SLOW:-0} == 1 ]] || groups=gpu
if [[ " $* " == *" -Djmamba.gpu.tests=true "* ]]; then groups=${groups/gpu/nothing-excluded}; fi
mvn -B -ntp test -Djmamba.excluded.groups=$groups "$@"
