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

# The package's postinst would start a system service; this script only needs the binary.
"$(dirname "$0")/apt-install.sh" ensure-prometheus --no-service-start prometheus

if find_binary; then
  exit 0
fi
echo "ensure-prometheus: installed the package but found no prometheus binary" >&2
exit 3
