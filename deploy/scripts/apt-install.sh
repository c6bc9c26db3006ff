#!/usr/bin/env bash
# Installs Debian packages for the project's scripts (ensure-*.sh), as root or through sudo
# without a password.
#
#   apt-install.sh WHO [--no-service-start] PACKAGE...
#
# WHO prefixes every message (e.g. ensure-prometheus). --no-service-start keeps a package's
# postinst from starting a system service (a policy-rc.d for the duration): the callers need
# binaries, not services. Exits 0 when installed; 2 when it cannot try (not root and no sudo, no
# apt-get); 3 when apt-get install failed. Messages go to stderr.
set -euo pipefail

who="$1"
shift
no_service_start=false
if [[ "${1:-}" == "--no-service-start" ]]; then
  no_service_start=true
  shift
fi

if [[ "$(id -u)" == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "$who: $* missing and this user can neither install packages (not root) nor use sudo without a password" >&2
  exit 2
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "$who: $* missing and apt-get is not available to install them" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
policy_added=false
if $no_service_start && [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${as_root[@]}" chmod +x /usr/sbin/policy-rc.d
  policy_added=true
fi
cleanup() { if $policy_added; then "${as_root[@]}" rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

"${as_root[@]}" apt-get update -qq >&2 || true
if ! "${as_root[@]}" apt-get install -y -qq --no-install-recommends "$@" >&2; then
  echo "$who: apt-get install $* failed" >&2
  exit 3
fi
