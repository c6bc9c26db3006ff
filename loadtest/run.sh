#!/usr/bin/env bash
# Runs Weir's benchmark suites and writes loadtest/results/<UTC timestamp>/report.md.
# Usage: loadtest/run.sh [--quick] [--only SUITE[,SUITE...]] [--routes N[,N...]] [--no-build] [--out DIR]
#   --quick       a few minutes; proves the harness works, numbers are indicative only
#   --only LIST   run only these suites: throughput, route-count, split-accuracy, propagation, footprint,
#                 rollout, lrs-ingest, scale-from-zero, gateway-api (propagation runs in folder mode and
#                 in Kubernetes mode, the others in folder mode; lrs-ingest at the largest Route count
#                 only; scale-from-zero and gateway-api on small stacks of their own; --quick leaves
#                 gateway-api out unless --only names it)
#   --routes LIST the Route counts of the Weir suites instead of 10,1000,10000 (--quick: 10,100)
#   --no-build    never run Maven; suites whose jars are missing are skipped (used by the module's test)
#   --out DIR     write the report to DIR instead of loadtest/results/<UTC timestamp>/
set -euo pipefail

# The suites' names, as the harness's Suite enum spells them (HarnessPartsTest keeps the two equal).
suites="throughput route-count split-accuracy propagation footprint rollout lrs-ingest scale-from-zero gateway-api"
usage="usage: loadtest/run.sh [--quick] [--only SUITE[,SUITE...]] [--routes N[,N...]] [--no-build] [--out DIR]"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
quick=()
out=()
only=()
routes=()
selected="$suites"
build=yes
while [ $# -gt 0 ]; do
  arg="$1"; shift
  case "$arg" in
    --out) [ $# -gt 0 ] || { echo "run.sh: --out needs a directory" >&2; exit 2; }; out=(--out "$1"); shift ;;
    --only)
      [ $# -gt 0 ] || { echo "run.sh: --only needs suites (expected: ${suites// /, })" >&2; exit 2; }
      selected="${1//,/ }"
      for s in $selected; do
        case " $suites " in
          *" $s "*) ;;
          *) echo "run.sh: --only: unknown suite '$s' (expected: ${suites// /, })" >&2; exit 2 ;;
        esac
      done
      [ -n "$selected" ] || { echo "run.sh: --only needs suites (expected: ${suites// /, })" >&2; exit 2; }
      only=(--only "$1"); shift ;;
    --routes)
      [[ $# -gt 0 && "$1" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] \
        || { echo "run.sh: --routes needs Route counts, comma-separated (e.g. 10,1000)" >&2; exit 2; }
      routes=(--routes "$1"); shift ;;
    --quick) quick=(--quick) ;;
    --no-build) build=no ;;
    -h|--help) echo "$usage"; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (expected: --quick, --only SUITES, --routes COUNTS, --no-build or --out DIR)" >&2
       exit 2 ;;
  esac
done
wants() { case " $selected " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

command -v java >/dev/null || { echo "run.sh: java not found; install a JDK 17 or newer" >&2; exit 1; }

# Peers from Debian, installed once if missing; without apt the harness skips them and says so.
# Only the suites that use them need them: throughput (nginx, wrk), route-count, scale-from-zero and
# gateway-api (wrk).
missing=()
if wants throughput; then
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
fi
if wants throughput || wants route-count || wants scale-from-zero || wants gateway-api; then
  command -v wrk >/dev/null || missing+=(wrk)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "run.sh: installing ${missing[*]} with apt-get"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
      || echo "run.sh: apt-get could not install ${missing[*]}; those peers are skipped"
  elif command -v apt-get >/dev/null && command -v sudo >/dev/null; then
    echo "run.sh: installing ${missing[*]} with sudo apt-get"
    sudo apt-get update -qq >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
      || echo "run.sh: apt-get could not install ${missing[*]}; those peers are skipped"
  else
    echo "run.sh: apt-get is not available to install ${missing[*]}; those peers are skipped"
  fi
fi
nginx_bin="$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || echo none)"
wrk_bin="$(command -v wrk || echo none)"

# Build what is missing: Weir's jars (empty placeholders count as missing) and this module.
jar_ok() { [ -f "$1" ] && [ "$(wc -c <"$1")" -gt 100000 ]; }
modules=()
jar_ok "$root/route-controller/target/weir-controller.jar" || modules+=(route-controller)
jar_ok "$root/gateway/target/weir-gateway.jar" || modules+=(gateway)
[ -d "$here/target/classes/dev/weir/loadtest" ] && [ -d "$here/target/lib" ] || modules+=(loadtest)
if [ ${#modules[@]} -gt 0 ] && [ "$build" = no ]; then
  echo "run.sh: not built (--no-build): ${modules[*]}; the suites that need them are skipped"
elif [ ${#modules[@]} -gt 0 ]; then
  list="$(IFS=,; echo "${modules[*]}")"
  echo "run.sh: building $list"
  (cd "$root" && ./mvnw -B -q -pl "$list" -am package -DskipTests) \
    || { echo "run.sh: the build of $list failed; run ./mvnw -B -pl $list -am package -DskipTests to see why" >&2; exit 1; }
fi

# The harness stops every process it starts; the trap covers Ctrl-C before it can.
harness_pid=""
cleanup() { [ -n "$harness_pid" ] && kill "$harness_pid" 2>/dev/null && wait "$harness_pid" 2>/dev/null; true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

java -Xmx512m -cp "$here/target/classes:$here/target/lib/*" dev.weir.loadtest.Harness \
  --root "$root" --wrk "$wrk_bin" --nginx "$nginx_bin" "${quick[@]}" "${only[@]}" "${routes[@]}" "${out[@]}" &
harness_pid=$!
wait "$harness_pid"
status=$?
harness_pid=""
exit $status
