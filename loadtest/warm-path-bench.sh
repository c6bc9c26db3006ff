#!/usr/bin/env bash
# What scale from zero costs a warm request on the gateway's hot path, measured with JMH (the
# gateway's test source dev.weir.gateway.bench.WarmPathBench): the same routing table with and
# without activatable revisions, side by side in one run. Writes warm-path.json (JMH's results) and
# warm-path.md (the table, the difference, the machine's load) into OUT_DIR.
# Usage: loadtest/warm-path-bench.sh [OUT_DIR [ROUNDS]]   (default loadtest/results/<UTC time>-warm-path, 5)
# Takes about 4 minutes per 5 rounds plus the build; run it on a quiet machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="${1:-$here/results/$(date -u +%Y%m%dT%H%M%SZ)-warm-path}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
# The gateway jar is repackaged by Spring Boot, so the bench runs from the module's classes and its
# test classpath as Maven resolves it (Weir's modules as their target/classes).
(cd "$root" && ./mvnw -B -q -pl gateway -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test)
cd "$root/gateway"
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  dev.weir.gateway.bench.WarmPathBench "$out" "${2:-5}"
