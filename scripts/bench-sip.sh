#!/usr/bin/env bash
# 100 concurrent G.711 calls into one room with Debian's sipp (sip-tester), each playing g711a.pcap: MediaServer's CPU
# over 3 s while every call sends audio, with the machine's loopback sendto ceiling measured in the same run.
#   CALLS=100   concurrent calls
# Run it on a quiet machine (nothing else building or testing).
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS="${CALLS:-100}"
command -v sipp >/dev/null || { echo "bench-sip: sipp not found (apt-get install sip-tester)" >&2; exit 1; }
SECRET="$(openssl rand -hex 32)"
dotnet build MediaServer/MediaCore.Server -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
dotnet build loadtest -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# The load tester's calibration only (the server it would test is absent on purpose).
timeout 20 dotnet loadtest/bin/Release/net10.0/MediaCore.LoadTest.dll --server http://127.0.0.1:9 --token-secret "$SECRET" \
  --calibrate --sites 1 --duration 1 2>&1 | grep -m1 '^calibration' || true
dotnet MediaServer/MediaCore.Server/bin/Release/net10.0/MediaCore.Server.dll --urls=http://127.0.0.1:8191 \
  --MediaServer:UdpPort=41011 --MediaServer:TokenSecret="$SECRET" --MediaServer:Sip:Port=5091 >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:8191/metrics >/dev/null && break; sleep 0.2; done
user=site-1-terminal-1
password=$(python3 -c 'import hmac,hashlib,base64,sys; print(base64.urlsafe_b64encode(hmac.new(sys.argv[1].encode(), b"mediacore-sip:"+sys.argv[2].encode(), hashlib.sha256).digest()).decode()[:24])' "$SECRET" "$user")
log="$(mktemp)"
(cd tests/MediaCore.Server.Tests/Sip/Scenarios && sipp 127.0.0.1:5091 -sf call.xml -s sipbench -au "$user" -ap "$password" \
  -i 127.0.0.1 -p 5092 -mp 17000 -m "$CALLS" -l "$CALLS" -r "$CALLS" -d 8000 -nostdin -timeout 60 -timeout_error >"$log" 2>&1) &
sipp=$!
sleep 4
ticks() { awk '{print $14+$15}' "/proc/$server/stat"; }
hz=$(getconf CLK_TCK); a=$(ticks); sleep 3; b=$(ticks)
echo "MediaServer CPU with $CALLS calls sending audio: $(( (b - a) * 100 / (3 * hz) ))% of one core (3 s)"
wait $sipp || true
grep -E "Successful call|Failed call" "$log" | sed 's/  */ /g'
rm -f "$log"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
