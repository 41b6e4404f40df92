#!/usr/bin/env bash
# Three-node cluster load test on one machine: Debian's redis-server, a county node and two town nodes
# (MediaServer:Cluster:Parent=county), then `loadtest --nodes ... --topology --calibrate`: the publisher on the county
# node, villages round robin over the town nodes. Prints the load test's report and the load average before and after.
#   SITES=1000 DURATION=40 RAMP=10   sites, steady seconds after the ramp, joins per second
#   OUT=bench-cluster-<time>         directory for logs, report.json and plots
# Extra arguments go to the load tester. Run it on a quiet machine (nothing else building or testing).
set -euo pipefail
cd "$(dirname "$0")/.."
SITES="${SITES:-1000}"; DURATION="${DURATION:-40}"; RAMP="${RAMP:-10}"
OUT="${OUT:-bench-cluster-$(date +%Y%m%d-%H%M%S)}"; mkdir -p "$OUT"; OUT="$(cd "$OUT" && pwd)"
SECRET="$(openssl rand -hex 32)"
dotnet build MediaServer/MediaCore.Server -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
dotnet build loadtest -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
SERVER=MediaServer/MediaCore.Server/bin/Release/net10.0/MediaCore.Server.dll
LOADTEST=loadtest/bin/Release/net10.0/MediaCore.LoadTest.dll
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
pids+=("$(REDIS_PORT=6395 REDIS_DIR="$OUT/redis" scripts/start-redis.sh)")
node() { # id http-port udp-port parent
  dotnet "$SERVER" --urls="http://127.0.0.1:$2" --MediaServer:NodeId="$1" --MediaServer:Webhooks:NodeId="$1" \
    --MediaServer:UdpPort="$3" --MediaServer:TokenSecret="$SECRET" --MediaServer:Cluster:Redis=127.0.0.1:6395 \
    --MediaServer:Cluster:RelayUrl="http://127.0.0.1:$2" --MediaServer:Cluster:Parent="$4" >"$OUT/$1.log" 2>&1 &
  pids+=("$!")
}
node county 8181 41001 ""
node town-1 8182 41002 county
node town-2 8183 41003 county
for port in 8181 8182 8183; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/metrics" >/dev/null && break; sleep 0.2; done
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet "$LOADTEST" --nodes http://127.0.0.1:8181,http://127.0.0.1:8182,http://127.0.0.1:8183 --topology \
  --token-secret "$SECRET" --calibrate --sites "$SITES" --scenario plenary --duration "$DURATION" --ramp "$RAMP" \
  --report "$OUT/report.json" "$@" | tee "$OUT/loadtest.out" | grep -v '^\['
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
