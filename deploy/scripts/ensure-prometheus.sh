#!/usr/bin/env bash
# Makes sure a Prometheus server binary is on this machine, for the tests of the rollout
# controller's Prometheus provider. Installs Debian's package `prometheus` when it is missing
# (as root, or through sudo). Prints the binary's path on success; exits non-zero with a reason
# on stderr when it cannot.
set -euo pipefail

find_binary() {
  if [[ -n "${WEIR_PROMETHEUS_BIN:-}" && -x "${WEIR_PROMETHEUS_BIN}" ]]; then
    echo "${WEIR_PROMETHEUS_BIN}"
    return 0
  fi
  command -v prometheus 2>/dev/null && return 0
  [[ -x /usr/bin/prometheus ]] && { echo /usr/bin/prometheus; return 0; }
  return 1
}

if find_binary; then
  exit 0
fi

if [[ "$(id -u)" == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "ensure-prometheus: prometheus is missing and this user can neither install packages (not root) nor use sudo without a password" >&2
  exit 2
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-prometheus: prometheus is missing and apt-get is not available to install it" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
# The package's postinst would start a system service; this script only needs the binary.
policy_added=false
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${as_root[@]}" chmod +x /usr/sbin/policy-rc.d
  policy_added=true
fi
cleanup() { if $policy_added; then "${as_root[@]}" rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

"${as_root[@]}" apt-get update -qq >&2 || true
if ! "${as_root[@]}" apt-get install -y -qq --no-install-recommends prometheus >&2; then
  echo "ensure-prometheus: apt-get install prometheus failed" >&2
  exit 3
fi

if find_binary; then
  exit 0
fi
echo "ensure-prometheus: installed the package but found no prometheus binary" >&2
exit 3
