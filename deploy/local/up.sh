#!/usr/bin/env bash
# Weir in local mode: three demo revisions, the control plane on two folder clusters (east/, west/)
# and the gateway on :8080 (HTTP) and :8443 (HTTPS, with a development certificate made here), all
# on loopback, and a light background load on hello (20 requests a second, so the demo Rollout in
# east/rollout-hello.yaml has requests to judge; WEIR_DEMO_LOAD=0 leaves it out). Ctrl-C stops
# everything this script started.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
run="$here/run"
controller_jar="$root/route-controller/target/weir-controller.jar"
gateway_jar="$root/gateway/target/weir-gateway.jar"
loadtest="$root/loadtest/target"

die() { echo "up.sh: $*" >&2; exit 1; }

# Java 17 or newer.
command -v java >/dev/null || die "Java not found: install a JDK 17 or newer (e.g. apt-get install -y openjdk-17-jdk-headless) and run again"
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[ "${java_major%%.*}" -ge 17 ] 2>/dev/null || die "Java ${java_major:-unknown} found, Weir needs 17 or newer: install a newer JDK and run again"
command -v curl >/dev/null || die "curl not found: install curl and run again"
command -v openssl >/dev/null || die "openssl not found (it makes the development certificate): install openssl and run again"

# Ports: each one in use stops the script, naming it.
for port in 9001 9002 9003 18000 9090 8080 8443 9091; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is in use on 127.0.0.1 (needed by local mode): stop what listens there (e.g. ss -ltnp 'sport = :$port') and run again"
  fi
done

# Build what is missing (the build skeleton leaves empty placeholder jars, which count as missing).
# A jar counts only if no source it is built from is newer (after a git pull, say).
jar_ok() { # jar, source paths...
  local jar="$1"; shift
  [ -f "$jar" ] && [ "$(wc -c <"$jar")" -gt 100000 ] \
    && [ -z "$(find "$@" -newer "$jar" -print -quit 2>/dev/null)" ]
}
modules=()
jar_ok "$controller_jar" "$root/pom.xml" "$root/route-controller/pom.xml" \
  "$root/route-controller/src/main" "$root/xds-server/src/main" || modules+=(route-controller)
jar_ok "$gateway_jar" "$root/pom.xml" "$root/gateway/pom.xml" "$root/gateway/src/main" \
  || modules+=(gateway)
# Stale jars go first: Maven keeps a repackaged jar whose own classes did not change even when a
# module it embeds did.
for module in "${modules[@]}"; do
  case "$module" in
    route-controller) rm -f "$controller_jar" "$controller_jar.original" ;;
    gateway) rm -f "$gateway_jar" "$gateway_jar.original" ;;
  esac
done
[ -d "$loadtest/classes/dev/weir/loadtest/backend" ] && [ -d "$loadtest/lib" ] || modules+=(loadtest)
if [ ${#modules[@]} -gt 0 ]; then
  list="$(IFS=,; echo "${modules[*]}")"
  echo "up.sh: building $list (missing, or older than its sources; this takes a few minutes)"
  mkdir -p "$run"
  (cd "$root" && ./mvnw -B -q -pl "$list" -am package -DskipTests) >"$run/build.log" 2>&1 \
    || die "the build failed: see $run/build.log, or run ./mvnw -B -pl $list -am package -DskipTests"
fi

mkdir -p "$run"
pids=()
stop() {
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    echo; echo "up.sh: stopping (${#pids[@]} processes)"
    kill "${pids[@]}" 2>/dev/null
    for _ in $(seq 1 50); do
      alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ "$alive" = 0 ] && break
      sleep 0.2
    done
    kill -9 "${pids[@]}" 2>/dev/null
    wait 2>/dev/null
  fi
}
trap stop EXIT
trap 'exit 130' INT TERM

start() { # name, command...
  local name="$1"; shift
  "$@" >"$run/$name.log" 2>&1 &
  pids+=($!)
  eval "pid_$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_')=$!"
}
alive_or_die() { # name pid
  kill -0 "$2" 2>/dev/null || die "$1 exited; last lines of $run/$1.log:
$(tail -n 20 "$run/$1.log")"
}

# Run copies of the jars, so a rebuild while the demo runs cannot pull classes from under it.
cp -f "$controller_jar" "$run/weir-controller.jar" && cp -f "$gateway_jar" "$run/weir-gateway.jar" \
  || die "cannot copy the jars to $run (disk full?)"
controller_jar="$run/weir-controller.jar"
gateway_jar="$run/weir-gateway.jar"

# HTTPS: a development CA and a certificate for *.default.localhost (kept in run/tls and reused,
# so a CA you trusted stays trusted), carried by a Secret in the config cluster's folder, and a
# clusters file that names it as the default certificate. deploy/local/clusters.yaml itself stays
# plain HTTP; edits to it are picked up here on the next start.
tls_dir="$run/tls"
secret_file="$here/east/generated/weir-dev-tls.yaml"
"$here/dev-certificate.sh" "$tls_dir" "$secret_file" default/weir-dev-tls localhost \
  || die "could not make the development certificate (see the message above)"
clusters_file="$run/clusters.yaml"
{
  echo "# Made by up.sh from $here/clusters.yaml: folders made absolute, the development certificate added."
  sed -e "s#^\([[:space:]-]*directory:[[:space:]]*\)\([^/[:space:]][^[:space:]]*\)#\1$here/\2#" "$here/clusters.yaml"
  if ! grep -q '^tls:' "$here/clusters.yaml"; then
    printf 'tls:\n  defaultSecret: default/weir-dev-tls\n  httpOption: Enabled\n'
  fi
} >"$clusters_file"

echo "up.sh: starting demo revisions hello-00001..3 on 127.0.0.1:9001-9003"
for n in 1 2 3; do
  start "hello-0000$n" java -Xmx64m -XX:+UseSerialGC -cp "$loadtest/classes:$loadtest/lib/*" \
    dev.weir.loadtest.backend.Backend --name "hello-0000$n" --port "900$n"
done
# Scale from zero: revision sleepy-00001 sits at 0 replicas (a Deployment document the controller
# scales), written afresh on every start so the checkout stays clean. kubelet.sh stands in for the
# kubelet: at 1 replica it starts the backend on :9004 and writes its ready EndpointSlice.
sleepy_file="$here/east/generated/sleepy.yaml"
mkdir -p "$(dirname "$sleepy_file")"
cat >"$sleepy_file" <<'YAML'
# Written by up.sh. Revision sleepy-00001 sleeps at zero: the first request wakes it (the gateway
# holds it meanwhile), and after a minute without requests it goes back to zero.
apiVersion: v1
kind: Service
metadata:
  name: sleepy-00001
  namespace: default
  annotations:
    weir.dev/scale-target: deployment/sleepy-00001
    weir.dev/scale-to-zero-after: 1m
spec:
  ports:
  - name: http
    port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sleepy-00001
  namespace: default
spec:
  replicas: 0   # Weir's controller sets this; kubelet.sh runs the backend while it is 1
  selector:
    matchLabels: {app: sleepy}
  template:
    metadata:
      labels: {app: sleepy}
    spec:
      containers:
      - name: sleepy
        image: example/sleepy:1
---
apiVersion: weir.dev/v1alpha1
kind: Route
metadata:
  name: sleepy
  namespace: default
spec:
  traffic:
  - revisionName: sleepy-00001
    percent: 100
YAML
start kubelet "$here/kubelet.sh" "$sleepy_file" "$here/east/generated/sleepy-00001-slice.yaml" 9004 \
  "$run/sleepy-00001.log" -- java -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  -cp "$loadtest/classes:$loadtest/lib/*" dev.weir.loadtest.backend.Backend --name sleepy-00001 --port 9004

echo "up.sh: starting the control plane (xDS :18000, admin :9090) on $clusters_file"
start controller java -jar "$controller_jar" --weir.clusters-file="$clusters_file" \
  --weir.xds.port=18000 --weir.xds.bind-address=127.0.0.1 --server.address=127.0.0.1 --server.port=9090 \
  --weir.gateway-api.addresses=127.0.0.1
echo "up.sh: starting the gateway (:8080, HTTPS :8443, management :9091)"
start gateway java -jar "$gateway_jar" --weir.xds.address=127.0.0.1:18000 --server.address=127.0.0.1 --server.port=8080 \
  --management.server.address=127.0.0.1 --management.server.port=9091 --weir.https.port=8443 \
  --weir.node.id=local-gateway --weir.node.region=local --weir.node.zone=east

printf "up.sh: waiting for http://hello.default.localhost:8080/ "
for i in $(seq 1 240); do
  for name in hello-00001 hello-00002 hello-00003 controller gateway; do
    var="pid_$(echo "$name" | tr -c 'a-zA-Z0-9\n' '_')"
    alive_or_die "$name" "${!var}"
  done
  if curl -fsS -o /dev/null --max-time 2 -H 'Host: hello.default.localhost' http://127.0.0.1:8080/ 2>/dev/null; then
    break
  fi
  [ "$i" = 240 ] && die "nothing answered on :8080 within 120 s; see $run/controller.log and $run/gateway.log"
  [ $((i % 4)) = 0 ] && printf "."
  sleep 0.5
done
echo " up."

# The HTTPS port opens when the gateway has the certificate from xDS.
resolve=(--resolve hello.default.localhost:8443:127.0.0.1)
printf "up.sh: waiting for https://hello.default.localhost:8443/ "
for i in $(seq 1 60); do
  if curl -fsS -o /dev/null --max-time 2 --cacert "$tls_dir/ca.pem" "${resolve[@]}" \
      https://hello.default.localhost:8443/ 2>/dev/null; then
    echo " up."
    break
  fi
  if [ "$i" = 60 ]; then
    echo; echo "up.sh: HTTPS did not answer within 30 s; HTTP works. See curl http://127.0.0.1:9090/api/v1/routes (CertificateProvisioned) and $run/gateway.log"
  fi
  [ $((i % 4)) = 0 ] && printf "."
  sleep 0.5
done

# Light background load: a Rollout judges a revision only on requests it served (at least
# analysis.minRequests, 20 in the demo, per revision and window), and the demo gets none by itself.
# Twenty requests a second to hello, one curl a second over one kept-alive connection (a process
# per request would be slower than the pace on a busy machine), so a revision at 9% gets ~36 in a
# 20 s pause. Every 10 s a line goes to run/load.log: the answers by revision, failures by status.
demo_load() {
  local pacer counts="" next=$((SECONDS + 10))
  while :; do
    sleep 1 & pacer=$!
    counts="$counts$(curl -s --max-time 5 -H 'Host: hello.default.localhost' -w '\n@@ %{http_code}\n' \
        'http://127.0.0.1:8080/?n=[1-20]' 2>/dev/null \
      | awk '/^@@ / { print ($2 == "200" ? prev : "status-" $2); prev = "?"; next } NF { prev = $0 }')"$'\n'
    wait "$pacer"
    if [ "$SECONDS" -ge "$next" ]; then
      echo "$(date +%T)$(printf '%s' "$counts" | sort | uniq -c | awk 'NF == 2 { printf "  %s %s", $2, $1 }')"
      counts="" next=$((SECONDS + 10))
    fi
  done
}
if [ "${WEIR_DEMO_LOAD:-1}" != 0 ]; then
  echo "up.sh: starting a light background load: 20 requests a second to hello (counts every 10 s in deploy/local/run/load.log; WEIR_DEMO_LOAD=0 leaves it out)"
  start load demo_load
else
  rm -f "$run/load.log"   # a previous run's counts would only mislead
fi

# curl resolves *.localhost to loopback from 7.78 on; older ones need the Host header form.
curl_ok=no
IFS=. read -r cmaj cmin _ <<<"$(curl --version | sed -n '1s/^curl \([0-9.]*\).*/\1/p')"
if [ "${cmaj:-0}" -gt 7 ] || { [ "${cmaj:-0}" -eq 7 ] && [ "${cmin:-0}" -ge 78 ]; }; then curl_ok=yes; fi
url() { # host path
  if [ "$curl_ok" = yes ]; then echo "curl http://$1:8080$2"; else echo "curl -H 'Host: $1' http://127.0.0.1:8080$2"; fi
}
ca="$tls_dir/ca.pem"
[ "$PWD" = "$root" ] && ca="deploy/local/run/tls/ca.pem"
https_url() { # host path
  if [ "$curl_ok" = yes ]; then echo "curl --cacert $ca https://$1:8443$2"
  else echo "curl --cacert $ca --resolve $1:8443:127.0.0.1 https://$1:8443$2"; fi
}

# The rollout demo's lines: the Route's file as this shell reaches it, sed's in-place flag (GNU or
# BSD), and a way to watch the admin API (watch and jq where present).
route_file="$here/east/route-hello.yaml"
[ "$PWD" = "$root" ] && route_file="deploy/local/east/route-hello.yaml"
sed_i="sed -i"
sed --version >/dev/null 2>&1 || sed_i="sed -i ''"
to_00003='s/revisionName: hello-00001/revisionName: hello-00003/'
to_00001='s/revisionName: hello-00003/revisionName: hello-00001/'
rollouts="curl -s http://127.0.0.1:9090/api/v1/rollouts"
if command -v jq >/dev/null; then
  rollouts="$rollouts | jq -c \".[] | {name, phase, step, weight, split, applied: (.applied | {applied, connected}), message}\""
elif command -v python3 >/dev/null; then
  rollouts="$rollouts | python3 -m json.tool"
fi
if command -v watch >/dev/null; then
  watch_rollouts="watch -n1 '$rollouts'"
else
  watch_rollouts="while :; do clear; $rollouts; sleep 1; done"
fi
if [ "${WEIR_DEMO_LOAD:-1}" != 0 ]; then
  load_line="up.sh sends hello 20 requests a second (counts: tail -f deploy/local/run/load.log).
For more, run this beside it:"
else
  load_line="Started with WEIR_DEMO_LOAD=0, hello gets no traffic, so no verdict can pass.
Send some:"
fi
if [ "$curl_ok" = yes ]; then
  load_hint="while :; do curl -s 'http://hello.default.localhost:8080/?n=[1-20]' >/dev/null; sleep 1; done"
else
  load_hint="while :; do curl -s -H 'Host: hello.default.localhost' 'http://127.0.0.1:8080/?n=[1-20]' >/dev/null; sleep 1; done"
fi

cat <<EOF

Weir is running (logs in deploy/local/run/). Try:

  $(url hello.default.localhost /)                      # hello-00001 (90%) or hello-00002 (10%)
  for i in \$(seq 20); do $(url hello.default.localhost /); done | sort | uniq -c
  $(url canary-hello.default.localhost /)               # tag canary: always hello-00002
  $(url latest-hello.default.localhost /)               # tag latest: the newest revision, hello-00003
  $(url hello.default.localhost /) -H 'Weir-Tag: canary'   # the tag as a header

HTTPS, with a development certificate for *.default.localhost (CA: deploy/local/run/tls/ca.pem):

  $(https_url hello.default.localhost /)
  $(https_url canary-hello.default.localhost /)

Gateway API (deploy/local/east/gateway-api.yaml: GatewayClass weir, Gateway demo, HTTPRoute shop):

  $(url shop.gateway.localhost /api/orders)          # PathPrefix /api: always hello-00001
  for i in \$(seq 20); do $(url shop.gateway.localhost /); done | sort | uniq -c   # 80/20, exact
  $(url shop.gateway.localhost /) -i -H 'x-preview: true'   # header match: hello-00003 (west), x-preview: served
  curl http://127.0.0.1:9090/api/v1/httproutes    # HTTPRoutes with status.parents (also /gateways, /gatewayclasses)

  curl http://127.0.0.1:9090/api/v1/routes        # every Route with its status
  curl http://127.0.0.1:9090/api/v1/dataplanes    # connected data planes and what they applied
  curl http://127.0.0.1:9090/api/v1/clusters      # the clusters and their health
  curl http://127.0.0.1:9091/actuator/prometheus | grep weir_gateway   # gateway metrics

Change the split: edit deploy/local/east/route-hello.yaml (e.g. percents 50 and 50) and save;
the Rollout in deploy/local/east/rollout-hello.yaml walks the gateway there: 10% of the way, 20 s,
50%, 20 s, then all, judging what gains traffic (without that file: within a second).

Rollouts (deploy/local/east/rollout-hello.yaml): roll out hello-00003, moving the 90% of
hello-00001 to it step by step, and watch it (phase, step, the split served):

  $sed_i '$to_00003' $route_file
  $watch_rollouts

Make one roll back: hello-00003 answers 503 to a third of its requests, then roll it out (from
hello-00001: after the rollout above, go back first with the last line below). Its success rate
fails the analysis and Weir serves hello-00001's 90% again by itself:

  curl -X POST 'http://127.0.0.1:9003/_demo/fail?percent=33'
  $sed_i '$to_00003' $route_file

By hand (the admin API; writes are allowed here because it listens on loopback only):

  curl -X POST 'http://127.0.0.1:9003/_demo/fail?percent=0'                 # hello-00003 healthy again
  curl -X POST http://127.0.0.1:9090/api/v1/rollouts/default/hello/retry     # start again from step 0
  curl -X POST http://127.0.0.1:9090/api/v1/rollouts/default/hello/promote   # next step now (?full=true: to the end)
  curl -X POST http://127.0.0.1:9090/api/v1/rollouts/default/hello/abort     # back to the old split
  $sed_i '$to_00001' $route_file   # back to hello-00001 (a rollout too)

A verdict needs traffic: at least 20 requests per revision in each 20 s window.
$load_line

  $load_hint

Rollout state is kept in deploy/local/run/weir-rollouts.json and survives a restart of up.sh.

Scale from zero: sleepy-00001 has no process until asked for. The first request wakes it (the
gateway holds it while the controller scales it to 1 and kubelet.sh starts it); a minute without
requests puts it back to zero (kubelet.sh's lines in deploy/local/run/kubelet.log):

  $(url sleepy.default.localhost /) -w ' (first answer after %{time_total} s)\n'
  curl -s http://127.0.0.1:9090/api/v1/routes | grep -o '"activation":"[a-z]*"'   # cold, waking, ready

The console (Routes, splits, rollouts with their buttons, traffic per revision, live):

  http://127.0.0.1:9090/

Ctrl-C stops everything.
EOF
wait
