#!/usr/bin/env bash
# Starts Debian's prometheus against MediaServer's and the ControlPlane's /metrics.
#   scripts/start-prometheus.sh [TARGET host:port] [LISTEN host:port] [DATA dir]
# SCRAPE_INTERVAL (env, default 5s) sets the scrape and evaluation interval; CONTROLPLANE_TARGET (env, default
# 127.0.0.1:8090) the ControlPlane's host:port.
# Defaults: target 127.0.0.1:8080, listen 127.0.0.1:9090, data in a temp dir. Prints the pid.
set -euo pipefail
TARGET="${1:-127.0.0.1:8080}"
INTERVAL="${SCRAPE_INTERVAL:-5s}"
CONTROLPLANE="${CONTROLPLANE_TARGET:-127.0.0.1:8090}"
LISTEN="${2:-127.0.0.1:9090}"
DATA="${3:-$(mktemp -d /tmp/mediacore-prometheus.XXXXXX)}"
command -v prometheus >/dev/null || { echo "prometheus not installed (apt-get install -y prometheus)" >&2; exit 1; }
CONFIG="$DATA/prometheus.yml"
sed -e "s/127.0.0.1:8080/$TARGET/" -e "s/127.0.0.1:8090/$CONTROLPLANE/" -e "s/_interval: 5s/_interval: $INTERVAL/" "$(dirname "$0")/../monitoring/prometheus.yml" > "$CONFIG"
prometheus --config.file="$CONFIG" --storage.tsdb.path="$DATA/tsdb" --web.listen-address="$LISTEN" \
  > "$DATA/prometheus.log" 2>&1 &
echo $!
