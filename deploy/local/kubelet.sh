#!/usr/bin/env bash
# A stand-in for the kubelet, for the local demo's scale-from-zero revision (started by up.sh).
#
#   kubelet.sh DEPLOYMENT_FILE SLICE_FILE PORT LOG -- BACKEND_COMMAND...
#
# Watches the replicas of the one Deployment in DEPLOYMENT_FILE (Weir's controller sets it to 1 on
# demand and back to 0 when the revision is idle). At 1 it starts BACKEND_COMMAND, waits until it
# answers on 127.0.0.1:PORT, then writes SLICE_FILE, a ready EndpointSlice, as Kubernetes would
# once the pod is ready. At 0 it removes SLICE_FILE first, then stops the backend. It prints one
# line per change, with how long the backend took to become ready.
set -u
deployment_file="$1" slice_file="$2" port="$3" log="$4"
shift 4
[ "${1:-}" = "--" ] && shift
backend_pid=""
service=$(basename "$slice_file" .yaml)
service=${service%-slice}

replicas() {
  sed -n 's/^[[:space:]]*replicas:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$deployment_file" | head -n 1
}

write_slice() {
  local tmp
  tmp="$(dirname "$slice_file")/.$(basename "$slice_file").tmp"
  cat >"$tmp" <<YAML
# Written by kubelet.sh while the backend runs: its ready endpoint.
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $service-local
  namespace: default
  labels:
    kubernetes.io/service-name: $service
addressType: IPv4
endpoints:
- addresses:
  - 127.0.0.1
  conditions:
    ready: true
ports:
- name: http
  port: $port
  protocol: TCP
YAML
  mv -f "$tmp" "$slice_file"
}

stop_backend() {
  rm -f "$slice_file"
  if [ -n "$backend_pid" ]; then
    kill "$backend_pid" 2>/dev/null
    wait "$backend_pid" 2>/dev/null
    backend_pid=""
  fi
}
trap 'stop_backend; exit 0' EXIT INT TERM

rm -f "$slice_file"
while true; do
  want=$(replicas)
  if [ "${want:-0}" -gt 0 ] && [ -z "$backend_pid" ]; then
    started=$(date +%s%N)
    "$@" >>"$log" 2>&1 &
    backend_pid=$!
    for _ in $(seq 1 300); do
      curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/" 2>/dev/null && break
      kill -0 "$backend_pid" 2>/dev/null || break
      sleep 0.05
    done
    write_slice
    echo "kubelet.sh: $service scaled to $want: backend ready after $(( ($(date +%s%N) - started) / 1000000 )) ms"
  elif [ "${want:-0}" = 0 ] && [ -n "$backend_pid" ]; then
    stop_backend
    echo "kubelet.sh: $service scaled to 0: backend stopped"
  elif [ -n "$backend_pid" ] && ! kill -0 "$backend_pid" 2>/dev/null; then
    rm -f "$slice_file"
    backend_pid=""
    echo "kubelet.sh: $service's backend exited; see $log"
  fi
  sleep 0.1
done
