#!/usr/bin/env bash
# Runs the platform on this machine with its embedded defaults and seeded demo data:
#   ControlPlane  http://127.0.0.1:8090  (SQLite file, Pingyin County demo data seeded on first start)
#                 and the Portal (Chinese web UI) at http://127.0.0.1:8090/ (built here from Portal/)
#   MediaServer   http://127.0.0.1:8080  (demo page; WebRTC media on UDP 40000), in demo mode
# Both share a media-token secret and a webhook secret generated for this run (or taken from the
# environment: MEDIACORE_TOKEN_SECRET, MEDIACORE_WEBHOOK_SECRET). Ctrl-C stops both.
# HTTPS for phones on the LAN (opt-in): MEDIACORE_HTTPS=1 ./run.sh adds https://<LAN address>:8443 (ControlPlane,
# Portal) and :8444 (MediaServer) with a self-signed certificate made by scripts/make-local-cert.sh, or with
# your own: MEDIACORE_TLS_CERT=/path/fullchain.pem MEDIACORE_TLS_KEY=/path/privkey.pem. README: HTTPS.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
SECRET="${MEDIACORE_TOKEN_SECRET:-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')-local}"
HOOK="${MEDIACORE_WEBHOOK_SECRET:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}"

mkdir -p data
CP_ARGS=(); MS_ARGS=()
if [ "${MEDIACORE_HTTPS:-0}" = 1 ] || [ -n "${MEDIACORE_TLS_CERT:-}" ]; then
  LAN="${MEDIACORE_LAN_ADDRESS:-$(ip -4 route get 1.1.1.1 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "src") print $(i + 1)}')}"
  LAN="${LAN:-127.0.0.1}"
  CERT="${MEDIACORE_TLS_CERT:-}"; KEY="${MEDIACORE_TLS_KEY:-}"
  if [ -z "$CERT" ]; then
    scripts/make-local-cert.sh data/tls "$LAN" >/dev/null
    CERT="$PWD/data/tls/cert.pem"; KEY="$PWD/data/tls/key.pem"
    echo "run.sh: self-signed certificate for 127.0.0.1 and $LAN in data/tls (browsers warn once; SPKI sha256 $(cat data/tls/spki.txt))"
  fi
  TLS=(--Kestrel:Certificates:Default:Path="$CERT" --Kestrel:Certificates:Default:KeyPath="$KEY")
  # Plain HTTP stays on loopback for the services' own calls (room API, webhooks); browsers use HTTPS.
  CP_ARGS=(--urls "http://127.0.0.1:8090;https://0.0.0.0:8443" "${TLS[@]}" --ControlPlane:PublicMediaServerUrl="https://$LAN:8444")
  MS_ARGS=(--urls "http://127.0.0.1:8080;https://0.0.0.0:8444" "${TLS[@]}" --MediaServer:BindAddress=0.0.0.0 --MediaServer:AdvertisedAddress="$LAN")
  echo "run.sh: Portal https://$LAN:8443  MediaServer https://$LAN:8444 (media UDP 40000 on $LAN)"
fi
dotnet build -c Release -nologo -v q MediaServer/MediaCore.Server >/dev/null
dotnet build -c Release -nologo -v q ControlPlane/MediaCore.ControlPlane >/dev/null
scripts/build-portal.sh || echo "run: the Portal did not build (see above); the API and MediaServer still start"
cat <<'INFO'
==> Portal (党建e管理平台): http://127.0.0.1:8090/
    demo logins (password Demo@2026): admin (县级管理员), jinshui (锦水街道管理员), jinshui01 (东关村操作员), lecturer (授课专家)
    developer page (English, MediaServer): http://127.0.0.1:8080/
INFO

dotnet run -c Release --no-build --project ControlPlane/MediaCore.ControlPlane -- \
  --ControlPlane:SqlitePath="$PWD/data/controlplane.db" --ControlPlane:SeedDemoData=true \
  --ControlPlane:MediaTokenSecret="$SECRET" --ControlPlane:WebhookSecret="$HOOK" \
  --ControlPlane:MediaServerUrl=http://127.0.0.1:8080 "${CP_ARGS[@]}" "$@" &
CP=$!
trap 'kill $CP 2>/dev/null || true' EXIT INT TERM

dotnet run -c Release --no-build --project MediaServer/MediaCore.Server -- \
  --MediaServer:DemoMode=true --MediaServer:TokenSecret="$SECRET" \
  --MediaServer:Webhooks:Url=http://127.0.0.1:8090/api/webhooks/mediaserver --MediaServer:Webhooks:Secret="$HOOK" \
  --MediaServer:Sip:AccountsUrl=http://127.0.0.1:8090/api/media/sip-accounts "${MS_ARGS[@]}"
