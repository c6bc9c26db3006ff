#!/usr/bin/env bash
# JMH benchmarks of the gateway's hot path, each comparing two settings side by side in one run
# (the gateway's test sources under dev.weir.gateway.bench):
#   warm-path   what scale from zero costs a warm request (activatable revisions or not)
#   rule-match  a host of 50 HTTPRoute rules whose last matches against a Route's host
# Writes NAME.json (JMH's results) and NAME.md (the table, the difference, the machine's load) into
# OUT_DIR.
# Usage: loadtest/gateway-bench.sh NAME [OUT_DIR [ROUNDS]]
#        (default OUT_DIR loadtest/results/<UTC time>-NAME, ROUNDS 5)
# Takes about 4 minutes per 5 rounds plus the build; run it on a quiet machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
case "${1:-}" in
  warm-path) main=dev.weir.gateway.bench.WarmPathBench ;;
  rule-match) main=dev.weir.gateway.bench.RuleMatchBench ;;
  *) echo "usage: $0 warm-path|rule-match [OUT_DIR [ROUNDS]] (got: '${1:-}')" >&2; exit 2 ;;
esac
name="$1"
out="${2:-$here/results/$(date -u +%Y%m%dT%H%M%SZ)-$name}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
# The gateway jar is repackaged by Spring Boot, so the bench runs from the module's classes and its
# test classpath as Maven resolves it (Weir's modules as their target/classes).
(cd "$root" && ./mvnw -B -q -pl gateway -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test)
cd "$root/gateway"
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  "$main" "$out" "${3:-5}"
