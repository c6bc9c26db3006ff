#!/usr/bin/env bash
# Makes sure a headless Chromium and its WebDriver are on this machine, for the console's browser
# tests. Installs Debian's packages `chromium` and `chromium-driver` when either is missing (as
# root, or through sudo). Prints two lines on success, the browser's path then the driver's; exits
# non-zero with a reason on stderr when it cannot.
set -euo pipefail

find_browser() {
  if [[ -n "${WEIR_CHROMIUM_BIN:-}" && -x "${WEIR_CHROMIUM_BIN}" ]]; then
    echo "${WEIR_CHROMIUM_BIN}"
    return 0
  fi
  command -v chromium 2>/dev/null && return 0
  [[ -x /usr/bin/chromium ]] && { echo /usr/bin/chromium; return 0; }
  return 1
}

find_driver() {
  if [[ -n "${WEIR_CHROMEDRIVER_BIN:-}" && -x "${WEIR_CHROMEDRIVER_BIN}" ]]; then
    echo "${WEIR_CHROMEDRIVER_BIN}"
    return 0
  fi
  command -v chromedriver 2>/dev/null && return 0
  [[ -x /usr/bin/chromedriver ]] && { echo /usr/bin/chromedriver; return 0; }
  return 1
}

found() {
  local browser driver
  browser=$(find_browser) && driver=$(find_driver) || return 1
  echo "$browser"
  echo "$driver"
}

if found; then
  exit 0
fi

"$(dirname "$0")/apt-install.sh" ensure-chromium chromium chromium-driver

if found; then
  exit 0
fi
echo "ensure-chromium: installed the packages but found no chromium or chromedriver binary" >&2
exit 3
