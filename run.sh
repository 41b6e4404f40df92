#!/usr/bin/env bash
# Runs the platform on this machine with its embedded defaults and seeded demo data:
#   ControlPlane  http://127.0.0.1:8090  (SQLite file, Pingyin County demo data seeded on first start)
#   MediaServer   http://127.0.0.1:8080  (demo page; WebRTC media on UDP 40000), in demo mode
# Both share a media-token secret and a webhook secret generated for this run (or taken from the
# environment: MEDIACORE_TOKEN_SECRET, MEDIACORE_WEBHOOK_SECRET). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
SECRET="${MEDIACORE_TOKEN_SECRET:-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')-local}"
HOOK="${MEDIACORE_WEBHOOK_SECRET:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}"

mkdir -p data
dotnet build -c Release -nologo -v q MediaServer/MediaCore.Server >/dev/null
dotnet build -c Release -nologo -v q ControlPlane/MediaCore.ControlPlane >/dev/null

dotnet run -c Release --no-build --project ControlPlane/MediaCore.ControlPlane -- \
  --ControlPlane:SqlitePath="$PWD/data/controlplane.db" --ControlPlane:SeedDemoData=true \
  --ControlPlane:MediaTokenSecret="$SECRET" --ControlPlane:WebhookSecret="$HOOK" \
  --ControlPlane:MediaServerUrl=http://127.0.0.1:8080 "$@" &
CP=$!
trap 'kill $CP 2>/dev/null || true' EXIT INT TERM

dotnet run -c Release --no-build --project MediaServer/MediaCore.Server -- \
  --MediaServer:DemoMode=true --MediaServer:TokenSecret="$SECRET" \
  --MediaServer:Webhooks:Url=http://127.0.0.1:8090/api/webhooks/mediaserver --MediaServer:Webhooks:Secret="$HOOK"
