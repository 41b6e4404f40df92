#!/usr/bin/env bash
# Starts Debian's redis-server as the cluster directory of MediaServer nodes (MediaServer:Cluster:Redis), on loopback,
# without persistence (the directory is live state: nodes write it again after a restart). Prints the pid; the server
# runs until killed.
#   REDIS_PORT=6390            TCP port (6390, not the default 6379, so a system Redis is left alone)
#   REDIS_BIND=127.0.0.1       listening address (the nodes' private network in production; never a public address)
#   REDIS_DIR=/tmp/mediacore-redis-<port>   working directory (log)
set -euo pipefail
PORT="${REDIS_PORT:-6390}"; BIND="${REDIS_BIND:-127.0.0.1}"
DIR="${REDIS_DIR:-/tmp/mediacore-redis-$PORT}"
command -v redis-server >/dev/null || { echo "start-redis: redis-server not found (apt-get install redis-server)" >&2; exit 1; }
mkdir -p "$DIR"
redis-server --port "$PORT" --bind "$BIND" --save '' --appendonly no --daemonize no --protected-mode yes \
  --dir "$DIR" --logfile "$DIR/redis.log" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if ! kill -0 "$pid" 2>/dev/null; then echo "start-redis: redis-server exited; log: $DIR/redis.log" >&2; tail -20 "$DIR/redis.log" >&2; exit 1; fi
  if redis-cli -h "$BIND" -p "$PORT" ping 2>/dev/null | grep -q PONG; then echo "$pid"; exit 0; fi
  sleep 0.1
done
echo "start-redis: redis-server did not answer on $BIND:$PORT within 10 s; log: $DIR/redis.log" >&2
kill "$pid" 2>/dev/null || true
exit 1
