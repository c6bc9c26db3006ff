#!/usr/bin/env bash
# Runs Weir's benchmark suites and writes loadtest/results/<UTC timestamp>/report.md.
# Usage: loadtest/run.sh [--quick] [--no-build] [--out DIR]
#   --quick     under two minutes; proves the harness works, numbers are indicative only
#   --no-build  never run Maven; suites whose jars are missing are skipped (used by the module's test)
#   --out DIR   write the report to DIR instead of loadtest/results/<UTC timestamp>/
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
quick=()
out=()
build=yes
while [ $# -gt 0 ]; do
  arg="$1"; shift
  case "$arg" in
    --out) [ $# -gt 0 ] || { echo "run.sh: --out needs a directory" >&2; exit 2; }; out=(--out "$1"); shift ;;
    --quick) quick=(--quick) ;;
    --no-build) build=no ;;
    -h|--help) echo "usage: loadtest/run.sh [--quick] [--no-build] [--out DIR]"; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (expected: --quick, --no-build or --out DIR)" >&2; exit 2 ;;
  esac
done

command -v java >/dev/null || { echo "run.sh: java not found; install a JDK 17 or newer" >&2; exit 1; }

# Peers from Debian, installed once if missing; without apt the harness skips them and says so.
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
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
  --root "$root" --wrk "$wrk_bin" --nginx "$nginx_bin" "${quick[@]}" "${out[@]}" &
harness_pid=$!
wait "$harness_pid"
status=$?
harness_pid=""
exit $status
