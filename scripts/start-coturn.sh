#!/usr/bin/env bash
# Starts coturn (Debian's `coturn`, `turnserver`) as the TURN relay for sites behind NAT and firewalls, with
# shared-secret time-limited credentials (TURN REST scheme: MediaServer:Turn:Secret / ControlPlane:Turn:Secret
# must be the same secret). Prints the pid; the relay runs until killed.
#   TURN_SECRET=...            required: coturn's static-auth-secret (no default secret ships)
#   TURN_LISTEN=127.0.0.1      listening address (0.0.0.0 in production)
#   TURN_PORT=3478             UDP and TCP listening port
#   TURN_RELAY_IP=             relay address (default: TURN_LISTEN); TURN_EXTERNAL_IP= public address behind 1:1 NAT
#   TURN_REALM=mediacore       realm
#   TURN_MIN_PORT=49152 TURN_MAX_PORT=65535   relay port range (open these on the firewall)
#   TURN_ALLOW_LOOPBACK=0      1 lets the relay reach loopback peers (tests on one machine only; never in production)
#   TURN_LOG=/tmp/coturn-<port>.log
set -euo pipefail
: "${TURN_SECRET:?set TURN_SECRET (the shared secret of MediaServer:Turn:Secret)}"
LISTEN="${TURN_LISTEN:-127.0.0.1}"; PORT="${TURN_PORT:-3478}"
LOG="${TURN_LOG:-/tmp/coturn-$PORT.log}"
command -v turnserver >/dev/null || { echo "start-coturn: turnserver not found (apt-get install coturn)" >&2; exit 1; }

args=(-n --listening-ip="$LISTEN" --listening-port="$PORT" --relay-ip="${TURN_RELAY_IP:-$LISTEN}"
      --use-auth-secret --static-auth-secret="$TURN_SECRET" --realm="${TURN_REALM:-mediacore}"
      --min-port="${TURN_MIN_PORT:-49152}" --max-port="${TURN_MAX_PORT:-65535}"
      --fingerprint --no-cli --no-tls --no-dtls --no-multicast-peers --no-stdout-log --simple-log --log-file="$LOG" --pidfile="$LOG.pid")
[ -n "${TURN_EXTERNAL_IP:-}" ] && args+=(--external-ip="$TURN_EXTERNAL_IP")
[ "${TURN_ALLOW_LOOPBACK:-0}" = 1 ] && args+=(--allow-loopback-peers)

: > "$LOG"
turnserver "${args[@]}" >/dev/null 2>&1 &
pid=$!
# Ready when the UDP listener is bound (coturn logs its listeners once set up).
for _ in $(seq 1 100); do
  if ! kill -0 "$pid" 2>/dev/null; then echo "start-coturn: turnserver exited; log: $LOG" >&2; tail -20 "$LOG" >&2; exit 1; fi
  if ss -Hlun "sport = :$PORT" 2>/dev/null | grep -q .; then echo "$pid"; exit 0; fi
  sleep 0.1
done
echo "start-coturn: turnserver did not listen on $LISTEN:$PORT within 10 s; log: $LOG" >&2
kill "$pid" 2>/dev/null || true
exit 1
