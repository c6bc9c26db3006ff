#!/usr/bin/env bash
# What scale from zero costs a warm request on the gateway's hot path (JMH); the same as
# `loadtest/gateway-bench.sh warm-path [OUT_DIR [ROUNDS]]`, which says more.
# Usage: loadtest/warm-path-bench.sh [OUT_DIR [ROUNDS]]
set -euo pipefail
exec "$(cd "$(dirname "$0")" && pwd)/gateway-bench.sh" warm-path "$@"
